from __future__ import annotations

import numpy as np

from fmkit.selection.choose import Candidate, Row, rank, scores_table
from fmkit.selection.crossval import CVResult
from fmkit.selection.serving import ServingCost


def _row(method: str, correct: list[int], latency: float, memory: float) -> Row:
    flags = np.array(correct, bool)
    cv = CVResult(method, flags, np.zeros((len(flags), 2), np.float32), 1.0)
    return Row(Candidate("m", method), cv, 0.5, ServingCost(latency, latency, 1000 / latency, memory))


def test_one_standard_error_rule_prefers_the_faster_of_two_equals() -> None:
    slow = _row("slow", [1] * 18 + [0] * 2, latency=30, memory=900)
    fast = _row("fast", [0, 0] + [1] * 17 + [0], latency=1, memory=200)  # 1 point less, on other items
    choice = rank([slow, fast], None, None, [], 20, 3)
    assert choice.rows[0] is slow  # ranked by accuracy
    assert choice.pick is fast
    assert "one-standard-error rule" in choice.why


def test_a_clearly_better_candidate_is_picked_even_if_slower() -> None:
    good = _row("good", [1] * 40, latency=30, memory=900)
    bad = _row("bad", [1] * 20 + [0] * 20, latency=1, memory=200)
    choice = rank([bad, good], None, None, [], 40, 3)
    assert choice.pick is good
    assert good.pareto and bad.pareto  # neither dominates the other


def test_budgets_exclude_and_pareto_marks_dominated() -> None:
    a = _row("a", [1] * 10, latency=5, memory=500)
    b = _row("b", [1] * 5 + [0] * 5, latency=6, memory=600)  # worse, slower and heavier than a
    choice = rank([a, b], 5.5, None, [], 10, 2)
    assert a.pareto and not b.pareto
    assert b.over_budget == ["latency 6.0 ms > 5.5 ms"]
    assert choice.to_dict()["candidates"][1]["rank"] is None


def test_nothing_within_budget_gives_no_pick() -> None:
    choice = rank([_row("a", [1, 0], latency=5, memory=500)], None, 100, [], 2, 2)
    assert choice.pick is None
    assert "no candidate fits the budget" in choice.why


def test_table_marks_the_pick_the_front_and_the_budget() -> None:
    a = _row("a", [1] * 10, latency=5, memory=500)
    b = _row("b", [1] * 5 + [0] * 5, latency=6, memory=600)
    choice = rank([a, b], 5.5, None, [], 10, 2)
    table = scores_table(choice)
    assert table[0][:2] == ["1", "m/a"] and table[0][-1] == "pick, pareto"
    assert table[1][0] == "-" and table[1][-1] == "latency 6.0 ms > 5.5 ms"

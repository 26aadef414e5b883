"""``select_for_labeling`` on real logged traffic: queues the budget, never twice, boosts novel inputs when
the traffic drifted from the training data."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.errors import ConfigError, DataError
from fmkit.improve import queue
from fmkit.improve.select import SelectOptions, select_for_labeling
from fmkit.workspace import Workspace
from tests.improve.conftest import log_traffic

OFF_TOPIC = [
    f"{dish} needs {minutes} minutes in a hot oven before you add the {herb}"
    for dish in ("the lasagne", "a sourdough loaf", "roast potatoes", "the apple pie", "a fish pie", "the quiche")
    for minutes in (20, 35, 50, 65, 80)
    for herb in ("basil", "rosemary")
]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the queue's SQL runs on both databases in test_queue.py; these tests are about choosing."""
    return f"sqlite:///{tmp_path / 'workspace.db'}"


@pytest.mark.parametrize("strategy", ["hybrid", "kcenter"])
def test_queues_the_budget_once_and_skips_labeled_items(served: Workspace, strategy: str) -> None:
    ws = served
    first = select_for_labeling(ws, "tickets", SelectOptions(budget=10, strategy=strategy))
    assert (first["queued"], first["pool"], first["strategy"]) == (10, 100, strategy)
    assert first["drift"] is not None and not first["drift_boosted"]  # same distribution as training
    assert first["labeled_reference"] == 32  # the 8-per-class training file
    tasks = queue.pending(ws, "tickets", limit=100)
    queue.label(ws, tasks[0].id, tasks[0].guess, "ana")
    second = select_for_labeling(ws, "tickets", SelectOptions(budget=10, strategy=strategy, seed=1))
    assert second["queued"] == 10 and second["pool"] == 90  # queued and labeled items are not offered again
    assert second["labeled_reference"] == 33
    assert len({t.prediction_id for t in queue.pending(ws, "tickets", limit=100)}) == 19


def test_drifted_traffic_raises_the_priority_of_novel_inputs(served: Workspace) -> None:
    ws = served
    log_traffic(ws, "tickets", OFF_TOPIC)
    result = select_for_labeling(ws, "tickets", SelectOptions(budget=20, strategy="margin"))
    assert result["drift"]["p_value"] < 0.01 and result["drift_boosted"]
    tasks = queue.pending(ws, "tickets", limit=100)
    assert max(t.priority for t in tasks) > 2.5
    assert sum(t.text in OFF_TOPIC for t in tasks) >= 10  # the novel inputs come first


def test_bad_options_and_empty_pools(served: Workspace, tmp_path_factory: pytest.TempPathFactory) -> None:
    with pytest.raises(ConfigError, match="unknown strategy 'smart'"):
        SelectOptions(strategy="smart")
    with pytest.raises(ConfigError, match="--budget must be >= 1, got 0; --drift-alpha must be in"):
        SelectOptions(budget=0, drift_alpha=2)
    select_for_labeling(served, "tickets", SelectOptions(budget=1000))  # takes the whole pool
    with pytest.raises(DataError, match="'tickets' has no unlabeled logged predictions to choose from"):
        select_for_labeling(served, "tickets", SelectOptions())

"""Retrain on the grown data and gate the challenger against the champion, for real (linear probes on the
demo tickets): lineage, what trains and what never does, the decision rule, the audit record, the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from fmkit.data import load_labeled
from fmkit.errors import ConfigError, DataError
from fmkit.improve.gate import GateOptions, _decide, gate, write_html
from fmkit.improve.retrain import is_traffic_eval, retrain
from fmkit.workspace import Workspace
from fmkit.workspace.schema import AuditEntry


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'workspace.db'}"


def test_retrain_then_gate_then_promote(labeled: Workspace, tickets: dict[str, Path], tmp_path: Path) -> None:
    ws = labeled
    holdout = load_labeled(str(tickets["test"]))
    result = retrain(ws, "tickets", holdout=holdout)
    kept = result["traffic_kept_for_the_gate"]
    assert 5 <= kept <= 45 and result["from_traffic"] == 120 - kept  # about 20% of the traffic never trains
    assert (result["from_training_data"], result["n_train"]) == (32, 32 + 120 - kept)
    assert result["version"] == "tickets:2" and result["parent"] == "tickets:1"
    assert ws.version("tickets", alias="challenger").parent == "tickets:1"
    trained_on = load_labeled(result["data"])  # the grown set is a file the next retrain can read
    assert not set(trained_on.texts) & set(holdout.texts)
    few = set(load_labeled(str(tickets["few"])).texts)
    assert not any(is_traffic_eval(t) for t in trained_on.texts if t not in few)

    record = gate(ws, "tickets", holdout, groups=["even" if i % 2 else "odd" for i in range(len(holdout.texts))])
    old, new = record["scores"]["champion"], record["scores"]["challenger"]
    assert (old["version"], new["version"], record["n_recent_traffic"]) == ("tickets:1", "tickets:2", kept)
    assert set(old["slices"]) == {
        "class=account", "class=billing", "class=delivery", "class=technical", "group=even", "group=odd",
        "recent traffic",
    }  # fmt: skip
    assert record["promote"] == (
        new["holdout"]["accuracy"] > old["holdout"]["accuracy"] and not any("regresses" in r for r in record["reasons"])
    )
    assert new["holdout"]["accuracy"] >= old["holdout"]["accuracy"]  # 4x the labels does not hurt here
    with ws.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "improve.gate")).one()
        assert audit.target == "tickets:2" and audit.detail["promote"] == record["promote"]
    page = write_html(tmp_path / "gate.html", record).read_text()
    assert "data:image/png;base64," in page and "recent traffic" in page


def test_the_decision_rule() -> None:
    def scores(holdout: float, slices: dict[str, tuple[float, int]]) -> dict[str, object]:
        return {"holdout": {"accuracy": holdout, "n": 100},
                "slices": {k: {"accuracy": a, "n": n} for k, (a, n) in slices.items()}}  # fmt: skip

    options = GateOptions(tolerance=2.0, min_slice=10)
    old = scores(80.0, {"class=a": (90.0, 50), "class=b": (70.0, 50), "group=x": (80.0, 5)})
    better = scores(84.0, {"class=a": (89.0, 50), "class=b": (79.0, 50), "group=x": (60.0, 5)})
    decision = _decide({"champion": old, "challenger": better}, options)
    assert (
        decision["promote"]
        and "group=x drops 20.00 points but has only 5 items (< 10): not counted" in (decision["reasons"])
    )
    regress = scores(84.0, {"class=a": (85.0, 50), "class=b": (83.0, 50), "group=x": (80.0, 5)})
    decision = _decide({"champion": old, "challenger": regress}, options)
    assert not decision["promote"]
    assert any(r.startswith("class=a regresses 90.00 -> 85.00") for r in decision["reasons"])
    same = scores(80.0, {"class=a": (90.0, 50), "class=b": (70.0, 50), "group=x": (80.0, 5)})
    assert not _decide({"champion": old, "challenger": same}, options)["promote"]  # not better is not enough
    with pytest.raises(ConfigError, match="--tolerance must be >= 0, got -1"):
        GateOptions(tolerance=-1)


def test_gate_and_retrain_refuse_what_they_cannot_judge(labeled: Workspace, tickets: dict[str, Path]) -> None:
    holdout = load_labeled(str(tickets["test"]))
    labeled.set_alias("tickets", "challenger", 1)
    with pytest.raises(ConfigError, match="champion and challenger are the same version \\(tickets:1\\); retrain"):
        gate(labeled, "tickets", holdout)
    unlabeled = load_labeled(str(tickets["test"]), label_col=None)
    with pytest.raises(DataError, match="has no labels; the gate needs a labeled holdout file"):
        gate(labeled, "tickets", unlabeled)
    with pytest.raises(DataError, match="3 group values for 100 holdout rows"):
        gate(labeled, "tickets", holdout, groups=["a", "b", "c"])

"""The labeling queue on SQLite and PostgreSQL: order, labels with who/when, skip, undo, conflicts, atomicity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fmkit.errors import ConfigError, WorkspaceError
from fmkit.improve import queue
from fmkit.workspace import Workspace
from fmkit.workspace.logs import write_records
from fmkit.workspace.schema import Feedback, Prediction


def _prediction_ids(ws: Workspace, n: int) -> list[str]:
    with ws.session() as s:
        return list(s.scalars(select(Prediction.id).order_by(Prediction.input).limit(n)))


def _feedback(ws: Workspace) -> list[tuple[str, str, str, str | None]]:
    with ws.session() as s:
        rows = s.scalars(select(Feedback).order_by(Feedback.created_at)).all()
        return [(f.prediction_id, f.label, f.source, f.labeled_by) for f in rows]


def test_label_skip_undo_in_order_with_who(served: Workspace) -> None:
    ws = served
    ids = _prediction_ids(ws, 5)
    assert queue.enqueue(ws, "tickets", ids[:3], "margin") == 3
    assert queue.enqueue(ws, "tickets", ids[2:], "kcenter", [2.0, 1.5, 1.0]) == 2  # ids[2] was queued already
    tasks = queue.pending(ws, "tickets", limit=10)
    assert [t.prediction_id for t in tasks] == ids  # the older selection first, each in its own order
    assert tasks[3].strategy == "kcenter" and tasks[3].priority == 1.5
    first = tasks[0]
    assert first.labels == ("account", "billing", "delivery", "technical") and 0 < first.confidence <= 1
    assert first.guess in first.labels

    queue.label(ws, first.id, "billing", "ana")
    queue.skip(ws, tasks[1].id, "ana")
    queue.label(ws, tasks[2].id, "delivery", "bo")
    assert queue.counts(ws, "tickets") == {"pending": 2, "labeled": 2, "skipped": 1}
    assert _feedback(ws) == [(ids[0], "billing", "queue", "ana"), (ids[2], "delivery", "queue", "bo")]
    with pytest.raises(WorkspaceError, match=f"task {first.id} was labeled by ana already; undo it first"):
        queue.label(ws, first.id, "account", "bo")

    undone = queue.undo(ws, "tickets", "ana")  # ana's last action was the skip
    assert undone is not None and undone.id == tasks[1].id
    undone = queue.undo(ws, "tickets", "ana")  # then her label: its feedback row goes
    assert undone is not None and undone.id == first.id
    assert queue.undo(ws, "tickets", "ana") is None
    assert _feedback(ws) == [(ids[2], "delivery", "queue", "bo")]
    assert [t.id for t in queue.pending(ws, "tickets", limit=10)][:2] == [first.id, tasks[1].id]


def test_bad_labels_and_names_change_nothing(served: Workspace) -> None:
    ws = served
    ids = _prediction_ids(ws, 2)
    queue.enqueue(ws, "tickets", ids, "margin")
    a, b = queue.pending(ws, "tickets", limit=2)
    with pytest.raises(ConfigError, match=r"label 'refund' of task \d+ is not one of the model's labels \['account'"):
        queue.label_many(ws, [(a.id, "billing", "ana"), (b.id, "refund", "ana")])
    assert _feedback(ws) == [] and queue.counts(ws, "tickets")["pending"] == 2  # all or nothing
    with pytest.raises(ConfigError, match="a labeler name must be 1..100 characters, got 0"):
        queue.label(ws, a.id, "billing", "  ")
    with pytest.raises(WorkspaceError, match="no labeling task 999999"):
        queue.skip(ws, 999999, "ana")
    with pytest.raises(WorkspaceError, match="no model named 'nope'"):
        queue.pending(ws, "nope")


def test_disagreeing_labels_are_surfaced(served: Workspace) -> None:
    ws = served
    pid = _prediction_ids(ws, 1)[0]
    queue.enqueue(ws, "tickets", [pid], "margin")
    task = queue.pending(ws, "tickets")[0]
    queue.label_many(ws, [(task.id, "billing", "ana"), (task.id, "account", "bo")])  # two annotators
    write_records(ws.engine, [{"kind": "feedback", "id": "f-api", "prediction_id": pid, "label": "billing",
                               "source": "api", "created_at": "2026-11-23T00:00:00+00:00"}])  # fmt: skip
    (conflict,) = queue.conflicts(ws, "tickets")
    assert conflict["prediction_id"] == pid and conflict["text"] == task.text
    assert sorted((x["label"], x["by"]) for x in conflict["labels"]) == [
        ("account", "bo"), ("billing", "ana"), ("billing", "api"),
    ]  # fmt: skip

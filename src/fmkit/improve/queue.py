"""The labeling queue: logged inputs a strategy picked, waiting for a person's label.

A task points at a logged prediction (its input, the model's guess and probabilities). Labeling it writes a
feedback row (source ``queue``, who and when) and marks the task done in one transaction; skipping marks it
skipped; undo takes back the labeler's last action (the feedback row goes, the task is pending again).
Conflicts are predictions whose feedback rows disagree (two labelers, or a labeler and an API client).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from fmkit.errors import ConfigError, WorkspaceError
from fmkit.workspace.registry import Workspace
from fmkit.workspace.schema import AuditEntry, Feedback, LabelTask, Model, Prediction, Version, utcnow


@dataclass(frozen=True)
class Task:
    """One item to label, with what the model said about it."""

    id: int
    prediction_id: str
    text: str
    guess: str  #: the label the serving model predicted
    confidence: float  #: its probability for that label
    labels: tuple[str, ...]  #: the labels a person may choose from (the serving version's)
    strategy: str
    priority: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "prediction_id": self.prediction_id, "text": self.text, "guess": self.guess,
            "confidence": self.confidence, "labels": list(self.labels), "strategy": self.strategy,
            "priority": self.priority,
        }  # fmt: skip


def enqueue(
    ws: Workspace, name: str, prediction_ids: Sequence[str], strategy: str, priorities: Sequence[float] | None = None
) -> int:
    """Queue ``prediction_ids`` (most useful first) for model ``name``; ids queued before are left as they are.
    Returns how many tasks were added."""
    priorities = list(priorities) if priorities is not None else [1.0] * len(prediction_ids)
    batch = str(uuid.uuid4())
    with ws.session() as s:
        model = _model(s, name)
        queued = set(s.scalars(select(LabelTask.prediction_id).where(LabelTask.model_id == model.id)))
        added = 0
        for rank, (pid, priority) in enumerate(zip(prediction_ids, priorities, strict=True)):
            if pid in queued:
                continue
            queued.add(pid)
            s.add(LabelTask(model_id=model.id, prediction_id=pid, batch=batch, strategy=strategy, rank=rank,
                            priority=float(priority), status="pending"))  # fmt: skip
            added += 1
        s.flush()
        s.add(AuditEntry(actor="fmkit", action="queue.add", target=name,
                         detail={"batch": batch, "strategy": strategy, "added": added}))  # fmt: skip
    return added


def pending(ws: Workspace, name: str, limit: int = 1) -> list[Task]:
    """The next ``limit`` pending tasks, oldest selection first, in each selection's order."""
    with ws.session() as s:
        model = _model(s, name)
        rows = s.execute(
            select(LabelTask, Prediction, Version)
            .join(Prediction, Prediction.id == LabelTask.prediction_id)
            .join(Version, Version.id == Prediction.version_id)
            .where(LabelTask.model_id == model.id, LabelTask.status == "pending")
            .order_by(LabelTask.id)
            .limit(limit)
        ).all()
        return [_task(task, prediction, version) for task, prediction, version in rows]


def label(ws: Workspace, task_id: int, value: str, who: str) -> str:
    """Record ``value`` as the true label of task ``task_id`` by ``who``; returns the feedback id."""
    return label_many(ws, [(task_id, value, who)])[0]


def label_many(ws: Workspace, items: Sequence[tuple[int, str, str]], source: str = "queue") -> list[str]:
    """Label several tasks, all or none: (task id, label, who) each. A task may appear more than once (several
    annotators): the first labels it, the others add their feedback rows too, so disagreements surface in
    :func:`conflicts`. Returns the feedback ids."""
    ids: list[str] = []
    done: set[int] = set()  # tasks labeled earlier in this call
    with ws.session() as s:
        for task_id, value, who in items:
            person = _who(who)
            if task_id in done:
                task = s.get_one(LabelTask, task_id)
                prediction = s.get_one(Prediction, task.prediction_id)
                version = s.get_one(Version, prediction.version_id)
            else:
                task, prediction, version = _open_task(s, task_id)
            labels = tuple(str(v) for v in version.labels)
            if value not in labels:
                raise ConfigError(
                    f"label {value!r} of task {task_id} is not one of the model's labels {list(labels)}; "
                    "use one of those"
                )
            ids.append(str(uuid.uuid4()))
            s.add(Feedback(id=ids[-1], prediction_id=prediction.id, label=value, source=source, labeled_by=person))
            if task_id not in done:
                task.status, task.done_by, task.done_at = "labeled", person, utcnow()
                done.add(task_id)
    return ids


def skip(ws: Workspace, task_id: int, who: str) -> None:
    """Set task ``task_id`` aside (unclear, not in any class); it stays out of the pending list."""
    who = _who(who)
    with ws.session() as s:
        task, _, _ = _open_task(s, task_id)
        task.status, task.done_by, task.done_at = "skipped", who, utcnow()


def undo(ws: Workspace, name: str, who: str) -> Task | None:
    """Take back ``who``'s most recent label or skip on model ``name``; returns the task, pending again."""
    who = _who(who)
    with ws.session() as s:
        model = _model(s, name)
        task = s.scalar(
            select(LabelTask)
            .where(LabelTask.model_id == model.id, LabelTask.done_by == who, LabelTask.status != "pending")
            .order_by(LabelTask.done_at.desc(), LabelTask.id.desc())
            .limit(1)
        )
        if task is None:
            return None
        if task.status == "labeled":
            row = s.scalar(
                select(Feedback)
                .where(Feedback.prediction_id == task.prediction_id, Feedback.source == "queue")
                .where(Feedback.labeled_by == who)
                .order_by(Feedback.created_at.desc())
                .limit(1)
            )
            if row is not None:
                s.delete(row)
        task.status, task.done_by, task.done_at = "pending", None, None
        prediction = s.get_one(Prediction, task.prediction_id)
        return _task(task, prediction, s.get_one(Version, prediction.version_id))


def counts(ws: Workspace, name: str) -> dict[str, int]:
    """Tasks by status."""
    with ws.session() as s:
        model = _model(s, name)
        rows = s.execute(
            select(LabelTask.status, func.count()).where(LabelTask.model_id == model.id).group_by(LabelTask.status)
        ).all()
        found = {status: int(n) for status, n in rows}
        return {status: found.get(status, 0) for status in ("pending", "labeled", "skipped")}


def conflicts(ws: Workspace, name: str) -> list[dict[str, Any]]:
    """Logged predictions of model ``name`` whose feedback disagrees: the text and who said what."""
    with ws.session() as s:
        model = _model(s, name)
        disputed = (
            select(Feedback.prediction_id)
            .join(Prediction, Prediction.id == Feedback.prediction_id)
            .join(Version, Version.id == Prediction.version_id)
            .where(Version.model_id == model.id)
            .group_by(Feedback.prediction_id)
            .having(func.count(func.distinct(Feedback.label)) > 1)
        )
        rows = s.execute(
            select(Feedback, Prediction.input)
            .join(Prediction, Prediction.id == Feedback.prediction_id)
            .where(Feedback.prediction_id.in_(disputed))
            .order_by(Feedback.prediction_id, Feedback.created_at)
        ).all()
        out: dict[str, dict[str, Any]] = {}
        for feedback, text in rows:
            entry = out.setdefault(feedback.prediction_id, {"prediction_id": feedback.prediction_id, "text": text,
                                                            "labels": []})  # fmt: skip
            entry["labels"].append({"label": feedback.label, "by": feedback.labeled_by or feedback.source,
                                    "at": _iso(feedback.created_at)})  # fmt: skip
        return list(out.values())


def _model(s: Any, name: str) -> Model:
    return Workspace._model(s, name)


def _open_task(s: Any, task_id: int) -> tuple[LabelTask, Prediction, Version]:
    task = s.get(LabelTask, task_id)
    if task is None:
        raise WorkspaceError(f"no labeling task {task_id}; list the queue with `fmkit label --model NAME --list`")
    if task.status != "pending":
        raise WorkspaceError(
            f"task {task_id} was {task.status} by {task.done_by} already; undo it first (`fmkit label --undo`)"
        )
    prediction = s.get_one(Prediction, task.prediction_id)
    return task, prediction, s.get_one(Version, prediction.version_id)


def _task(task: LabelTask, prediction: Prediction, version: Version) -> Task:
    probabilities = prediction.probabilities or {}
    return Task(
        id=task.id, prediction_id=prediction.id, text=prediction.input, guess=prediction.output,
        confidence=float(probabilities.get(prediction.output, 0.0)), labels=tuple(str(v) for v in version.labels),
        strategy=task.strategy, priority=task.priority,
    )  # fmt: skip


def _who(who: str) -> str:
    who = who.strip()
    if not who or len(who) > 100:
        raise ConfigError(f"a labeler name must be 1..100 characters, got {len(who)}; pass --who NAME")
    return who


def _iso(moment: datetime) -> str:
    return moment.isoformat()

"""Label Studio interchange for teams that label there: pending tasks out as Label Studio JSON tasks (with
the model's guess as a pre-annotation), annotations back in as queue labels.

Import is all or nothing: the whole file is parsed and checked (task ids, labels, annotators) before one
transaction writes it; tasks labeled already are reported and left alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fmkit.errors import DataError, DataFormatError
from fmkit.improve import queue
from fmkit.workspace.registry import Workspace

FROM_NAME, TO_NAME = "label", "text"


def labeling_config(labels: tuple[str, ...]) -> str:
    """The Label Studio labeling interface that matches the exported tasks."""
    choices = "".join(f'<Choice value="{_xml(v)}"/>' for v in labels)
    text = f'<Text name="{TO_NAME}" value="$text"/>'
    return f'<View>{text}<Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="single">{choices}</Choices></View>'


def export_tasks(ws: Workspace, name: str, path: Path) -> int:
    """Write the pending tasks of ``name`` to ``path`` (atomically); returns how many."""
    tasks = queue.pending(ws, name, limit=100_000)
    payload = [
        {
            "data": {"text": t.text, "fmkit_task_id": t.id, "prediction_id": t.prediction_id},
            "predictions": [{
                "model_version": name, "score": round(t.confidence, 6),
                "result": [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                            "value": {"choices": [t.guess]}}],
            }],
        }
        for t in tasks
    ]  # fmt: skip
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    if tasks:
        config = path.with_suffix(".xml")
        config.write_text(labeling_config(tasks[0].labels), encoding="utf-8")
    return len(tasks)


def import_annotations(ws: Workspace, name: str, path: Path) -> dict[str, int]:
    """Read a Label Studio JSON export and record every annotation of a pending fmkit task; all or nothing."""
    try:
        exported = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file; export the project from Label Studio as JSON") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFormatError(
            f"{path}: not a JSON file ({exc}); export the project from Label Studio as JSON"
        ) from None
    if not isinstance(exported, list):
        raise DataFormatError(
            f"{path}: expected a JSON list of tasks (Label Studio's JSON export), found {type(exported).__name__}"
        )
    pending_ids = {t.id for t in queue.pending(ws, name, limit=1_000_000)}
    items: list[tuple[int, str, str]] = []
    not_pending = unannotated = 0
    for number, task in enumerate(exported, 1):
        task_id = _task_id(task, path, number)
        annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if not annotations:
            unannotated += 1
            continue
        if task_id not in pending_ids:
            not_pending += 1
            continue
        for annotation in annotations:
            items.append((task_id, _choice(annotation, path, number), _annotator(annotation)))
    written = queue.label_many(ws, items, source="label-studio") if items else []
    return {"labels": len(written), "tasks_not_pending": not_pending, "tasks_without_annotation": unannotated}


def _task_id(task: Any, path: Path, number: int) -> int:
    value = task.get("data", {}).get("fmkit_task_id") if isinstance(task, dict) else None
    if not isinstance(value, int):
        raise DataError(f"{path}: task #{number} has no data.fmkit_task_id; import only tasks exported by fmkit")
    return value


def _choice(annotation: dict[str, Any], path: Path, number: int) -> str:
    for result in annotation.get("result") or []:
        choices = (result.get("value") or {}).get("choices") if isinstance(result, dict) else None
        if isinstance(choices, list) and len(choices) == 1 and isinstance(choices[0], str):
            return choices[0]
    raise DataError(f"{path}: an annotation of task #{number} has no single choice; label with one choice per task")


def _annotator(annotation: dict[str, Any]) -> str:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return f"label-studio:{who}" if who is not None else "label-studio"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")

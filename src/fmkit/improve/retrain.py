"""``fmkit improve retrain``: the champion's own recipe on its training data grown by the labeled traffic,
registered as the ``challenger`` with lineage.

The labeled traffic is every logged prediction of the model with feedback (queue labels and API feedback
alike), one example per distinct text, its label the majority of its feedback rows; a tie is a conflict and
is left out (``fmkit label --conflicts`` lists them). A fixed share of the labeled traffic, chosen by a hash
of the text, never trains: it is the "recent traffic" set the gate scores both models on. Texts of the
gate's holdout file never train either.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fmkit._home import fmkit_home
from fmkit.data.labeled import LabeledTexts
from fmkit.errors import DataError
from fmkit.workspace.registry import VersionInfo, Workspace
from fmkit.workspace.schema import Feedback, Prediction, Version

TRAFFIC_EVAL_SHARE = 0.2  # the share of labeled traffic kept out of training for the gate


def is_traffic_eval(text: str) -> bool:
    """Whether a labeled production text belongs to the gate's traffic set (stable across runs and machines)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < TRAFFIC_EVAL_SHARE


def labeled_traffic(ws: Workspace, name: str, labels: Iterable[str]) -> tuple[dict[str, str], dict[str, int]]:
    """``{text: label}`` from the feedback on ``name``'s logged predictions, and counts of what was left out."""
    known = set(labels)
    with ws.session() as s:
        model = Workspace._model(s, name)
        rows = s.execute(
            select(Prediction.input, Feedback.label)
            .join(Feedback, Feedback.prediction_id == Prediction.id)
            .join(Version, Version.id == Prediction.version_id)
            .where(Version.model_id == model.id)
        ).all()
    votes: dict[str, Counter[str]] = {}
    for text, label in rows:
        votes.setdefault(text, Counter())[label] += 1
    chosen: dict[str, str] = {}
    skipped = {"conflicts": 0, "unknown_labels": 0}
    for text, counter in votes.items():
        (top, n), *rest = counter.most_common()
        if rest and rest[0][1] == n:
            skipped["conflicts"] += 1
        elif top not in known:
            skipped["unknown_labels"] += 1
        else:
            chosen[text] = top
    return chosen, skipped


def retrain(
    ws: Workspace,
    name: str,
    *,
    alias: str = "champion",
    data: LabeledTexts | None = None,
    holdout: LabeledTexts | None = None,
    target: str = "challenger",
) -> dict[str, Any]:
    """Train ``name@alias``'s recipe on its data plus the labeled traffic; register and alias the result."""
    from fmkit.api import adapt
    from fmkit.artifacts import read_manifest
    from fmkit.data import load_labeled

    info = ws.version(name, alias=alias)
    manifest = read_manifest(ws.store.get(info.digest), verify=False)
    if data is None:
        source = (manifest.get("data") or {}).get("source")
        if not source or not Path(source).is_file():
            raise DataError(
                f"{info.ref}'s training file {source!r} is not there any more; pass the training data with --data"
            )
        data = load_labeled(source)
    traffic, skipped = labeled_traffic(ws, name, info.labels)
    never = set(holdout.texts) if holdout is not None else set()
    base = [(t, y) for t, y in zip(data.texts, data.labels, strict=True) if t not in never]
    seen = {t for t, _ in base}
    added = [(t, y) for t, y in traffic.items() if t not in seen and t not in never and not is_traffic_eval(t)]
    grown = _save_dataset(name, base + added)
    runs = fmkit_home() / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{name}-retrain-", dir=runs))
    try:
        adapt(
            str(grown), model=manifest["base_model"]["id"], method=manifest["method"], config=manifest.get("config"),
            seed=int(manifest.get("seed", 0)), out=workdir / "artifact", parent=info.ref,
        )  # fmt: skip
        version: VersionInfo = ws.add(workdir / "artifact", name=name, parent=info.ref)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ws.set_alias(name, target, version.number)
    return {
        "model": name, "parent": info.ref, "version": version.ref, "alias": target, "method": manifest["method"],
        "n_train": len(base) + len(added), "data": str(grown), "from_training_data": len(base),
        "from_traffic": len(added),
        "traffic_kept_for_the_gate": sum(is_traffic_eval(t) for t in traffic), "left_out": skipped,
        "holdout_excluded": len(data.texts) - len(base),
    }  # fmt: skip


def _save_dataset(name: str, rows: list[tuple[str, str]]) -> Path:
    """The grown training set as a CSV under ``$FMKIT_HOME/datasets``, named by its content (never rewritten),
    so the new version's manifest points at a file the next retrain can read."""
    import csv
    import io
    import os

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    content = buffer.getvalue().encode("utf-8")
    path = fmkit_home() / "datasets" / f"{name}-{hashlib.sha256(content).hexdigest()[:16]}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
    return path

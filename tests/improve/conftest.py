"""A workspace whose champion served real traffic: the demo tickets' test texts, predicted by the model and
logged the way the server's journal logs them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import fmkit
from fmkit.data import load_labeled
from fmkit.improve import queue
from fmkit.workspace import Workspace
from fmkit.workspace.logs import write_records


def log_traffic(ws: Workspace, name: str, texts: list[str]) -> list[str]:
    """Predict ``texts`` with the champion and log them as served predictions; returns the prediction ids."""
    info = ws.version(name, alias="champion")
    model = fmkit.load(ws.store.get(info.digest))
    proba = model.predict_proba(texts)
    records, ids = [], []
    for text, row in zip(texts, proba, strict=True):
        ids.append(str(uuid.uuid4()))
        probabilities = {label: float(p) for label, p in zip(model.labels, row, strict=True)}
        records.append({
            "kind": "prediction", "id": ids[-1], "version_id": info.id, "request_id": ids[-1], "input": text,
            "output": max(probabilities, key=lambda k: probabilities[k]), "probabilities": probabilities,
            "latency_ms": 1.0, "created_at": datetime.now(UTC).isoformat(),
        })  # fmt: skip
    write_records(ws.engine, records)
    return ids


@pytest.fixture
def served(db_url: str, tmp_path: Path, file_trained: Path, tickets: dict[str, Path]) -> Iterator[Workspace]:
    """``tickets`` v1 (champion) with the tickets test set logged as traffic, on SQLite and PostgreSQL."""
    ws = Workspace.open(db_url, home=tmp_path / "home")
    ws.add(file_trained, name="tickets")
    ws.set_alias("tickets", "champion", 1)
    log_traffic(ws, "tickets", list(load_labeled(str(tickets["test"])).texts))
    yield ws
    ws.engine.dispose()


@pytest.fixture
def labeled(db_url: str, tmp_path: Path, file_trained: Path, tickets: dict[str, Path]) -> Workspace:
    """The champion (32 training tickets) served 120 other training tickets, all labeled in the queue."""
    ws = Workspace.open(db_url, home=tmp_path / "home")
    ws.add(file_trained, name="tickets")
    ws.set_alias("tickets", "champion", 1)
    few = set(load_labeled(str(tickets["few"])).texts)
    pool = [(t, y) for t, y in zip(*_columns(tickets["train"]), strict=True) if t not in few][:120]
    ids = log_traffic(ws, "tickets", [t for t, _ in pool])
    queue.enqueue(ws, "tickets", ids, "random")
    tasks = {t.prediction_id: t.id for t in queue.pending(ws, "tickets", limit=1000)}
    queue.label_many(ws, [(tasks[pid], y, "ana") for pid, (_, y) in zip(ids, pool, strict=True)])
    return ws


def _columns(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = load_labeled(str(path))
    return data.texts, data.labels

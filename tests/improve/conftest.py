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

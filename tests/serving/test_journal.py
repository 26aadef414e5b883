"""The prediction journal: acknowledged records reach the database exactly once, through crashes and kill -9."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from fmkit.serving.journal import Journal, Shipper
from fmkit.workspace.db import connect, migrate
from fmkit.workspace.logs import write_records
from fmkit.workspace.schema import Feedback, Model, Prediction, Version

WRITER = """
import json, sys, time, uuid
from pathlib import Path
from fmkit.serving.journal import Journal

journal = Journal(Path(sys.argv[1]), segment_bytes=4096)
for batch in range(100000):
    records = [{"kind": "prediction", "id": str(uuid.uuid4()), "version_id": 1, "request_id": f"r{batch}",
                "input": "x" * 50, "output": "billing", "probabilities": {"billing": 1.0}, "latency_ms": 1.0,
                "created_at": "2026-11-23T00:00:00+00:00"} for _ in range(7)]
    journal.append(records)
    print(json.dumps([r["id"] for r in records]), flush=True)  # acknowledged only after append returned
    time.sleep(0.002)
"""


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = connect(db_url)
    migrate(engine)
    from sqlalchemy.orm import Session

    with Session(engine) as s, s.begin():
        model = Model(name="tickets", task="classify")
        s.add(Version(model=model, number=1, digest="0" * 64, method="linear-probe", base_model="minilm-l6",
                      labels=["billing"], metrics={}, source="-", created_by="test"))  # fmt: skip
    yield engine
    engine.dispose()


def _prediction(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "prediction", "id": str(uuid.uuid4()), "version_id": 1, "request_id": "r1", "input": "hi",
        "output": "billing", "probabilities": {"billing": 0.9}, "latency_ms": 3.2,
        "created_at": datetime.now(UTC).isoformat(), **extra,
    }  # fmt: skip


def _ids(engine: Engine, table: type = Prediction) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(table.id)))  # type: ignore[attr-defined]


def test_records_land_once_in_order_across_segments(engine: Engine, tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal", segment_bytes=1500)
    shipper = Shipper(journal.directory, lambda records: write_records(engine, records), batch_size=4)
    batches = [[_prediction() for _ in range(3)] for _ in range(6)]
    for batch in batches:
        journal.append(batch)
    assert len(journal.segments()) > 1
    assert shipper.ship_once() == 18
    assert shipper.ship_once() == 0
    assert sorted(_ids(engine)) == sorted(r["id"] for b in batches for r in b)
    assert len(journal.segments()) == 1  # shipped segments are deleted; the one being written stays


def test_a_database_outage_keeps_the_records_says_why_and_ships_them_later(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(tmp_path / "journal")
    down = True

    def sink(records: list[dict[str, Any]]) -> None:
        if down:
            raise ConnectionError("could not connect to server: Connection refused\n\tIs the server running?")
        write_records(engine, records)

    shipper = Shipper(journal.directory, sink, interval_s=0.01)
    records = [_prediction() for _ in range(5)]
    journal.append(records)
    shipper.start()
    deadline = time.monotonic() + 10
    while shipper.errors == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert shipper.last_error == "ConnectionError: could not connect to server: Connection refused"
    assert shipper.backlog_bytes() > 0 and _ids(engine) == []
    assert any(getattr(r, "event", None) == "ship_error" for r in caplog.records)
    down = False
    shipper.stop(drain=True)
    assert sorted(_ids(engine)) == sorted(r["id"] for r in records) and shipper.backlog_bytes() == 0


def test_a_crash_between_commit_and_offset_replays_without_duplicates(engine: Engine, tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    records = [_prediction() for _ in range(5)]
    journal.append(records)
    write_records(engine, records[:3])  # the database committed, the process died before saving the offset
    shipper = Shipper(journal.directory, lambda batch: write_records(engine, batch))
    assert shipper.ship_once() == 5
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Prediction)) == 5


def test_a_partial_last_line_was_never_acknowledged(engine: Engine, tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    journal = Journal(directory)
    kept = _prediction()
    journal.append([kept])
    journal.close()
    with journal.path(0).open("ab") as handle:
        handle.write(b'{"kind": "prediction", "id": "cut-by-the-cra')
    reopened = Journal(directory)
    reopened.append([second := _prediction()])
    Shipper(directory, lambda batch: write_records(engine, batch)).ship_once()
    assert sorted(_ids(engine)) == sorted([kept["id"], second["id"]])


def test_feedback_follows_its_prediction_and_orphans_are_dropped(engine: Engine, tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    prediction = _prediction()
    feedback = {"kind": "feedback", "id": "f1", "prediction_id": prediction["id"], "label": "billing",
                "source": "api", "created_at": datetime.now(UTC).isoformat()}  # fmt: skip
    orphan = {**feedback, "id": "f2", "prediction_id": "no-such-prediction"}
    journal.append([prediction, feedback, orphan])
    Shipper(journal.directory, lambda batch: write_records(engine, batch)).ship_once()
    assert _ids(engine, Feedback) == ["f1"]


def test_kill_9_loses_no_acknowledged_record(engine: Engine, tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    log = (tmp_path / "acks.jsonl").open("w")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(directory)], stdout=log, stderr=subprocess.PIPE)
    shipper = Shipper(directory, lambda batch: write_records(engine, batch), interval_s=0.01)
    shipper.start()  # shipping concurrently with the writer, as the server does
    time.sleep(2.0)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    log.close()
    shipper.stop(drain=False)
    acknowledged = [i for line in (tmp_path / "acks.jsonl").read_text().splitlines() for i in json.loads(line)]
    assert len(acknowledged) > 100, writer.stderr.read() if writer.stderr else ""
    restarted = Shipper(directory, lambda batch: write_records(engine, batch))
    restarted.ship_once()  # the restarted server ships whatever the old one had not
    stored = _ids(engine)
    assert len(stored) == len(set(stored))  # exactly once
    assert set(acknowledged) <= set(stored)

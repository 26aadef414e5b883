"""Writing the prediction and feedback logs: batched, idempotent inserts (a record whose id exists is skipped).

The serving journal (``fmkit.serving.journal``) calls :func:`write_records` with records in the order they
were acknowledged; replaying a batch after a crash inserts nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from fmkit.workspace.schema import Feedback, Prediction, RequestError

log = logging.getLogger("fmkit.workspace")

PREDICTION_FIELDS = ("id", "version_id", "request_id", "input", "output", "probabilities", "latency_ms", "created_at")
FEEDBACK_FIELDS = ("id", "prediction_id", "label", "source", "created_at", "labeled_by")
ERROR_FIELDS = ("id", "request_id", "route", "status", "error_type", "version_id", "created_at")


def write_records(engine: Engine, records: list[dict[str, Any]]) -> None:
    """Insert ``records`` (``kind`` = prediction | feedback | error) in one transaction, skipping ids already
    there."""
    predictions = [_row(r, PREDICTION_FIELDS) for r in records if r.get("kind") == "prediction"]
    feedback = [_row(r, FEEDBACK_FIELDS) for r in records if r.get("kind") == "feedback"]
    errors = [_error_row(r) for r in records if r.get("kind") == "error"]
    with engine.begin() as conn:
        _insert_new(conn, Prediction.__table__, predictions)  # type: ignore[arg-type]
        _insert_new(conn, RequestError.__table__, errors)  # type: ignore[arg-type]
        if feedback:
            wanted = {f["prediction_id"] for f in feedback}
            known = set(conn.scalars(select(Prediction.id).where(Prediction.id.in_(wanted))))
            orphans = [f["id"] for f in feedback if f["prediction_id"] not in known]
            if orphans:  # the server checks ids before accepting; this guards the journal against poison rows
                log.warning("dropping %d feedback records for unknown predictions: %s", len(orphans), orphans[:5])
            _insert_new(conn, Feedback.__table__, [f for f in feedback if f["prediction_id"] in known])  # type: ignore[arg-type]


def _row(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    row = {k: record.get(k) for k in fields}
    if isinstance(row["created_at"], str):
        row["created_at"] = datetime.fromisoformat(row["created_at"])
    return row


def _error_row(record: dict[str, Any]) -> dict[str, Any]:
    row = _row(record, ERROR_FIELDS)
    row["kind"] = row.pop("error_type") or "error"  # the table's column; "kind" in a record is the record type
    return row


def _insert_new(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(index_elements=["id"]), rows)

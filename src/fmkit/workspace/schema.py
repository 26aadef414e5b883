"""The workspace tables (SQLAlchemy 2): the model registry, runs and metrics, the prediction and feedback logs,
the audit log.

The Alembic migrations in ``migrations/versions`` create exactly these tables (a test compares the two);
change both together: edit a model here, then add a migration
(``alembic -c src/fmkit/workspace/alembic.ini revision --autogenerate -m "what"``).

::

    models ─< versions ─< predictions ─< feedback
      │         │  └─ parent (lineage)
      ├─< aliases ──> versions
      └─< alias_events (every alias change, for rollback)
    runs ─< metrics            audit_log (who did what, when)      api_keys (hashed, scoped, revocable)
    request_errors (4xx/5xx answers, for the error rate)
    label_tasks >── predictions (the labeling queue; a label is a feedback row with source "queue")
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Model(Base):
    """A named model: the thing users promote and serve, with numbered immutable versions."""

    __tablename__ = "models"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    task: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    versions: Mapped[list[Version]] = relationship(back_populates="model", order_by="Version.number")
    aliases: Mapped[list[Alias]] = relationship(back_populates="model", order_by="Alias.name")


class Version(Base):
    """One registered artifact, stored by content digest; never modified once written."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("model_id", "number"), UniqueConstraint("model_id", "digest"))
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the artifact's fmkit.json
    method: Mapped[str] = mapped_column(String(60))
    base_model: Mapped[str] = mapped_column(String(200))
    labels: Mapped[list[Any]] = mapped_column()
    metrics: Mapped[dict[str, Any]] = mapped_column()
    data_fingerprint: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    parent_ref: Mapped[str | None] = mapped_column(String(300))  # the parent as the artifact named it
    source: Mapped[str] = mapped_column(Text)  # the directory it was registered from (information only)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    model: Mapped[Model] = relationship(back_populates="versions")
    parent: Mapped[Version | None] = relationship(remote_side="Version.id")


class Alias(Base):
    """A movable name for one version of a model: ``champion``, ``challenger`` or the user's own."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("model_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    name: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    model: Mapped[Model] = relationship(back_populates="aliases")
    version: Mapped[Version] = relationship()


class AliasEvent(Base):
    """Every change of an alias, with the version it pointed at before: what ``rollback`` walks back."""

    __tablename__ = "alias_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    alias: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))  # alias | promote | rollback
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """A job that produced numbers about a version: training, evaluation, monitoring."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # train | eval | monitor
    params: Mapped[dict[str, Any]] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    metrics: Mapped[list[Metric]] = relationship(back_populates="run", order_by="Metric.id")


class Metric(Base):
    __tablename__ = "metrics"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    step: Mapped[int | None] = mapped_column()
    run: Mapped[Run] = relationship(back_populates="metrics")


class Prediction(Base):
    """One served prediction; its id is what the client sends back with feedback."""

    __tablename__ = "predictions"
    __table_args__ = (Index("ix_predictions_version_time", "version_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    input: Mapped[str] = mapped_column(Text)
    output: Mapped[str] = mapped_column(Text)
    probabilities: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    latency_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """Ground truth for a logged prediction, as a client or a labeller reported it."""

    __tablename__ = "feedback"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    prediction_id: Mapped[str] = mapped_column(ForeignKey("predictions.id"), index=True)
    label: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100))  # api | queue | import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    labeled_by: Mapped[str | None] = mapped_column(String(100))  # the person (queue) or API key name, if known


class LabelTask(Base):
    """An input picked for labeling by a selection strategy: pending until someone labels or skips it."""

    __tablename__ = "label_tasks"
    __table_args__ = (
        UniqueConstraint("model_id", "prediction_id", name="uq_label_tasks_prediction"),
        Index("ix_label_tasks_queue", "model_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    prediction_id: Mapped[str] = mapped_column(ForeignKey("predictions.id"))
    batch: Mapped[str] = mapped_column(String(36))  # the selection run that queued it
    strategy: Mapped[str] = mapped_column(String(40))
    rank: Mapped[int] = mapped_column(Integer)  # its place in that run's batch, most useful first
    priority: Mapped[float] = mapped_column(Float)  # drift priority (>= 1) when it was picked
    status: Mapped[str] = mapped_column(String(12))  # pending | labeled | skipped
    done_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """Who changed what in the workspace, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column()


class ApiKey(Base):
    """A server API key: only its sha256 is stored; scopes limit what it may call; revoking is permanent."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # the public part, to find the row
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class RequestError(Base):
    """A request the server answered with an error (4xx or 5xx): the denominator of the error rate."""

    __tablename__ = "request_errors"
    __table_args__ = (Index("ix_request_errors_time", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(100))
    status: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""label queue: label_tasks, and who gave each feedback label

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("prediction_id", sa.String(length=36), nullable=False),
        sa.Column("batch", sa.String(length=36), nullable=False),
        sa.Column("strategy", sa.String(length=40), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"]),
        sa.ForeignKeyConstraint(["prediction_id"], ["predictions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "prediction_id", name="uq_label_tasks_prediction"),
    )
    with op.batch_alter_table("label_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_label_tasks_queue", ["model_id", "status", "id"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("labeled_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("labeled_by")
    with op.batch_alter_table("label_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_label_tasks_queue")
    op.drop_table("label_tasks")

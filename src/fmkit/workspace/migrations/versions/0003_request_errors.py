"""request errors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:42:58.434983
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_errors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("route", sa.String(length=100), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("request_errors", schema=None) as batch_op:
        batch_op.create_index("ix_request_errors_time", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_errors", schema=None) as batch_op:
        batch_op.drop_index("ix_request_errors_time")

    op.drop_table("request_errors")

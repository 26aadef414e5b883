"""Alembic environment: fmkit runs migrations itself (``fmkit.workspace.db.migrate``) on a connection it
passes in; the ``alembic`` command line (for writing new revisions) uses the URL in ``alembic.ini`` or
``FMKIT_DB_URL``."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from fmkit.workspace.schema import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # the alembic CLI, for developers writing a revision
    url = os.environ.get("FMKIT_DB_URL") or config.get_main_option("sqlalchemy.url") or "sqlite:///dev-workspace.db"
    with create_engine(url).connect() as conn:
        _run(conn)

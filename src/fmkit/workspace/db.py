"""The workspace database: which URL, one engine per URL, schema migrations on open.

SQLite at ``$FMKIT_HOME/workspace.db`` by default (WAL journal, foreign keys on, a busy timeout so the
server's log writer and a CLI command can share it); ``FMKIT_DB_URL`` (or ``url=``) selects any SQLAlchemy
URL, e.g. ``postgresql+psycopg://user:pass@host/db``. Opening a workspace upgrades its schema to the newest
Alembic revision, so an older workspace keeps working after an fmkit upgrade.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from fmkit._home import fmkit_home
from fmkit.errors import ConfigError, WorkspaceError

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATING = threading.Lock()  # alembic keeps its migration context in module globals: one thread at a time
_PG_LOCK = 0x666D6B6974  # pg_advisory_xact_lock key: two processes migrating one PostgreSQL take turns


def database_url(url: str | None = None, home: Path | None = None) -> str:
    """``url``, else ``$FMKIT_DB_URL``, else the SQLite file in ``home`` (default ``$FMKIT_HOME``)."""
    return url or os.environ.get("FMKIT_DB_URL") or f"sqlite:///{(home or fmkit_home()) / 'workspace.db'}"


def connect(url: str) -> Engine:
    """An engine for ``url``; a bad URL or an unreachable server is a one-line error, not a traceback."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"workspace database URL {url!r} is not a SQLAlchemy URL; expected e.g. sqlite:///path/workspace.db "
            "or postgresql+psycopg://user:password@host:5432/db (FMKIT_DB_URL)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True)
    else:
        raise ConfigError(
            f"workspace database {parsed.get_backend_name()!r} is not supported; "
            "use sqlite:///path or postgresql+psycopg://..."
        )
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes (WAL), not power loss
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest schema revision (a no-op when it is current)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with _MIGRATING, engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise WorkspaceError(
            f"cannot open the workspace database {engine.url.render_as_string(hide_password=True)}: "
            f"{str(exc.orig).strip().splitlines()[0]}; check FMKIT_DB_URL and that the server is running"
        ) from None
    except SQLAlchemyError as exc:
        raise WorkspaceError(f"cannot migrate the workspace database: {exc}") from None
    except Exception as exc:  # alembic's "Can't locate revision": a database written by a newer fmkit
        if "revision" in str(exc).lower():
            raise WorkspaceError(
                f"the workspace database has schema revision unknown to this fmkit ({exc}); upgrade fmkit"
            ) from None
        raise

"""The workspace database: the migrations build exactly the schema's tables; bad URLs and servers fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from fmkit.errors import ConfigError, WorkspaceError
from fmkit.workspace import Workspace
from fmkit.workspace.db import connect, database_url, migrate
from fmkit.workspace.schema import Base

TABLES = {
    "models",
    "versions",
    "aliases",
    "alias_events",
    "runs",
    "metrics",
    "predictions",
    "feedback",
    "audit_log",
    "api_keys",
    "request_errors",
    "label_tasks",
}


def test_migrations_create_exactly_the_schema(db_url: str) -> None:
    engine = connect(db_url)
    migrate(engine)
    migrate(engine)  # idempotent
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_a_database_from_a_newer_fmkit_is_refused(db_url: str) -> None:
    engine = connect(db_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(WorkspaceError, match="upgrade fmkit"):
        migrate(engine)
    engine.dispose()


def test_default_url_is_the_sqlite_file_in_fmkit_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FMKIT_HOME", str(tmp_path / "home"))
    assert database_url() == f"sqlite:///{tmp_path / 'home' / 'workspace.db'}"
    Workspace.open()
    assert (tmp_path / "home" / "workspace.db").is_file()
    monkeypatch.setenv("FMKIT_DB_URL", "sqlite:///elsewhere.db")
    assert database_url() == "sqlite:///elsewhere.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a SQLAlchemy URL"),
        ("mysql://u@localhost/db", "'mysql' is not supported"),
    ],
)
def test_bad_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        connect(url)


def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    from tests._postgres import _free_port

    url = f"postgresql+psycopg://fmkit@127.0.0.1:{_free_port()}/fmkit"
    with pytest.raises(WorkspaceError, match="cannot open the workspace database") as caught:
        Workspace.open(url, home=tmp_path)
    assert "\n" not in str(caught.value) and "check FMKIT_DB_URL" in str(caught.value)

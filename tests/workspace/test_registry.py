"""The registry on SQLite and on a real PostgreSQL: versions, store, aliases, promotion, rollback, lineage."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

import fmkit
from fmkit.errors import ArtifactError, ConfigError, WorkspaceError
from fmkit.workspace import Workspace
from fmkit.workspace.schema import AuditEntry, Version


def _open(db_url: str, tmp_path: Path) -> Workspace:
    return Workspace.open(db_url, home=tmp_path / "home")


def _count(ws: Workspace, table: type) -> int:
    with ws.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_add_stores_an_immutable_verified_copy(db_url: str, tmp_path: Path, artifacts: list[Path]) -> None:
    source = tmp_path / "probe"
    shutil.copytree(artifacts[0], source)
    ws = _open(db_url, tmp_path)
    v1 = ws.add(source, name="tickets")
    assert (v1.model, v1.number, v1.method, v1.task) == ("tickets", 1, "linear-probe", "classify")
    assert v1.labels == ["account", "billing", "delivery", "technical"]
    assert v1.data_fingerprint and v1.metrics["train_seconds"] > 0 and v1.base_model == "minilm-l6"
    assert ws.add(source, name="tickets").number == 1  # the same content is the same version
    stored = ws.artifact("tickets")
    assert stored != source and stored.is_relative_to(tmp_path / "home" / "store")
    shutil.rmtree(source)  # the registry never depends on the directory it was registered from
    model = fmkit.load(ws.artifact("tickets", number=1))
    assert model.predict(["I was charged twice this month"]) == ["billing"]
    assert ws.add(artifacts[1], name="tickets").number == 2
    assert [v.method for v in ws.versions("tickets")] == ["linear-probe", "zero-shot"]
    assert _count(ws, AuditEntry) == 2


def test_aliases_promote_and_rollback(db_url: str, tmp_path: Path, artifacts: list[Path]) -> None:
    ws = _open(db_url, tmp_path)
    ws.add(artifacts[0], name="tickets")
    ws.add(artifacts[1], name="tickets")
    assert ws.set_alias("tickets", "champion", 1).aliases == ["champion"]
    ws.set_alias("tickets", "challenger")  # latest = 2
    assert ws.promote("tickets").number == 2
    assert ws.version("tickets", alias="champion").number == 2
    with pytest.raises(WorkspaceError, match="already version 2"):
        ws.promote("tickets")
    assert ws.rollback("tickets").number == 1
    assert ws.version("tickets", alias="champion").number == 1
    with pytest.raises(WorkspaceError, match="already rolled back"):
        ws.rollback("tickets")
    actions = [(e["alias"], e["action"], e["previous"], e["version"]) for e in ws.history("tickets")]
    assert actions == [
        ("champion", "alias", None, 1),
        ("challenger", "alias", None, 2),
        ("champion", "promote", 1, 2),
        ("champion", "rollback", 2, 1),
    ]
    assert ws.models() == [
        {
            "name": "tickets",
            "task": "classify",
            "n_versions": 2,
            "latest": 2,
            "aliases": {"challenger": 2, "champion": 1},
        }
    ]
    reopened = _open(db_url, tmp_path)  # migrating an up-to-date database changes nothing
    assert reopened.version("tickets", alias="champion").number == 1


def test_lineage_from_parent_refs(db_url: str, tmp_path: Path, artifacts: list[Path]) -> None:
    ws = _open(db_url, tmp_path)
    ws.add(artifacts[0], name="tickets")
    ws.set_alias("tickets", "champion", 1)
    child = ws.add(artifacts[1], name="tickets-v2", parent="tickets@champion")
    assert child.parent == "tickets:1"
    with pytest.raises(WorkspaceError, match="not a registered version"):
        ws.add(artifacts[1], name="other", parent="tickets:7")
    assert [m["name"] for m in ws.models()] == ["tickets", "tickets-v2"]  # no half-made model row


def test_errors_name_what_exists_and_change_nothing(db_url: str, tmp_path: Path, artifacts: list[Path]) -> None:
    ws = _open(db_url, tmp_path)
    with pytest.raises(WorkspaceError, match="the registry is empty"):
        ws.version("tickets")
    ws.add(artifacts[0], name="tickets")
    with pytest.raises(WorkspaceError, match=r"no model named 'ticket' \(registered: tickets\)"):
        ws.versions("ticket")
    with pytest.raises(WorkspaceError, match=r"no version 4 \(it has 1..1\)"):
        ws.set_alias("tickets", "champion", 4)
    with pytest.raises(WorkspaceError, match="has no alias 'challenger'"):
        ws.promote("tickets")
    with pytest.raises(WorkspaceError, match="no earlier version"):
        ws.rollback("tickets")
    with pytest.raises(ConfigError, match="alias 'Champion!' is not valid"):
        ws.set_alias("tickets", "Champion!")
    with pytest.raises(ConfigError, match="model name 'My Model' is not valid"):
        ws.add(artifacts[0], name="My Model")
    tampered = tmp_path / "tampered"
    shutil.copytree(artifacts[1], tampered)
    (tampered / "head.safetensors").write_bytes(b"not the trained head")
    with pytest.raises(ArtifactError, match="does not match its fmkit.json"):
        ws.add(tampered, name="tickets")
    assert [v.number for v in ws.versions("tickets")] == [1]
    assert _count(ws, Version) == 1


def test_concurrent_adds_get_distinct_numbers(db_url: str, tmp_path: Path, artifacts: list[Path]) -> None:
    ws = _open(db_url, tmp_path)
    results: list[int] = []
    errors: list[BaseException] = []

    def add(directory: Path) -> None:
        try:
            results.append(_open(db_url, tmp_path).add(directory, name="tickets").number)
        except BaseException as exc:  # collected and re-raised by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(a,)) for a in artifacts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sorted(results) == [1, 2]
    assert sorted(v.method for v in ws.versions("tickets")) == ["linear-probe", "zero-shot"]

"""The content-addressed store: atomic, idempotent, read-only, and it notices a changed copy."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fmkit.errors import WorkspaceError
from fmkit.workspace.store import ArtifactStore, manifest_digest


def test_put_is_idempotent_and_read_only(tmp_path: Path, artifacts: list[Path]) -> None:
    store = ArtifactStore(tmp_path / "store")
    digest = store.put(artifacts[0])
    assert digest == manifest_digest(artifacts[0]) == store.put(artifacts[0])
    stored = store.get(digest)
    assert stored == tmp_path / "store" / "sha256" / digest
    assert all(not p.stat().st_mode & stat.S_IWUSR for p in stored.rglob("*"))
    assert [p.name for p in stored.parent.iterdir()] == [digest]  # no temporary directory left behind


def test_get_refuses_a_missing_or_changed_copy(tmp_path: Path, artifacts: list[Path]) -> None:
    store = ArtifactStore(tmp_path / "store")
    with pytest.raises(WorkspaceError, match="missing from the store"):
        store.get("0" * 64)
    stored = store.get(store.put(artifacts[1]))
    victim = next(p for p in sorted(stored.rglob("*")) if p.is_file() and p.name != "fmkit.json")
    victim.chmod(0o644)
    victim.write_bytes(b"changed")
    with pytest.raises(Exception, match="does not match its fmkit.json"):
        store.get(manifest_digest(stored))

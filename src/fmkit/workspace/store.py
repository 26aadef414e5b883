"""The content-addressed artifact store: ``$FMKIT_HOME/store/<sha256 of fmkit.json>/``, read-only.

``fmkit.json`` holds the sha256 of every other file, so its own digest names the whole artifact. A copy
is written to a temporary sibling, verified against the manifest, made read-only and renamed into place:
the store never holds a partial artifact, and the registry never points at a path a user can change
(re-registering an edited directory makes a new digest, hence a new version).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import uuid
from pathlib import Path

from fmkit.artifacts import MANIFEST, read_manifest
from fmkit.errors import WorkspaceError


def manifest_digest(directory: Path) -> str:
    return hashlib.sha256((directory / MANIFEST).read_bytes()).hexdigest()


class ArtifactStore:
    """Artifacts by digest under ``root``; ``put`` is idempotent and atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        return self.root / "sha256" / digest

    def put(self, directory: Path) -> str:
        """Copy the verified artifact in ``directory`` into the store; return its digest."""
        read_manifest(directory, verify=True)
        digest = manifest_digest(directory)
        target = self.path(digest)
        if target.is_dir():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{digest[:16]}.tmp-{uuid.uuid4().hex[:8]}"
        try:
            shutil.copytree(directory, tmp)
            read_manifest(tmp, verify=True)  # the copy, not just the source, must match
            _make_read_only(tmp)
            try:
                tmp.rename(target)
            except OSError:  # another process stored the same digest first
                if not target.is_dir():
                    raise
        finally:
            if tmp.exists():
                _make_writable(tmp)
                shutil.rmtree(tmp, ignore_errors=True)
        return digest

    def get(self, digest: str) -> Path:
        """The stored artifact, verified; a missing or altered copy is an error that says how to repair it."""
        target = self.path(digest)
        if not target.is_dir():
            raise WorkspaceError(
                f"artifact {digest[:12]} is missing from the store {self.root}; re-register the model's directory "
                "with `fmkit registry add` to restore it"
            )
        read_manifest(target, verify=True)
        if manifest_digest(target) != digest:
            raise WorkspaceError(f"artifact {digest[:12]} in {self.root} was altered; re-register it")
        return target


def _make_read_only(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    root.chmod(root.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _make_writable(root: Path) -> None:
    for dirpath, _, _ in os.walk(root):
        Path(dirpath).chmod(Path(dirpath).stat().st_mode | stat.S_IWUSR)

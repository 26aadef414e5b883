"""The artifact directory format: weights, tokenizer and ``fmkit.json``, written atomically, verified on load.

``fmkit.json`` records the base model, method, config, labels, metrics, data fingerprint, library
versions, parent, and the sha256 of every file, so a tampered or half-copied artifact is refused.
The directory is written to a temporary sibling and renamed into place: a crash, a bad input or Ctrl-C
never leaves ``out`` behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from fmkit.errors import ArtifactError, ConfigError

FORMAT = "fmkit-artifact/1"
MANIFEST = "fmkit.json"
_VERSIONED = ("fmkit", "torch", "transformers", "peft", "sentence-transformers", "scikit-learn", "numpy", "safetensors")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def check_destination(out: Path, overwrite: bool) -> None:
    """Fail before any work if ``out`` exists and may not be replaced."""
    if out.exists() and not overwrite:
        raise ConfigError(f"output directory {out} already exists; choose another --out or pass --overwrite")
    if out.exists() and not (out / MANIFEST).exists():
        raise ConfigError(f"--overwrite refused: {out} exists and is not an fmkit artifact; remove it yourself")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): _sha256(p)
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def write_artifact(
    out: Path, save: Callable[[Path], None], manifest: dict[str, Any], *, overwrite: bool = False
) -> Path:
    """Call ``save(tmp_dir)``, add ``fmkit.json`` and rename into ``out``; nothing is left behind on failure."""
    out = out.expanduser().absolute()
    check_destination(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    trash = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
        save(tmp)
        record = {
            "format": FORMAT,
            **manifest,
            "versions": library_versions(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": _files(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(record, indent=2, sort_keys=False, default=str), encoding="utf-8")
        if out.exists():
            out.rename(trash)
        tmp.rename(out)
    finally:
        for leftover in (tmp, trash):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    return out


def read_manifest(directory: Path, *, verify: bool = True) -> dict[str, Any]:
    """The manifest of the artifact in ``directory``; with ``verify``, every file's checksum is checked."""
    directory = Path(directory).expanduser()
    path = directory / MANIFEST
    if not directory.is_dir():
        raise ArtifactError(f"{directory} is not a directory; pass the --out directory of `fmkit adapt`")
    if not path.exists():
        raise ArtifactError(
            f"{directory} has no {MANIFEST}; it is not an fmkit artifact (run `fmkit adapt` to make one)"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is corrupt ({exc}); re-run `fmkit adapt` to rebuild the artifact") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise ArtifactError(f"{path} has format {found!r}; this fmkit reads {FORMAT!r}")
    missing = [k for k in ("method", "labels", "base_model", "files", "task") if k not in manifest]
    if missing:
        raise ArtifactError(f"{path} lacks fields {missing}; the artifact is incomplete, re-run `fmkit adapt`")
    if verify:
        verify_files(directory, manifest["files"])
    return manifest


def verify_files(directory: Path, expected: dict[str, str]) -> None:
    actual = _files(directory)
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(name for name in set(expected) & set(actual) if expected[name] != actual[name])
    if missing or extra or changed:
        parts = [
            f"{label} {names[:5]}"
            for label, names in (("missing", missing), ("unexpected", extra), ("modified", changed))
            if names
        ]
        raise ArtifactError(
            f"{directory} does not match its {MANIFEST} ({'; '.join(parts)}): it was tampered with or copied "
            "incompletely; restore it or re-run `fmkit adapt`"
        )

"""Shared by the benchmark scripts: resumable JSON results, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load(path: Path) -> dict[str, Any]:
    """The results stored so far, or an empty set of runs."""
    return json.loads(path.read_text()) if path.exists() else {"runs": {}}


def save(path: Path, results: dict[str, Any]) -> None:
    """Write ``results`` so that an interrupted run never leaves a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(path)

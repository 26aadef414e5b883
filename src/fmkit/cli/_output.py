"""Output helpers shared by the CLI commands: JSON to stdout, people-facing text through rich."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def emit_json(payload: Any) -> None:
    """One JSON document on stdout, nothing else (so ``| jq`` always works)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
    sys.stdout.flush()

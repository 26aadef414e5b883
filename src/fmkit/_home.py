"""Where fmkit keeps per-user state: ``$FMKIT_HOME`` (default ``~/.fmkit``)."""

from __future__ import annotations

import os
from pathlib import Path


def fmkit_home() -> Path:
    """The workspace directory; created lazily by whoever writes to it, never at import."""
    return Path(os.environ.get("FMKIT_HOME", Path.home() / ".fmkit")).expanduser()

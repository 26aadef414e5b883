"""Running ``fmkit`` in-process for the CLI tests: the exit code and what went to stdout."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from fmkit.cli.main import main


def run_cli(*args: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(list(args))
    return code, buffer.getvalue()


def cli_json(*args: str) -> Any:
    """``fmkit ARGS --json``, which must succeed; its stdout parsed."""
    code, output = run_cli(*args, "--json")
    assert code == 0, output
    return json.loads(output)

"""Ctrl-C or SIGTERM in the middle of `fmkit adapt` exits cleanly and leaves no --out directory behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_adapt_leaves_nothing(sig: int, code: int, tickets: dict[str, Path], tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    command = [
        sys.executable,
        "-m",
        "fmkit",
        "adapt",
        "--data",
        str(tickets["few"]),
        "--method",
        "finetune",
        "--set",
        "finetune_epochs=200",
        "--out",
        str(runs / "model"),
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={**os.environ, "FMKIT_PROGRESS": "0"})
    assert process.stderr is not None
    assert "adapting" in process.stderr.readline()
    time.sleep(6)  # well into training
    assert process.poll() is None, "finished before it could be interrupted"
    process.send_signal(sig)
    assert process.wait(timeout=60) == code
    assert list(runs.iterdir()) == []

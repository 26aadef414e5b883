"""Ctrl-C or SIGTERM in the middle of `fmkit adapt` exits cleanly and leaves no --out directory behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# `python -m fmkit`, with Ctrl-C raising KeyboardInterrupt as at a terminal: a shell's background job (`make test &`)
# inherits SIGINT ignored, and Python then installs no handler for it.
AS_AT_A_TERMINAL = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('fmkit', run_name='__main__', alter_sys=True)"
)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_adapt_leaves_nothing(sig: int, code: int, tickets: dict[str, Path], tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    command = [
        sys.executable,
        "-c",
        AS_AT_A_TERMINAL,
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
    log = tmp_path / "stderr.txt"  # a file, not a pipe: a full pipe nobody reads would block the child
    with log.open("w") as stderr:
        process = subprocess.Popen(command, stderr=stderr, text=True, env={**os.environ, "FMKIT_PROGRESS": "0"})
    try:
        for _ in range(600):
            if "adapting" in log.read_text() or process.poll() is not None:
                break
            time.sleep(0.2)
        assert "adapting" in log.read_text(), log.read_text()
        time.sleep(6)  # well into training
        assert process.poll() is None, "finished before it could be interrupted"
        process.send_signal(sig)
        assert process.wait(timeout=120) == code, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert list(runs.iterdir()) == []

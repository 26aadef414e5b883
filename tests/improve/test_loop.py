"""``fmkit improve run``: waits for labels, then retrains, gates and promotes; killed after each step in turn,
the next invocation resumes the same run and the registry and queue end consistent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from fmkit.data import load_labeled
from fmkit.improve import queue
from fmkit.improve.loop import CRASH_HOOK, STEPS, LoopOptions, run_loop
from fmkit.workspace import Workspace
from fmkit.workspace.schema import LabelTask, Run
from tests.improve.conftest import log_traffic


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'home' / 'workspace.db'}"


def test_the_loop_waits_for_labels(db_url: str, tmp_path: Path, file_trained: Path, tickets: dict[str, Path]) -> None:
    ws = Workspace.open(db_url, home=tmp_path / "home")
    ws.add(file_trained, name="tickets")
    ws.set_alias("tickets", "champion", 1)
    log_traffic(ws, "tickets", list(load_labeled(str(tickets["train"])).texts)[:60])
    holdout = load_labeled(str(tickets["test"]))
    record = run_loop(ws, "tickets", holdout, LoopOptions(budget=10, strategy="margin"))
    assert record["status"] == "waiting" and record["steps"]["select"]["queued"] == 10
    assert record["steps"]["labels"] == {"new": 0, "needed": 20, "champion": "tickets:1"}
    again = run_loop(ws, "tickets", holdout, LoopOptions(budget=10, strategy="margin"))
    assert again["run"] != record["run"]
    assert again["steps"]["select"] == {"queued": 0, "note": "10 items already pending"}
    assert [v.number for v in ws.versions("tickets")] == [1]  # nothing retrained, nothing promoted


def test_killed_after_every_step_it_resumes_and_ends_consistent(
    labeled: Workspace,
    tmp_path: Path,
    tickets: dict[str, Path],
) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "FMKIT_HOME": str(home), "FMKIT_DB_URL": f"sqlite:///{home / 'workspace.db'}"}
    gate = ("--min-gain", "-100", "--tolerance", "100")  # the gate passes: the promote step has work to do
    command = [sys.executable, "-m", "fmkit", "improve", "run", "--model", "tickets", "--holdout", str(tickets["test"]),
               "--budget", "10", *gate, "--json"]  # fmt: skip
    for step in STEPS:  # each invocation resumes the run and dies right after the next step's effect
        crash = {**env, CRASH_HOOK: step}
        done = subprocess.run(command, env=crash, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 137, done.stderr[-2000:]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads(done.stdout)
    assert record["status"] == "promoted" and record["resumed"] == len(STEPS)
    ws = Workspace.open(f"sqlite:///{home / 'workspace.db'}", home=home)
    with ws.session() as s:
        runs = s.scalars(select(Run).where(Run.kind == "improve")).all()
        assert len(runs) == 1 and runs[0].finished_at is not None  # one run, resumed five times
        prediction_ids = list(s.scalars(select(LabelTask.prediction_id)))
        assert len(prediction_ids) == len(set(prediction_ids))  # nothing queued twice
    # the retrain's effect landed before its record was written, so the resumed run retrained once more:
    # one spare version, never promoted; the gate judged the newest, and that is the champion now
    versions = [v.number for v in ws.versions("tickets")]
    assert versions == [1, 2, 3]
    gated = record["steps"]["gate"]
    assert (gated["champion"], gated["challenger"]) == ("tickets:1", "tickets:3")
    assert ws.version("tickets", alias="champion").number == 3 and ws.version("tickets", alias="challenger").number == 3
    assert queue.counts(ws, "tickets")["labeled"] == 120

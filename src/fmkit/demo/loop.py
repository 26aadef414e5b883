"""The demo's improvement loop: register the best model, serve it, send simulated traffic, let the loop
queue what to label, label it from the held-back gold labels, and run the loop again: retrain, gate,
promote; the running server swaps to the new champion. Everything lives under the demo's own output
directory (its own workspace), never in the user's ``$FMKIT_HOME``."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fmkit.data.labeled import LabeledTexts

TRAFFIC = 240  # simulated production requests (one ticket each)
BUDGET = 60  # items the loop queues for labeling


def run_loop_demo(champion_dir: Path, traffic: LabeledTexts, holdout: LabeledTexts, out: Path) -> list[dict[str, Any]]:
    """Serve ``champion_dir``, send ``traffic`` (its labels held back as the labelers' answers), run the loop
    twice around the labeling; returns the stages' records."""
    import httpx

    from fmkit.improve import queue
    from fmkit.improve.loop import LoopOptions, run_loop
    from fmkit.workspace import Workspace

    stages: list[dict[str, Any]] = []
    with _home(out / "workspace") as home:
        ws = Workspace.open(home=home)
        info = ws.add(champion_dir, name="tickets")
        ws.set_alias("tickets", "champion", info.number)
        port = _free_port()
        with _server(home, port, out / "server.log") as url, httpx.Client(base_url=url, timeout=60) as client:
            stages.append({"stage": "serve", "url": url, "model_version": client.get("/ready").json()["version"]})
            texts = list(traffic.texts[:TRAFFIC])
            for start in range(0, len(texts), 8):
                client.post("/v1/predict", json={"inputs": texts[start : start + 8]}).raise_for_status()
            _wait_logged(ws, len(texts))
            stages.append({"stage": "traffic", "requests": (len(texts) + 7) // 8, "predictions": len(texts)})

            options = LoopOptions(budget=BUDGET, strategy="margin", min_new_labels=20)
            first = run_loop(ws, "tickets", holdout, options)
            select = first["steps"]["select"]
            drift_p = (select.get("drift") or {}).get("p_value")
            stages.append({"stage": "select", "strategy": "margin", "queued": select["queued"],
                           "input_drift_p": drift_p, "loop": first["status"]})  # fmt: skip

            gold = dict(zip(traffic.texts, traffic.labels, strict=True))
            tasks = queue.pending(ws, "tickets", limit=BUDGET)
            queue.label_many(ws, [(t.id, gold[t.text], "demo-labeler") for t in tasks])
            agreed = sum(gold[t.text] == t.guess for t in tasks)
            stages.append({"stage": "label", "labeled": len(tasks), "model_was_right": agreed})

            second = run_loop(ws, "tickets", holdout, options)
            gate = second["steps"]["gate"]
            record = next(iter(_gate_records(ws)), {})
            scores = record.get("scores", {})
            stages.append({
                "stage": "retrain+gate", "challenger": second["steps"]["retrain"]["version"],
                "trained_on": second["steps"]["retrain"]["n_train"], "promote": gate["promote"],
                "reasons": gate["reasons"],
                "holdout_accuracy": {role: s["holdout"]["accuracy"] for role, s in scores.items()},
            })  # fmt: skip
            champion = second["steps"]["promote"]["champion"]
            swapped = _wait_version(client, champion) if second["status"] == "promoted" else False
            stages.append({"stage": "promote", "champion": champion, "promoted": second["status"] == "promoted",
                           "server_swapped": swapped, "rollback": "fmkit registry rollback tickets"})  # fmt: skip
        ws.engine.dispose()
    return stages


def _gate_records(ws: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from fmkit.workspace.schema import AuditEntry

    with ws.session() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "improve.gate").order_by(AuditEntry.id.desc())
        ).all()
        return [dict(r.detail) for r in rows]


@contextlib.contextmanager
def _home(path: Path) -> Iterator[Path]:
    """``$FMKIT_HOME`` set to ``path`` for this block (retrain writes its runs and grown data there)."""
    previous = os.environ.get("FMKIT_HOME"), os.environ.pop("FMKIT_DB_URL", None)
    os.environ["FMKIT_HOME"] = str(path)
    try:
        yield path
    finally:
        if previous[0] is None:
            os.environ.pop("FMKIT_HOME", None)
        else:
            os.environ["FMKIT_HOME"] = previous[0]
        if previous[1] is not None:
            os.environ["FMKIT_DB_URL"] = previous[1]


@contextlib.contextmanager
def _server(home: Path, port: int, log: Path) -> Iterator[str]:
    import httpx

    env = {**os.environ, "FMKIT_HOME": str(home), "FMKIT_PROGRESS": "0"}
    command = [sys.executable, "-m", "fmkit", "serve", "--model", "tickets", "--port", str(port), "--poll-s", "0.5"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the demo server exited ({process.returncode}); see {log}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the demo server did not start in 180 s; see {log}")
            time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_logged(ws: Any, n: int, timeout: float = 30.0) -> None:
    """Until the server's journal shipped ``n`` predictions into the workspace."""
    from sqlalchemy import func, select

    from fmkit.workspace.schema import Prediction

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ws.session() as s:
            if s.scalar(select(func.count()).select_from(Prediction)) >= n:
                return
        time.sleep(0.2)


def _wait_version(client: Any, ref: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/ready").json()["version"] == ref:
            return True
        time.sleep(0.25)
    return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

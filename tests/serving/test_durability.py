"""kill -9 the server mid-load, restart it: every prediction and feedback a client saw acknowledged is in the
database exactly once (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import func, select

from fmkit.workspace import Workspace
from fmkit.workspace.schema import Feedback, Prediction
from tests.serving.conftest import Running, registered_home


def test_kill_9_mid_load_loses_no_acknowledged_record(
    db_url: str, tmp_path: Path, artifacts: list[Path], server_factory: Callable[..., Running]
) -> None:
    home = registered_home(tmp_path, artifacts, db_url)
    journal = tmp_path / "journal"
    server = server_factory(home, "--journal", str(journal), db_url=db_url)
    predictions: list[str] = []
    feedback: list[str] = []
    stop = threading.Event()

    def client_loop(i: int) -> None:
        with server.client() as client:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    response = client.post("/v1/predict", json={"inputs": [f"parcel {i}-{n} is late", "refund me"]})
                    if response.status_code != 200:
                        continue
                    ids = [p["id"] for p in response.json()["predictions"]]
                    predictions.extend(ids)  # acknowledged
                    fid = str(uuid.uuid4())
                    answer = client.post("/v1/feedback", json={"prediction_id": ids[0], "label": "delivery", "id": fid})
                    if answer.status_code == 200:
                        feedback.append(fid)  # acknowledged
                except httpx.HTTPError:
                    return  # the server died under us: what it acknowledged before is what counts

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    time.sleep(4.0)
    server.kill()  # SIGKILL: no shutdown hook, no drain
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(predictions) > 20 and feedback, server.log.read_text()[-2000:]
    restarted = server_factory(home, "--journal", str(journal), db_url=db_url)  # ships the backlog on start
    with restarted.client() as client:
        assert client.get("/ready").json()["log_backlog_bytes"] == 0
    ws = Workspace.open(db_url, home=home)
    with ws.session() as s:
        stored = set(s.scalars(select(Prediction.id)))
        assert set(predictions) <= stored
        assert s.scalar(select(func.count()).select_from(Prediction)) == len(stored)  # exactly once
        assert set(feedback) <= set(s.scalars(select(Feedback.id)))
    ws.engine.dispose()

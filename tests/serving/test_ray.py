"""``fmkit serve --engine ray --replicas 2``: a real local Ray cluster, two replicas behind Ray Serve's proxy.

Both replicas answer, feedback for a prediction another replica made is accepted, a promotion swaps both, and
after SIGTERM every acknowledged prediction and feedback is in the database exactly once."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fmkit.errors import ConfigError
from fmkit.serving.settings import ServeSettings
from fmkit.workspace import Workspace
from fmkit.workspace.schema import Feedback, Prediction
from tests.serving.conftest import Running, registered_home, stop


def test_two_ray_replicas_serve_swap_and_lose_nothing(
    tmp_path: Path, artifacts: list[Path], server_factory: Callable[..., Running]
) -> None:
    home = registered_home(tmp_path, artifacts)
    journal = tmp_path / "journal"
    args = ("--engine", "ray", "--replicas", "2", "--journal", str(journal), "--poll-s", "0.5")
    server = server_factory(home, *args)
    predictions: list[str] = []
    feedback: list[str] = []
    failures: list[str] = []

    def client_loop(i: int) -> None:
        with server.client() as client:
            for n in range(25):
                response = client.post("/v1/predict", json={"inputs": [f"parcel {i}-{n} is late", "refund me"]})
                if response.status_code != 200:
                    failures.append(response.text)
                    continue
                ids = [p["id"] for p in response.json()["predictions"]]
                predictions.extend(ids)
                fid = str(uuid.uuid4())  # may well reach the other replica than the prediction did
                answer = client.post("/v1/feedback", json={"prediction_id": ids[1], "label": "delivery", "id": fid})
                if answer.status_code == 200:
                    feedback.append(fid)
                else:
                    failures.append(answer.text)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures[:3]
    assert len(predictions) == 6 * 25 * 2 and len(feedback) == 6 * 25
    slots = sorted((journal / socket.gethostname()).glob("slot-*"))
    written = [sum(p.stat().st_size for p in slot.glob("segment-*.jsonl")) for slot in slots]
    assert len(slots) == 2 and all(written), f"each replica journals its own requests: {written}"

    ws = Workspace.open(home=home)
    ws.promote("tickets")  # champion -> v2 (the challenger); both replicas follow it
    ws.engine.dispose()
    deadline, versions = time.monotonic() + 30, set()
    with server.client() as client:
        while time.monotonic() < deadline:
            answers = [client.post("/v1/predict", json={"inputs": ["hello"]}) for _ in range(8)]
            versions = {answer.json()["model_version"] for answer in answers}
            if versions == {"tickets:2"}:
                break
            time.sleep(0.5)
    assert versions == {"tickets:2"}

    stop(server)  # SIGTERM: the deployment is removed, each replica drains its journal first
    assert server.process.returncode == 0, server.log.read_text()[-2000:]
    ws = Workspace.open(home=home)
    with ws.session() as s:
        stored = set(s.scalars(select(Prediction.id)))
        assert set(predictions) <= stored
        assert s.scalar(select(func.count()).select_from(Prediction)) == len(stored)  # exactly once
        assert set(feedback) == set(s.scalars(select(Feedback.id)))
    ws.engine.dispose()


def test_ray_options_need_the_ray_engine() -> None:
    with pytest.raises(ConfigError, match="--replicas, --replica-cpus and --ray-address need --engine ray"):
        ServeSettings(name="tickets", replicas=2)
    with pytest.raises(ConfigError, match="--engine must be uvicorn or ray, got 'k8s'"):
        ServeSettings(name="tickets", engine="k8s")
    with pytest.raises(ConfigError, match="--replicas must be >= 1, got 0"):
        ServeSettings(name="tickets", engine="ray", replicas=0)

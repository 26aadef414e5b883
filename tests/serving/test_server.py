"""``fmkit serve`` against real servers on loopback: predictions, feedback, logs, errors, auth, limits, swap."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fmkit.workspace import Workspace
from fmkit.workspace.keys import create_key, revoke_key
from fmkit.workspace.schema import Feedback, Prediction, RequestError
from tests.serving.conftest import Running, registered_home


def _wait_shipped(client: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while client.get("/ready").json()["log_backlog_bytes"] > 0:
        assert time.monotonic() < deadline, "the journal was not shipped to the database"
        time.sleep(0.1)


def test_predict_feedback_and_the_logs(shared_server: Running) -> None:
    with shared_server.client() as client:
        response = client.post("/v1/predict", json={"inputs": ["I was charged twice", "my parcel never arrived"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert [p["label"] for p in body["predictions"]] == ["billing", "delivery"]
        assert body["model_version"] == "tickets:1" and response.headers["x-request-id"] == body["request_id"]
        first = body["predictions"][0]
        assert abs(sum(first["probabilities"].values()) - 1) < 1e-3
        feedback = {"prediction_id": first["id"], "label": "billing", "id": str(uuid.uuid4())}
        assert client.post("/v1/feedback", json=feedback).status_code == 200
        assert client.post("/v1/feedback", json=feedback).status_code == 200  # a retry is not a second row
        _wait_shipped(client)
    ws = Workspace.open(home=shared_server.home)
    with ws.session() as s:
        row = s.get_one(Prediction, first["id"])
        assert (row.input, row.output, row.request_id) == ("I was charged twice", "billing", body["request_id"])
        assert row.latency_ms > 0 and row.probabilities == first["probabilities"]
        stored = s.scalars(select(Feedback).where(Feedback.prediction_id == first["id"])).all()
        assert [(f.id, f.label) for f in stored] == [(feedback["id"], "billing")]


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"inputs": []}, 422, "inputs is empty: send at least one text"),
        ({"inputs": ["ok", "  "]}, 422, "inputs[1] is empty or blank"),
        ({"inputs": "just a string"}, 422, "inputs: Input should be a valid list"),
        ({"inputs": [1, 2]}, 422, "inputs.0: Input should be a valid string"),
        ({"inputs": ["ok"], "temperature": 1}, 422, "temperature: Extra inputs are not permitted"),
        ({"texts": ["ok"]}, 422, "inputs: Field required"),
        ({"inputs": ["x" * 10_001]}, 422, "inputs[0] is longer than 10000 characters (--max-chars)"),
        ({"inputs": ["ok"] * 257}, 422, "too many inputs in one request; the limit is 256 (--max-inputs)"),
        (b'{"inputs": ["\xff\xfe"]}', 400, "could not be read as UTF-8 JSON"),
        (b'{"inputs": [', 422, "the body is not valid JSON"),
        (b"x" * 4_000_001, 413, "request body of 4000001 bytes; the limit is 4000000"),
    ],
)
def test_bad_predict_requests_are_4xx_with_a_clear_message(
    shared_server: Running, payload: Any, status: int, message: str
) -> None:
    with shared_server.client() as client:
        if isinstance(payload, bytes):
            response = client.post("/v1/predict", content=payload, headers={"content-type": "application/json"})
        else:
            response = client.post("/v1/predict", json=payload)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]


def test_bad_feedback_and_routes(shared_server: Running) -> None:
    with shared_server.client() as client:
        unknown = client.post("/v1/feedback", json={"prediction_id": "nope", "label": "billing"})
        assert unknown.status_code == 404 and "no prediction with id 'nope'" in unknown.text
        pid = client.post("/v1/predict", json={"inputs": ["where is my parcel"]}).json()["predictions"][0]["id"]
        label = client.post("/v1/feedback", json={"prediction_id": pid, "label": "refund"})
        assert label.status_code == 422 and "'refund' is not one of the model's labels" in label.text
        form = client.post("/v1/predict", data={"inputs": "x"})
        assert form.status_code == 422 and "Content-Type: application/json" in form.text
        assert client.get("/v1/nothing").status_code == 404
        assert client.get("/v1/predict").status_code == 405


def test_metrics_and_openapi(shared_server: Running) -> None:
    with shared_server.client() as client:
        client.post("/v1/predict", json={"inputs": ["hello"]})
        metrics = client.get("/metrics").text
        assert 'fmkit_requests_total{route="/v1/predict",status="200"}' in metrics
        assert 'fmkit_predictions_total{version="tickets:1"}' in metrics and "fmkit_batch_size_bucket" in metrics
        spec = client.get("/openapi.json").json()
        assert {"/v1/predict", "/v1/feedback", "/health", "/ready"} <= set(spec["paths"])
        assert client.get("/docs").status_code == 200


def test_api_keys_scopes_and_revocation(
    tmp_path: Path, artifacts: list[Path], server_factory: Callable[..., Running]
) -> None:
    home = registered_home(tmp_path, artifacts)
    ws = Workspace.open(home=home)
    _, predictor = create_key(ws, "predictor", ("predict",))
    _, admin = create_key(ws, "ops", ("admin",))
    server = server_factory(home, "--auth", "--key-cache-s", "0")
    with server.client() as client:
        request = {"inputs": ["I was charged twice"]}
        missing = client.post("/v1/predict", json=request)
        assert missing.status_code == 401 and "missing API key" in missing.text
        wrong = client.post("/v1/predict", json=request, headers={"Authorization": "Bearer fmk_nope"})
        assert wrong.status_code == 401 and "invalid or revoked" in wrong.text
        ok = client.post("/v1/predict", json=request, headers={"Authorization": f"Bearer {predictor}"})
        assert ok.status_code == 200
        pid = ok.json()["predictions"][0]["id"]
        feedback = {"prediction_id": pid, "label": "billing"}
        scoped = client.post("/v1/feedback", json=feedback, headers={"X-API-Key": predictor})
        assert scoped.status_code == 403 and "lacks the 'feedback' scope" in scoped.text
        assert client.post("/v1/feedback", json=feedback, headers={"X-API-Key": admin}).status_code == 200
        revoke_key(ws, "predictor")
        revoked = client.post("/v1/predict", json=request, headers={"Authorization": f"Bearer {predictor}"})
        assert revoked.status_code == 401
        assert client.get("/health").status_code == 200  # health and readiness stay open for probes


def test_rate_limit_answers_429_with_retry_after(
    tmp_path: Path, artifacts: list[Path], server_factory: Callable[..., Running]
) -> None:
    server = server_factory(registered_home(tmp_path, artifacts), "--rate-limit", "1")
    with server.client() as client:
        codes = [client.post("/v1/predict", json={"inputs": ["hi"]}) for _ in range(6)]
    assert [r.status_code for r in codes[:2]] == [200, 200]  # the burst
    limited = [r for r in codes if r.status_code == 429]
    assert limited and int(limited[0].headers["retry-after"]) >= 1
    assert "requests/s" in limited[0].json()["error"]["message"]


def test_promotion_swaps_the_model_under_load_without_a_failed_request(
    tmp_path: Path, artifacts: list[Path], server_factory: Callable[..., Running]
) -> None:
    home = registered_home(tmp_path, artifacts)
    server = server_factory(home, "--poll-s", "0.2")
    seen: list[list[str]] = [[] for _ in range(4)]
    failures: list[str] = []
    stop = threading.Event()

    def client_loop(i: int) -> None:
        with server.client() as client:
            while not stop.is_set():
                try:
                    response = client.post("/v1/predict", json={"inputs": [f"my card was charged twice ({i})"]})
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if response.status_code != 200:
                    failures.append(response.text)
                else:
                    seen[i].append(response.json()["model_version"])

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    Workspace.open(home=home).promote("tickets")
    deadline = time.monotonic() + 60
    while not all(s and s[-1] == "tickets:2" for s in seen) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    for versions in seen:
        assert versions[0] == "tickets:1" and versions[-1] == "tickets:2"
        switch = versions.index("tickets:2")
        assert set(versions[switch:]) == {"tickets:2"}  # one way: once swapped, a client never sees the old one


def test_error_answers_are_logged_for_the_error_rate(shared_server: Running) -> None:
    with shared_server.client() as client:
        bad = client.post("/v1/predict", json={"inputs": []}, headers={"X-Request-ID": "bad-request-1"})
        assert bad.status_code == 422
    ws = Workspace.open(home=shared_server.home)
    deadline = time.monotonic() + 30
    while True:
        with ws.session() as s:
            row = s.scalar(select(RequestError).where(RequestError.request_id == "bad-request-1"))
            if row is not None:
                assert (row.route, row.status, row.kind) == ("/v1/predict", 422, "invalid_request")
                return
        assert time.monotonic() < deadline, "the error was not logged"
        time.sleep(0.2)


def test_openai_compatible_embeddings(shared_server: Running) -> None:
    with shared_server.client() as client:
        response = client.post("/v1/embeddings", json={"input": ["refund my order", "hello"], "model": "any"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["object"] == "list" and [d["index"] for d in body["data"]] == [0, 1]
        assert len(body["data"][0]["embedding"]) == 384 and body["usage"]["prompt_tokens"] == 4
        single = client.post("/v1/embeddings", json={"input": "refund my order"}).json()
        assert single["data"][0]["embedding"] == pytest.approx(body["data"][0]["embedding"], abs=1e-5)  # batching
        assert client.post("/v1/embeddings", json={"input": []}).status_code == 422
        chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
        assert chat.status_code == 404  # a classifier's server has no chat route (nor does its OpenAPI spec)

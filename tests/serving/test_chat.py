"""OpenAI-compatible chat completions from a served generation model (the bundled SmolLM2 on llama.cpp)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from fmkit.generation.api import adapt_generator
from fmkit.workspace import Workspace
from fmkit.workspace.schema import Prediction
from tests.serving.conftest import Running

DIALOGUE = "Anna: the train to Paris was cancelled. Ben: then let's take the bus at nine. Anna: ok, see you there."


@pytest.fixture
def summarizer(tmp_path: Path, server_factory: Callable[..., Running]) -> Running:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        'text,target\n"Tom: lunch at noon? Sue: yes, at the cafe.","Tom and Sue meet for lunch at noon."\n'
    )
    artifact = adapt_generator(str(pairs), task="summarize", method="llm-instruct", out=tmp_path / "gen",
                               config={"gen_max_tokens": 24})  # fmt: skip
    home = tmp_path / "home"
    ws = Workspace.open(home=home)
    ws.add(artifact.path, name="summarizer")  # type: ignore[arg-type]
    ws.set_alias("summarizer", "champion")
    return server_factory(home, "--model", "summarizer")


def test_chat_completion_and_its_log(summarizer: Running) -> None:
    with summarizer.client() as client:
        response = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": DIALOGUE}]})
        assert response.status_code == 200, response.text
        body = response.json()
        answer = body["choices"][0]["message"]["content"]
        assert body["object"] == "chat.completion" and body["model"] == "summarizer:1" and answer
        assert "paris" in answer.lower() or "bus" in answer.lower()
    ws = Workspace.open(home=summarizer.home)
    deadline = time.monotonic() + 30
    while (row := _row(ws, body["id"])) is None:
        assert time.monotonic() < deadline, "the generation was not logged"
        time.sleep(0.2)
    assert (row.input, row.output) == (DIALOGUE, answer)


def _row(ws: Workspace, pid: str) -> Prediction | None:
    with ws.session() as s:
        return s.scalar(select(Prediction).where(Prediction.id == pid))


def test_streaming_sends_server_sent_events(summarizer: Running) -> None:
    request = {"messages": [{"role": "user", "content": DIALOGUE}], "stream": True, "max_tokens": 6}
    with summarizer.client() as client, client.stream("POST", "/v1/chat/completions", json=request) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks).strip()


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}], "at most 1 item"),
        ([{"role": "tool", "content": "x"}], "String should match pattern '^user$'"),
        ([{"role": "user", "content": " "}], "is empty or blank"),
        ([], "List should have at least 1 item"),
    ],
)
def test_bad_chat_requests(summarizer: Running, messages: list[dict[str, str]], message: str) -> None:
    with summarizer.client() as client:
        response = client.post("/v1/chat/completions", json={"messages": messages})
    assert response.status_code == 422 and message in response.json()["error"]["message"]

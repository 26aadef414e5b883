"""``fmkit generate`` on the bundled LLM: whole or streamed answers, JSON, stdin, and clear errors."""

from __future__ import annotations

import io
import json

import pytest

from fmkit.cli.main import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_answers_whole_streamed_and_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, whole, _ = run(["generate", "Name three colours.", "--max-tokens", "24"], capsys)
    assert code == 0 and len(whole.split()) >= 3
    code, streamed, _ = run(["generate", "Name three colours.", "--max-tokens", "24", "--stream"], capsys)
    assert code == 0 and streamed == whole  # greedy: the stream adds up to the same answer
    code, out, _ = run(["generate", "Name three colours.", "--max-tokens", "24", "--json"], capsys)
    payload = json.loads(out)
    assert payload["text"] + "\n" == whole and payload["engine"] == "llama.cpp" and 0 < payload["tokens"] <= 24
    code, out, _ = run(["generate", "Name three colours.", "--max-tokens", "24", "--stop", ","], capsys)
    assert code == 0 and "," not in out and whole.startswith(out.rstrip("\n"))


def test_reads_the_prompt_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Say hello."))
    code, out, _ = run(["generate", "-", "--max-tokens", "8"], capsys)
    assert code == 0 and out.strip()


def test_truncates_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    long = "word " * 3000
    code, _, err = run(["generate", long, "--n-ctx", "512", "--max-tokens", "8"], capsys)
    assert code == 3 and "fit in the 512-token context" in err and "overflow='truncate'" in err
    code, _, err = run(["generate", long, "--n-ctx", "512", "--max-tokens", "8", "--overflow", "truncate"], capsys)
    assert code == 0 and "error" not in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["generate", "  "], 2, "the prompt is empty"),
        (["generate", "hi", "--max-tokens", "5000"], 2, "leaves no room for the prompt"),
        (["generate", "hi", "--max-tokens", "0"], 2, "max_tokens must be >= 1"),
        (["generate", "hi", "--temperature", "-1"], 2, "temperature must be >= 0"),
        (["generate", "hi", "--overflow", "drop"], 2, "--overflow must be error or truncate"),
        (["generate", "hi", "--engine", "vllm"], 2, "engine must be one of"),
        (["generate", "hi", "--model", "minilm-l6"], 2, "needs a decoder LLM"),
        (["generate", "hi", "--model", "nope"], 2, "unknown model 'nope'"),
    ],
)
def test_bad_input_is_one_clear_line(
    args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    got, out, err = run(args, capsys)
    assert got == code and message in err and out == ""
    assert len(err.strip().splitlines()) == 1

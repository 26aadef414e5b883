"""``fmkit generate`` on the bundled LLM: whole or streamed answers, JSON, stdin, and clear errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

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


def test_json_schema_prints_one_line_of_schema_valid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "city": {"type": "string"}},
        "required": ["name", "age", "city"],
    }
    path = tmp_path / "person.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    code, out, err = run(
        ["generate", "Maria Lopez is 34 years old and lives in Madrid.", "--json-schema", str(path)], capsys
    )
    assert code == 0 and err == "" and len(out.splitlines()) == 1
    data = json.loads(out)
    assert set(data) == {"name", "age", "city"} and isinstance(data["age"], int)


def test_json_schema_refuses_clashing_flags_and_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "schema.json"
    path.write_text('{"type": "object", "properties": {"a": {"type": "strin"}}}', encoding="utf-8")
    code, out, err = run(["generate", "hi", "--json-schema", str(path), "--stream", "--raw"], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "cannot be combined with --stream" in err and "cannot be combined with --raw" in err
    code, out, err = run(["generate", "hi", "--json-schema", str(path)], capsys)
    assert code == 2 and "invalid at $.properties.a.type" in err
    code, out, err = run(["generate", "hi", "--json-schema", str(tmp_path / "none.json")], capsys)
    assert code == 2 and "does not exist" in err
    path.write_text('{"type": "object", "properties": {"a": {"type": "string"}}}', encoding="utf-8")
    code, out, err = run(["generate", "hi", "--json-schema", str(path), "--max-tokens", "3"], capsys)
    assert code == 2 and "raise max_tokens (--max-tokens)" in err and out == ""

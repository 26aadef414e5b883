"""Summarization with the bundled SmolLM2 (llama.cpp): adapt, save, load, evaluate, and the errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.errors import ArtifactError, ConfigError, DataError
from fmkit.generation.api import adapt_generator, evaluate_generator, load_generator
from fmkit.generation.pairs import TextPairs, load_pairs

SUMMARY = {"input_col": "dialogue", "target_col": "summary"}


@pytest.fixture(scope="module")
def samsum(shared_datasets: Path) -> tuple[TextPairs, TextPairs]:
    """20 validation dialogues to adapt on, the first 12 test dialogues to score."""
    valid = load_pairs(shared_datasets / "samsum" / "validation.jsonl", **SUMMARY)
    test = load_pairs(shared_datasets / "samsum" / "test.jsonl", **SUMMARY)
    return valid.subset(range(20)), test.subset(range(12))


def test_summaries_reach_a_rouge_floor_and_survive_a_round_trip(
    samsum: tuple[TextPairs, TextPairs], tmp_path: Path
) -> None:
    train, test = samsum
    config = {"gen_shots": 1, "gen_max_tokens": 48}
    model = adapt_generator(train, task="summarize", out=tmp_path / "gen", config=config)
    assert model.manifest["fit_info"]["demonstrations"] == 1
    result = evaluate_generator(model, test, json_path=tmp_path / "r.json", plot_path=tmp_path / "r.png")
    # SmolLM2-135M, 1 demonstration, greedy: ROUGE-L 21.5 on the first 5 test dialogues when written
    assert result["rougeL"] >= 15.0, result["examples"]
    assert result["rouge1"] >= result["rouge2"]
    assert result["lengths"]["outputs"]["empty"] == 0
    assert json.loads((tmp_path / "r.json").read_text())["rougeL"] == result["rougeL"]
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    loaded = load_generator(tmp_path / "gen")
    assert loaded.generate(test.inputs[0]) == model.generate(test.inputs[0])  # greedy: the same text


def test_an_input_longer_than_the_context_is_cut_or_refused(samsum: tuple[TextPairs, TextPairs]) -> None:
    train, _ = samsum
    long_dialogue = "Anna: " + "we should meet on Friday at the station near the old bakery. " * 400
    cut = adapt_generator(train, task="summarize", config={"gen_n_ctx": 512, "gen_max_tokens": 16})
    assert cut.generate(long_dialogue)[0]
    strict = adapt_generator(
        train, task="summarize", config={"gen_n_ctx": 512, "gen_max_tokens": 16, "gen_overflow": "error"}
    )
    with pytest.raises(DataError, match="the input is .* tokens but only .* fit"):
        strict.generate(long_dialogue)
    with pytest.raises(DataError, match="an input is empty"):
        strict.generate(["  "])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "translate"}, "task must be one of classify, summarize, instruct"),
        ({"method": "lora"}, "method 'lora' does not generate"),
        ({"model": "minilm-l6"}, "needs a decoder LLM or an encoder-decoder; 'minilm-l6' has family 'encoder'"),
        ({"config": {"gen_shots": -1}}, "gen_shots must be >= 0"),
        ({"config": {"gen_temperature": -1.0}}, "gen_temperature must be >= 0"),
        ({"config": {"gen_shots": 50}}, "gen_shots=50 but only 20 training inputs"),
        ({"config": {"gen_shots": 8, "gen_n_ctx": 256}}, "leave no room for the input"),
    ],
)
def test_bad_settings_are_refused(samsum: tuple[TextPairs, TextPairs], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        adapt_generator(samsum[0], **kwargs)  # type: ignore[arg-type]


def test_a_tampered_artifact_is_refused(samsum: tuple[TextPairs, TextPairs], tmp_path: Path) -> None:
    adapt_generator(samsum[0], task="summarize", out=tmp_path / "gen")
    state = tmp_path / "gen" / "generator.json"
    assert '"gen_max_tokens": 96' in state.read_text()
    state.write_text(state.read_text().replace('"gen_max_tokens": 96', '"gen_max_tokens": 5'), encoding="utf-8")
    with pytest.raises(ArtifactError, match="modified"):
        load_generator(tmp_path / "gen")


def test_cli_adapts_and_scores_a_summarizer(
    shared_datasets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fmkit.cli.main import main

    train = tmp_path / "train.jsonl"
    lines = (shared_datasets / "samsum" / "validation.jsonl").read_text(encoding="utf-8").splitlines()
    train.write_text("\n".join(lines[:10]) + "\n", encoding="utf-8")
    columns = ["--text-col", "dialogue", "--target-col", "summary"]
    code = main(["adapt", "--task", "summarize", "--data", str(train), "--out", str(tmp_path / "g"), *columns])
    assert code == 0
    capsys.readouterr()
    test = str(shared_datasets / "samsum" / "test.jsonl")
    code = main(["eval", str(tmp_path / "g"), "--data", test, *columns, "--limit", "3", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["n"] == 3
    assert {"rouge1", "rouge2", "rougeL", "rougeLsum", "lengths", "performance"} <= set(result)
    code = main(["eval", str(tmp_path / "g"), "--data", str(train), "--text-col", "dialogue"])
    assert code == 3
    assert "no column 'target'" in capsys.readouterr().err

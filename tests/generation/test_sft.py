"""llm-sft on a tiny random Llama (the real architecture, built locally): loss on the response only, the adapter
and the merged model saved, the tuned behaviour learnt and kept across save and load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.errors import ConfigError
from fmkit.generation.api import adapt_generator, load_generator
from fmkit.generation.pairs import TextPairs

ANSWER = "the parcel never arrived"
FAST = {
    "sft_lr": 0.01,
    "sft_epochs": 30,
    "sft_rank": 8,
    "sft_dropout": 0.0,
    "sft_target_modules": "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
    "sft_batch_size": 4,
    "gen_max_tokens": 12,
    "gen_n_ctx": 256,
}


@pytest.fixture(scope="module")
def pairs() -> TextPairs:
    inputs = ["I was charged twice", "the app crashes", "refund please", "open settings", "great film"] * 2
    return TextPairs.of(inputs, [ANSWER] * len(inputs))


def test_the_tuned_model_learns_the_response_and_to_stop(
    tiny_llms: dict[str, Path], pairs: TextPairs, tmp_path: Path
) -> None:
    model_dir = str(tiny_llms["llama"])
    before = adapt_generator(pairs, task="instruct", model=model_dir, config={"gen_max_tokens": 12})
    assert before.generate("the app crashes")[0] != ANSWER  # random weights say something else
    tuned = adapt_generator(
        pairs, task="instruct", model=model_dir, method="llm-sft", config=FAST, out=tmp_path / "sft", seed=1
    )
    info = tuned.manifest["fit_info"]
    # the frozen head of a random 32-wide model bounds its logits to about +-0.6, so the loss cannot fall far
    # below log(vocab) = 6.0; what it must do is fall, and make the answer the greedy choice
    assert info["epoch_loss"][-1] < info["epoch_loss"][0] - 0.3
    assert info["trainable_parameters"] > 0
    assert tuned.generate("refund please") == [ANSWER]  # learnt, and stops at the end-of-turn token
    assert tuned.generate("a text it never saw") == [ANSWER]
    assert (tmp_path / "sft" / "adapter" / "adapter_model.safetensors").is_file()
    assert json.loads((tmp_path / "sft" / "adapter" / "adapter_config.json").read_text())["r"] == 8
    merged_config = json.loads((tmp_path / "sft" / "merged" / "config.json").read_text())
    assert "quantization_config" not in merged_config
    assert (tmp_path / "sft" / "merged" / "model.safetensors").is_file()
    loaded = load_generator(tmp_path / "sft")  # standalone: the merged model, no PEFT, no base model
    assert loaded.generate(["refund please", "great film"]) == [ANSWER, ANSWER]


def test_only_the_response_carries_loss(tiny_llms: dict[str, Path]) -> None:
    from fmkit.generation.prompted import GenerationConfig, Generator
    from fmkit.generation.sft import IGNORE, _example
    from fmkit.llm.hf import TransformersRuntime

    runtime = TransformersRuntime(tiny_llms["llama"])
    generator = Generator(runtime, "summarize", GenerationConfig())
    end = runtime.tokenizer.eos_token_id
    ids, labels = _example(generator, runtime, "the app crashes", ANSWER, end, max_length=200)
    response = [*runtime.tokenize(ANSWER), end]
    assert labels[-len(response) :] == response
    assert set(labels[: -len(response)]) == {IGNORE}
    assert ids[-len(response) :] == response
    long_ids, long_labels = _example(generator, runtime, "the app crashes " * 200, ANSWER, end, max_length=120)
    assert len(long_ids) <= 120  # the input is cut, the response kept whole
    assert long_labels[-len(response) :] == response


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"gen_shots": 2}, "gen_shots must be 0"),
        ({"gen_engine": "llama.cpp"}, "gen_engine must be auto or transformers"),
        ({"sft_rank": 0}, "sft_rank must be between 1 and 1024"),
        ({"sft_max_length": 10}, "sft_max_length must be >= 64"),
        ({"sft_target_modules": "query,value"}, r"sft_target_modules \['query', 'value'\] are not modules"),
    ],
)
def test_bad_sft_settings_are_refused(
    tiny_llms: dict[str, Path], pairs: TextPairs, config: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        adapt_generator(pairs, task="instruct", model=str(tiny_llms["llama"]), method="llm-sft", config=config)

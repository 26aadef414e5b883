"""The two LLM engines: the same behaviour for chat templates, scoring, streaming, stops, seeds and limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fmkit.catalog import ModelCard
from fmkit.errors import ConfigError, DataError, ModelNotAvailableError
from fmkit.llm.hf import TransformersRuntime
from fmkit.llm.runtime import GenerationSettings, fit_text, generate, open_runtime

MESSAGES: Any = [
    {"role": "system", "content": "Is this message about shipping, billing or technical? Answer with one word."},
    {"role": "user", "content": "the parcel never arrived"},
]


def _card(directory: Path) -> ModelCard:
    return ModelCard(id="tiny", family="decoder", source="local", location=str(directory))


@pytest.fixture(scope="module", params=["llama", "qwen2", "gemma", "gpt2"])
def tiny(request: pytest.FixtureRequest, tiny_llms: dict[str, Path]) -> TransformersRuntime:
    runtime = open_runtime(_card(tiny_llms[request.param]), tiny_llms[request.param])
    assert isinstance(runtime, TransformersRuntime)
    return runtime


def test_chat_uses_the_models_template_or_a_plain_layout(tiny: TransformersRuntime) -> None:
    prompt = tiny.chat(MESSAGES)
    if tiny.tokenizer.chat_template:
        assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_start|>assistant\n")
        assert tiny.tokenize("<|im_end|>") == [tiny.tokenizer.convert_tokens_to_ids("<|im_end|>")]
    else:
        assert prompt == f"{MESSAGES[0]['content']}\n\nUser: the parcel never arrived\nAssistant:"


def test_continuation_scores_are_the_models_log_probabilities(tiny: TransformersRuntime) -> None:
    import torch

    prompt = tiny.chat(MESSAGES)
    continuations = [tiny.tokenize(" refund"), tiny.tokenize(" tracking shows nothing"), tiny.tokenize("x")]
    scores = tiny.continuation_logprobs(prompt[:20], prompt[20:], continuations)
    tokens = tiny.prompt_tokens(prompt[:20]) + tiny.tokenize(prompt[20:])  # the prefix is tokenized apart
    for score, continuation in zip(scores, continuations, strict=True):
        ids = torch.tensor([tokens + continuation])
        with torch.inference_mode():
            log_p = torch.log_softmax(tiny.model(ids).logits[0].double(), dim=-1)
        expected = sum(float(log_p[len(tokens) - 1 + j, t]) for j, t in enumerate(continuation))
        assert score == pytest.approx(expected, abs=1e-5)  # padded batch vs alone
    assert scores[1] < 0 and len(set(np.round(scores, 6))) == 3


def test_streaming_stops_seeds_and_token_limits(tiny: TransformersRuntime) -> None:
    prompt = tiny.chat(MESSAGES)
    greedy = GenerationSettings(max_tokens=12)
    pieces = list(tiny.stream(prompt, greedy))
    text = "".join(pieces)
    assert text == generate(tiny, prompt, greedy)  # greedy is deterministic
    assert len(pieces) <= 13  # at most a piece per token, and the held-back rest
    if len(text) > 3:  # stop before a string the model is known to produce
        stop = text[2:4]
        assert generate(tiny, prompt, GenerationSettings(max_tokens=12, stop=(stop,))) == text[: text.index(stop)]
    sampled = GenerationSettings(max_tokens=12, temperature=1.0, seed=7)
    assert generate(tiny, prompt, sampled) == generate(tiny, prompt, sampled)
    others = {generate(tiny, prompt, GenerationSettings(max_tokens=12, temperature=1.5, seed=s)) for s in range(4)}
    assert len(others) > 1  # the seed matters when sampling


def test_llama_cpp_scores_do_not_depend_on_what_was_scored_before(smollm2: Any) -> None:
    prompt = smollm2.chat(MESSAGES)
    cut = prompt.index("the parcel")
    labels = [smollm2.tokenize(w + "<|im_end|>") for w in ("shipping", "billing", "technical")]
    first = smollm2.continuation_logprobs(prompt[:cut], prompt[cut:], labels)
    smollm2.continuation_logprobs(prompt[:cut], "I was charged twice<|im_end|>\n", labels)
    generate(smollm2, prompt, GenerationSettings(max_tokens=5))
    again = smollm2.continuation_logprobs(prompt[:cut], prompt[cut:], labels)
    np.testing.assert_array_equal(first, again)
    assert np.isfinite(first).all() and (first < 0).all() and len(set(first)) == 3


def test_llama_cpp_generates_streams_and_stops(smollm2: Any) -> None:
    prompt = smollm2.chat([{"role": "user", "content": "Name three colours."}])
    settings = GenerationSettings(max_tokens=24)
    pieces = list(smollm2.stream(prompt, settings))
    text = "".join(pieces)
    assert len(pieces) > 3 and text.strip()
    assert text == generate(smollm2, prompt, settings)
    word = text.split()[1]
    stopped = generate(smollm2, prompt, GenerationSettings(max_tokens=24, stop=(word,)))
    assert stopped == text[: text.index(word)]
    sampled = GenerationSettings(max_tokens=24, temperature=0.9, seed=3)
    assert generate(smollm2, prompt, sampled) == generate(smollm2, prompt, sampled)


def test_engines_agree_on_the_bundled_model(smollm2: Any, smollm2_card: ModelCard) -> None:
    """The GGUF dequantized into transformers scores labels like llama.cpp does (same weights, other kernels)."""
    from fmkit.catalog import resolve

    hf = open_runtime(smollm2_card, resolve(smollm2_card), engine="transformers")
    prompt = hf.chat(MESSAGES)
    assert prompt == smollm2.chat(MESSAGES)
    labels = [hf.tokenize(w + "<|im_end|>") for w in ("shipping", "billing", "technical")]
    assert labels == [smollm2.tokenize(w + "<|im_end|>") for w in ("shipping", "billing", "technical")]
    a, b = hf.continuation_logprobs("", prompt, labels), smollm2.continuation_logprobs("", prompt, labels)
    np.testing.assert_allclose(a - a.max(), b - b.max(), atol=0.75)  # llama.cpp also quantizes activations
    assert a.argmax() == b.argmax()


def test_prompt_errors_are_clear(smollm2: Any, tiny: TransformersRuntime) -> None:
    for runtime in (smollm2, tiny):
        with pytest.raises(DataError, match="prompt is empty"):
            generate(runtime, "", GenerationSettings())
        long = "the parcel never arrived " * (runtime.n_ctx // 2)
        with pytest.raises(DataError, match=r"context window holds \d+; shorten the prompt"):
            generate(runtime, long, GenerationSettings(max_tokens=8))
        with pytest.raises(DataError, match="choose overflow='truncate'"):
            fit_text(runtime, long, 50, "error")
        cut = fit_text(runtime, long, 50, "truncate")
        assert len(runtime.tokenize(cut)) <= 51 and long.startswith(cut.strip()[:20])


def test_bad_settings_and_models_are_rejected(tiny_llms: dict[str, Path], tmp_path: Path) -> None:
    assert len(GenerationSettings(max_tokens=0, temperature=-1, top_p=0, stop=("",)).problems()) == 4
    encoder = ModelCard(id="enc", family="encoder", source="local", location=str(tmp_path))
    with pytest.raises(ConfigError, match="needs a decoder LLM"):
        open_runtime(encoder, tmp_path)
    with pytest.raises(ConfigError, match="runs GGUF files"):
        open_runtime(_card(tiny_llms["llama"]), tiny_llms["llama"], engine="llama.cpp")
    with pytest.raises(ConfigError, match="engine must be one of"):
        open_runtime(_card(tiny_llms["llama"]), tiny_llms["llama"], engine="vllm")  # type: ignore[arg-type]
    corrupt = tmp_path / "broken.gguf"
    corrupt.write_bytes(b"GGUF" + b"\x00" * 64)
    card = ModelCard(id="broken", family="decoder", source="gguf", location=str(corrupt))
    with pytest.raises(ModelNotAvailableError, match="is it a valid GGUF file"):
        open_runtime(card, corrupt)

"""Encoder-decoder models (T5, BART) on the transformers engine: generation, scoring, methods and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fmkit
from fmkit.catalog import ModelCard
from fmkit.data import LabeledTexts
from fmkit.errors import ConfigError, DataError
from fmkit.llm.runtime import GenerationSettings, generate, open_runtime
from fmkit.llm.seq2seq import Seq2SeqRuntime


def _card(directory: Path) -> ModelCard:
    return ModelCard(id="tiny", family="encoder-decoder", source="local", location=str(directory))


@pytest.fixture(scope="module", params=["t5", "bart"])
def tiny(request: pytest.FixtureRequest, tiny_seq2seq: dict[str, Path]) -> Seq2SeqRuntime:
    runtime = open_runtime(_card(tiny_seq2seq[request.param]), tiny_seq2seq[request.param])
    assert isinstance(runtime, Seq2SeqRuntime)
    return runtime


def test_greedy_generation_matches_transformers_generate(tiny: Seq2SeqRuntime) -> None:
    import torch

    prompt = "the parcel never arrived and tracking shows nothing"
    ours = generate(tiny, prompt, GenerationSettings(max_tokens=12))
    ids = torch.tensor([tiny.prompt_tokens(prompt)])
    with torch.inference_mode():
        reference = tiny.model.generate(ids, max_new_tokens=12, do_sample=False, num_beams=1)
    assert ours == tiny.tokenizer.decode(reference[0], skip_special_tokens=True)
    pieces = list(tiny.stream(prompt, GenerationSettings(max_tokens=12)))
    assert "".join(pieces) == ours


def test_continuation_scores_are_the_decoders_log_probabilities(tiny: Seq2SeqRuntime) -> None:
    import torch

    continuations = [tiny.tokenize(" refund"), tiny.tokenize(" tracking shows nothing"), tiny.tokenize("x")]
    scores = tiny.continuation_logprobs("Text: I was charged twice", "\nAnswer:", continuations)
    encoder_input = torch.tensor([tiny.prompt_tokens("Text: I was charged twice\nAnswer:")])
    for score, continuation in zip(scores, continuations, strict=True):
        decoder_input = torch.tensor([[tiny.start_id, *continuation]])
        with torch.inference_mode():
            logits = tiny.model(input_ids=encoder_input, decoder_input_ids=decoder_input).logits[0].double()
        expected = sum(float(torch.log_softmax(logits[i], -1)[t]) for i, t in enumerate(continuation))
        assert score == pytest.approx(expected, abs=1e-6)
    assert scores.shape == (3,) and np.all(scores < 0)


def test_an_input_over_the_encoders_limit_is_a_clear_error(tiny: Seq2SeqRuntime) -> None:
    with pytest.raises(DataError, match="the context window holds"):
        generate(tiny, "refund " * (tiny.n_ctx + 10), GenerationSettings(max_tokens=4))
    with pytest.raises(DataError, match="the prompt is empty"):
        generate(tiny, "", GenerationSettings(max_tokens=4))


def test_llama_cpp_is_refused_for_an_encoder_decoder(tiny_seq2seq: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="is an encoder-decoder: use 'transformers'"):
        open_runtime(_card(tiny_seq2seq["t5"]), tiny_seq2seq["t5"], engine="llama.cpp")


def test_llm_zero_shot_classifies_with_a_t5_and_reloads(
    tiny_seq2seq: dict[str, Path], few_tickets: LabeledTexts, tmp_path: Path
) -> None:
    model = fmkit.adapt(few_tickets, model=str(tiny_seq2seq["t5"]), method="llm-zero-shot", out=tmp_path / "t5")
    assert model.manifest["base_model"]["family"] == "encoder-decoder"
    texts = list(few_tickets.texts[:4])
    proba = model.predict_proba(texts)
    assert proba.shape == (4, len(few_tickets.classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(fmkit.load(tmp_path / "t5").predict_proba(texts), proba, atol=1e-6)


def test_generation_tasks_run_on_bart_and_sft_says_it_tunes_decoders(tiny_seq2seq: dict[str, Path]) -> None:
    from fmkit.generation.api import adapt_generator, evaluate_generator
    from fmkit.generation.pairs import TextPairs

    pairs = TextPairs(("the parcel never arrived", "the app crashes"), ("lost parcel", "app crash"), "<memory>")
    model = adapt_generator(pairs, task="summarize", model=str(tiny_seq2seq["bart"]), config={"gen_max_tokens": 8})
    scored = evaluate_generator(model, pairs)
    assert scored["n"] == 2 and 0 <= scored["rougeL"] <= 100
    with pytest.raises(ConfigError, match="llm-sft tunes decoder LLMs"):
        adapt_generator(pairs, task="summarize", model=str(tiny_seq2seq["bart"]), method="llm-sft")

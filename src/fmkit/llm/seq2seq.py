"""The transformers engine for encoder-decoder models (T5, Flan-T5, BART, ...).

The encoder reads the whole prompt once; generation and scoring run on the decoder, from the model's decoder
start token. The prompt budget is the encoder's input limit and the answer has its own, so a long input does
not shorten the answer. These models have no chat template: messages are joined in the plain layout. There
is no GGUF path and no LoRA SFT for them yet (``llm-sft`` tunes decoder LLMs).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.llm.hf import TransformersRuntime, decode_stream, pad_rows
from fmkit.llm.runtime import GenerationSettings, check_prompt

DEFAULT_INPUT = 512  # T5's training length, when neither the config nor the tokenizer gives one


def load_seq2seq(path: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the encoder-decoder HF directory ``path``."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from fmkit.errors import ModelNotAvailableError

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModelForSeq2SeqLM.from_pretrained(str(path), dtype="float32")
    except (OSError, ValueError, KeyError) as exc:
        raise ModelNotAvailableError(f"transformers cannot load an encoder-decoder model from {path} ({exc})") from None
    model.eval()
    return model, tokenizer


def input_limit(model: Any, tokenizer: Any) -> int:
    """Tokens the encoder reads at most: the position table's size, else the tokenizer's limit."""
    config = model.config
    for value in (getattr(config, "max_position_embeddings", None), getattr(config, "n_positions", None)):
        if value:
            return int(value)
    limit = getattr(tokenizer, "model_max_length", None)
    return int(limit) if limit and limit < 1_000_000 else DEFAULT_INPUT


class Seq2SeqRuntime(TransformersRuntime):
    engine = "transformers"

    def __init__(self, path: Path, n_ctx: int | None = None) -> None:
        model, tokenizer = load_seq2seq(path)
        super().__init__(path, n_ctx, model, tokenizer)
        limit = input_limit(model, tokenizer)
        self.n_ctx = min(n_ctx or limit, limit)
        start = model.generation_config.decoder_start_token_id if model.generation_config is not None else None
        start = start if start is not None else model.config.decoder_start_token_id
        if start is None:
            from fmkit.errors import ModelNotAvailableError

            raise ModelNotAvailableError(f"{path}: the model's config has no decoder_start_token_id to generate from")
        self.start_id = int(start)

    def _encode(self, prompt: str) -> Any:
        """The encoder's reading of ``prompt`` (which must fit the encoder's input limit)."""
        import torch

        tokens = self.prompt_tokens(prompt)
        check_prompt(len(self.tokenize(prompt)), 0, self.n_ctx)
        with torch.inference_mode():
            return self.model.get_encoder()(input_ids=torch.tensor([tokens]))

    def stream(self, prompt: str, settings: GenerationSettings) -> Iterator[str]:
        import torch

        encoded = self._encode(prompt)

        def step(ids: Any, past: Any) -> tuple[Any, Any]:
            out = self.model(encoder_outputs=encoded, decoder_input_ids=ids, past_key_values=past, use_cache=True)
            return out.logits[0, -1], out.past_key_values

        yield from decode_stream(step, torch.tensor([[self.start_id]]), self.tokenizer, self.stop_ids, settings)

    def continuation_logprobs(
        self, prefix: str, suffix: str, continuations: Sequence[Sequence[int]]
    ) -> NDArray[np.float64]:
        """log P(continuation | the encoder read prefix + suffix), the decoder starting from its start token."""
        import torch
        from transformers.modeling_outputs import BaseModelOutput

        encoded = self._encode(prefix + suffix)
        if not continuations:
            return np.empty(0, np.float64)
        ids, mask = pad_rows([[self.start_id, *c] for c in continuations])
        states = BaseModelOutput(last_hidden_state=encoded.last_hidden_state.expand(len(ids), -1, -1))
        with torch.inference_mode():
            logits = self.model(encoder_outputs=states, decoder_input_ids=ids, decoder_attention_mask=mask).logits
        log_p = torch.log_softmax(logits.double(), dim=-1)
        out = np.empty(len(continuations), np.float64)
        for i, continuation in enumerate(continuations):
            positions = torch.arange(0, len(continuation))
            out[i] = float(log_p[i, positions, torch.tensor(list(continuation), dtype=torch.long)].sum())
        return out

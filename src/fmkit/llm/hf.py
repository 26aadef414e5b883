"""The transformers engine: HF-format causal LMs (Llama, Qwen, Gemma, GPT-2, ...) and GGUF files dequantized.

Slower than llama.cpp on CPU, but it is the engine that trains (LoRA) and that runs any architecture
transformers knows. Generation is a plain token loop over the KV cache so that stop sequences, seeds and
streaming behave exactly as in the llama.cpp engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.llm import chat
from fmkit.llm.runtime import GenerationSettings, Message, check_prompt

DEFAULT_CTX = 4096


def load_causal_lm(path: Path) -> tuple[Any, Any]:
    """(model, tokenizer) from an HF directory or a GGUF file (dequantized to float32)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from fmkit.errors import ModelNotAvailableError

    where, gguf = (path.parent, {"gguf_file": path.name}) if path.suffix == ".gguf" else (path, {})
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(where), **gguf)
        model = AutoModelForCausalLM.from_pretrained(str(where), dtype="float32", **gguf)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelNotAvailableError(f"transformers cannot load a causal LM from {path} ({exc})") from None
    if gguf:
        _as_dense(model)
    model.eval()
    return model, tokenizer


def _as_dense(model: Any) -> None:
    """A GGUF loaded with its weights unpacked is a plain float model: drop the GGUF quantizer that transformers
    leaves attached, which would refuse ``save_pretrained`` and write a quantization config into ``config.json``."""
    import torch

    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is None or getattr(quantizer, "packed_modules", None):
        return  # nothing attached, or weights kept in GGUF blocks: leave them as they are
    if any(not isinstance(p, torch.nn.Parameter) or p.dtype != torch.float32 for p in model.parameters()):
        return
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


class TransformersRuntime:
    engine = "transformers"

    def __init__(self, path: Path, n_ctx: int | None = None, model: Any = None, tokenizer: Any = None) -> None:
        if model is None or tokenizer is None:
            model, tokenizer = load_causal_lm(path)
        self.model, self.tokenizer, self.path = model, tokenizer, path
        limit = int(getattr(model.config, "max_position_embeddings", DEFAULT_CTX) or DEFAULT_CTX)
        self.n_ctx: int = min(n_ctx or DEFAULT_CTX, limit)
        eos = model.generation_config.eos_token_id if model.generation_config is not None else None
        eos_ids = eos if isinstance(eos, list) else [eos]
        self.stop_ids = {int(t) for t in [*eos_ids, tokenizer.eos_token_id] if t is not None}

    def tokenize(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def detokenize(self, tokens: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(tokens), skip_special_tokens=False))

    def chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return str(
                self.tokenizer.apply_chat_template(
                    list(messages), tokenize=False, add_generation_prompt=add_generation_prompt
                )
            )
        return chat.render(None, messages, add_generation_prompt=add_generation_prompt)

    def prompt_tokens(self, prompt: str) -> list[int]:
        """Tokens of a whole prompt as the model reads it: BOS once when the model uses one."""
        tokens = list(self.tokenizer(prompt, add_special_tokens=True)["input_ids"])
        bos = self.tokenizer.bos_token_id
        if len(tokens) > 1 and bos is not None and tokens[0] == bos and tokens[1] == bos:
            tokens = tokens[1:]
        return tokens

    def stream(self, prompt: str, settings: GenerationSettings) -> Iterator[str]:
        import torch

        tokens = self.prompt_tokens(prompt)
        check_prompt(len(self.tokenize(prompt)), settings.max_tokens, self.n_ctx)

        def step(ids: Any, past: Any) -> tuple[Any, Any]:
            out = self.model(input_ids=ids, past_key_values=past, use_cache=True)
            return out.logits[0, -1], out.past_key_values

        yield from decode_stream(step, torch.tensor([tokens]), self.tokenizer, self.stop_ids, settings)

    def continuation_logprobs(
        self, prefix: str, suffix: str, continuations: Sequence[Sequence[int]]
    ) -> NDArray[np.float64]:
        import torch

        prompt = self.prompt_tokens(prefix) + self.tokenize(suffix) if prefix else self.prompt_tokens(suffix)
        longest = max((len(c) for c in continuations), default=0)
        check_prompt(len(prompt), longest, self.n_ctx)
        if not continuations:
            return np.empty(0, np.float64)
        ids, mask = pad_rows([prompt + list(c) for c in continuations])
        with torch.inference_mode():
            log_p = torch.log_softmax(self.model(input_ids=ids, attention_mask=mask).logits.double(), dim=-1)
        out = np.empty(len(continuations), np.float64)
        for i, continuation in enumerate(continuations):
            positions = torch.arange(len(prompt) - 1, len(prompt) - 1 + len(continuation))
            out[i] = float(log_p[i, positions, torch.tensor(list(continuation))].sum())
        return out


def pad_rows(rows: Sequence[Sequence[int]]) -> tuple[Any, Any]:
    """Token rows right-padded into ``input_ids`` and ``attention_mask`` tensors [rows, longest]."""
    import torch

    ids = torch.zeros((len(rows), max(len(r) for r in rows)), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(list(row))
        mask[i, : len(row)] = 1
    return ids, mask


def decode_stream(
    step: Callable[[Any, Any], tuple[Any, Any]],
    first: Any,
    tokenizer: Any,
    stop_ids: set[int],
    settings: GenerationSettings,
) -> Iterator[str]:
    """The token loop both transformers runtimes share: ``step(ids, past)`` gives the next-token logits and the
    new cache; text is yielded piece by piece, held back while it may be the start of a stop sequence."""
    import torch

    generator = torch.Generator().manual_seed(settings.seed)
    ids, past, generated, sent = first, None, list[int](), 0
    with torch.inference_mode():
        for _ in range(settings.max_tokens):
            logits, past = step(ids, past)
            token = _pick(logits, settings, generator)
            if token in stop_ids:
                break
            generated.append(token)
            text = tokenizer.decode(generated, skip_special_tokens=True)
            cut = min((i for i in (text.find(s) for s in settings.stop) if i >= 0), default=-1)
            if cut >= 0:
                if cut > sent:
                    yield text[sent:cut]
                return
            ready = len(text) - _partial_stop(text, settings.stop)
            while ready > sent and text[ready - 1] == "\ufffd":  # half a UTF-8 character: wait for the rest
                ready -= 1
            if ready > sent:
                yield text[sent:ready]
                sent = ready
            ids = torch.tensor([[token]])
    text = tokenizer.decode(generated, skip_special_tokens=True)
    if len(text) > sent:
        yield text[sent:]


def _partial_stop(text: str, stops: Sequence[str]) -> int:
    """Length of the longest end of ``text`` that starts a stop sequence (held back until it is decided)."""
    return max((n for stop in stops for n in range(1, len(stop)) if text.endswith(stop[:n])), default=0)


def _pick(logits: Any, settings: GenerationSettings, generator: Any) -> int:
    """Greedy at temperature 0; otherwise nucleus sampling with ``generator``."""
    import torch

    if settings.temperature == 0:
        return int(logits.argmax())
    probs = torch.softmax(logits.double() / settings.temperature, dim=-1)
    if settings.top_p < 1:
        ordered, index = probs.sort(descending=True)
        drop = ordered.cumsum(0) - ordered > settings.top_p
        ordered[drop] = 0
        probs = torch.zeros_like(probs).scatter(0, index, ordered)
    return int(torch.multinomial(probs / probs.sum(), 1, generator=generator))

"""The llama.cpp engine (``llama-cpp-python``): GGUF models on CPU, the fast path.

Generation can be constrained to JSON matching a JSON Schema: llama-cpp-python compiles the schema to a
GBNF grammar and the sampler only ever picks tokens the grammar allows (``stream_json``).

Scoring reuses the KV cache: a prompt comes as a shared prefix (instruction, fixed demonstrations) and a
suffix (the query); the prefix is evaluated once for a whole dataset, the suffix once per query, and each
continuation token by token on top of them, rolled back before the next. Generation starts from a cleared
cache, so the same prompt and settings give the same text whatever ran before.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.errors import ConfigError
from fmkit.llm import chat
from fmkit.llm.runtime import GenerationSettings, Message, check_prompt

DEFAULT_CTX = 4096  # context window when the caller does not choose one (the model's own may be larger)


class LlamaCppRuntime:
    engine = "llama.cpp"

    def __init__(self, path: Path, n_ctx: int | None = None, threads: int | None = None) -> None:
        from fmkit.errors import ModelNotAvailableError

        threads = threads or len(os.sched_getaffinity(0))
        try:
            self.llm = _open(path, n_ctx or 0, threads)  # 0: the model's own window, capped below
        except (ValueError, RuntimeError) as exc:
            raise ModelNotAvailableError(f"llama.cpp cannot load {path} ({exc}); is it a valid GGUF file?") from None
        if n_ctx is None and self.llm.n_ctx() > DEFAULT_CTX:
            self.llm.close()
            self.llm = _open(path, DEFAULT_CTX, threads)
        self.n_ctx: int = self.llm.n_ctx()
        self._prefix_logits: NDArray[np.float32] | None = None
        self.path = path
        metadata: dict[str, str] = self.llm.metadata
        self.template = metadata.get("tokenizer.chat_template")
        model = self.llm._model  # the token texts are only on the low-level model
        self.bos_text = model.token_get_text(self.llm.token_bos()) if self.llm.token_bos() >= 0 else ""
        self.eos_text = model.token_get_text(self.llm.token_eos()) if self.llm.token_eos() >= 0 else ""

    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return bytes(self.llm.detokenize(list(tokens))).decode("utf-8", errors="ignore")

    def chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        return chat.render(self.template, messages, self.bos_text, self.eos_text, add_generation_prompt)

    def _prompt_tokens(self, prompt: str) -> list[int]:
        """The prompt's tokens with BOS when the model wants one and the prompt does not already start with it."""
        tokens = list(self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))
        bos = self.llm.token_bos()
        if len(tokens) > 1 and tokens[0] == bos and tokens[1] == bos:
            tokens = tokens[1:]
        return tokens

    def stream(self, prompt: str, settings: GenerationSettings) -> Iterator[str]:
        yield from self._stream(prompt, settings, grammar=None)

    def stream_json(self, prompt: str, settings: GenerationSettings, schema: Mapping[str, Any]) -> Iterator[str]:
        """Like ``stream``, but every piece keeps the text a prefix of JSON that matches ``schema``'s structure."""
        yield from self._stream(prompt, settings, grammar=json_grammar(schema))

    def _stream(self, prompt: str, settings: GenerationSettings, grammar: Any) -> Iterator[str]:
        tokens = self._prompt_tokens(prompt)
        check_prompt(len(self.tokenize(prompt)), settings.max_tokens, self.n_ctx)
        # Evaluate the whole prompt afresh: llama-cpp-python would reuse the cached tokens it shares with the last
        # call and re-evaluate only its last token alone, whose logits differ from the batched ones in the last
        # digits, enough to flip a greedy near-tie. The same prompt and settings must give the same text
        # whatever ran before. Cost: the prompt is evaluated on every call, even when it repeats (see the
        # LLM throughput benchmark).
        self.llm.reset()
        self._prefix_logits = None  # generation overwrites the cache
        chunks: Any = self.llm.create_completion(
            tokens,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            top_p=settings.top_p,
            top_k=0 if settings.temperature > 0 else 1,
            min_p=0.0,
            repeat_penalty=1.0,
            seed=settings.seed,
            stop=list(settings.stop) + ([self.eos_text] if self.eos_text else []),
            stream=True,
            grammar=grammar,
        )
        for chunk in chunks:
            piece = str(chunk["choices"][0]["text"])
            if piece:
                yield piece

    def continuation_logprobs(
        self, prefix: str, suffix: str, continuations: Sequence[Sequence[int]]
    ) -> NDArray[np.float64]:
        if prefix:
            prefix_tokens, suffix_tokens = self._prompt_tokens(prefix), self.tokenize(suffix)
        else:
            whole = self._prompt_tokens(suffix)
            prefix_tokens, suffix_tokens = whole[:1], whole[1:]
        n_prompt = len(prefix_tokens) + len(suffix_tokens)
        check_prompt(n_prompt, max((len(c) for c in continuations), default=0), self.n_ctx)
        base = self._eval_prefix(prefix_tokens)
        if suffix_tokens:
            self.llm.n_tokens = len(prefix_tokens)
            self.llm.eval(suffix_tokens)
            base = self._last_logits()
        first = _log_softmax(base)  # the same for every continuation's first token
        out = np.empty(len(continuations), np.float64)
        for i, continuation in enumerate(continuations):
            log_p, total = first, 0.0
            for j, token in enumerate(continuation):
                total += float(log_p[token])
                if j + 1 < len(continuation):
                    self.llm.n_tokens = n_prompt + j  # drop what the previous continuation left behind
                    self.llm.eval([token])
                    log_p = _log_softmax(self._last_logits())
            out[i] = total
        return out

    def _eval_prefix(self, tokens: list[int]) -> NDArray[np.float32]:
        """The prefix's last logits, evaluating it only when the cache does not already hold it.

        The prefix and the suffix are always evaluated as separate batches, so a score never depends on
        what was scored before (llama.cpp's one-token and batched kernels differ in the last digits).
        """
        cached = self.llm.input_ids[: min(self.llm.n_tokens, len(tokens))]
        if self._prefix_logits is None or len(cached) != len(tokens) or list(cached) != tokens:
            self.llm.reset()
            self.llm.eval(tokens)
            self._prefix_logits = self._last_logits()
        return self._prefix_logits

    def _last_logits(self) -> NDArray[np.float32]:
        pointer = self.llm._ctx.get_logits()  # the last evaluated token's logits (logits_all=False)
        return np.ctypeslib.as_array(pointer, shape=(self.llm.n_vocab(),)).copy()


def json_grammar(schema: Mapping[str, Any]) -> Any:
    """A ``llama_cpp.LlamaGrammar`` that only accepts JSON of ``schema``'s structure (keys, types, enums)."""
    from llama_cpp import LlamaGrammar

    try:
        return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except (AssertionError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ConfigError(
            f"llama.cpp's JSON-schema-to-grammar converter cannot handle this schema ({exc}); "
            "simplify that part of the schema"
        ) from None


def _open(path: Path, n_ctx: int, threads: int) -> Any:
    from llama_cpp import Llama

    return Llama(
        model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, logits_all=False, verbose=False
    )


def _log_softmax(logits: NDArray[np.float32]) -> NDArray[np.float64]:
    from scipy.special import log_softmax

    result: NDArray[np.float64] = log_softmax(logits.astype(np.float64))
    return result

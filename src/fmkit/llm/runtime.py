"""The LLM runtime protocol: one interface over llama.cpp (GGUF) and transformers (HF format).

A runtime turns text into tokens, renders chat messages with the model's own template, generates (streamed
piece by piece, with stop sequences, a seed and a token limit) and scores continuations: the summed
log-probability of given token sequences after a prompt, which is how fmkit classifies with an LLM without
parsing free text. ``open_runtime`` picks the engine: llama.cpp for GGUF files (the fast CPU path),
transformers for HF directories, or transformers on a GGUF (dequantized, trainable) when asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypedDict

import numpy as np
from numpy.typing import NDArray

from fmkit.catalog.cards import GENERATIVE, ModelCard
from fmkit.errors import ConfigError, DataError

Engine = Literal["auto", "llama.cpp", "transformers"]
ENGINES: tuple[str, ...] = ("auto", "llama.cpp", "transformers")
Overflow = Literal["error", "truncate"]


class Message(TypedDict):
    role: str  #: "system", "user" or "assistant"
    content: str


@dataclass(frozen=True)
class GenerationSettings:
    """How to generate: validated at the edge (``problems``), shared by both engines."""

    max_tokens: int = 256  #: new tokens at most
    temperature: float = 0.0  #: 0 = greedy (deterministic)
    top_p: float = 1.0
    seed: int = 0  #: sampling seed (only matters when temperature > 0)
    stop: tuple[str, ...] = ()  #: stop before the first of these strings; the model's end-of-turn always stops

    def problems(self) -> list[str]:
        out = []
        if self.max_tokens < 1:
            out.append(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.temperature < 0:
            out.append(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            out.append(f"top_p must be in (0, 1], got {self.top_p}")
        if any(not s for s in self.stop):
            out.append("stop sequences must not be empty strings")
        return out


class Runtime(Protocol):
    """What every LLM engine offers. Prompts are raw text (render chat messages with ``chat``)."""

    engine: str
    n_ctx: int  #: the context window in tokens

    def tokenize(self, text: str) -> list[int]:
        """Tokens of ``text`` as it appears inside a prompt (chat markup parsed as special tokens; no BOS)."""
        ...

    def detokenize(self, tokens: Sequence[int]) -> str: ...

    def chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        """``messages`` rendered with the model's chat template (a plain layout when it has none)."""
        ...

    def stream(self, prompt: str, settings: GenerationSettings) -> Iterator[str]:
        """Generated text, piece by piece; stops at a stop sequence, end of turn or ``max_tokens``."""
        ...

    def continuation_logprobs(
        self, prefix: str, suffix: str, continuations: Sequence[Sequence[int]]
    ) -> NDArray[np.float64]:
        """log P(continuation | prefix + suffix) summed over its tokens, for each continuation.

        ``prefix`` is the part shared by many calls (an engine may keep it cached); ``suffix`` changes.
        """
        ...


def generate(runtime: Runtime, prompt: str, settings: GenerationSettings) -> str:
    """The whole generated text (``Runtime.stream`` joined)."""
    return "".join(runtime.stream(prompt, settings))


def open_runtime(card: ModelCard, base_dir: Path, engine: Engine = "auto", n_ctx: int | None = None) -> Runtime:
    """A runtime for the decoder or encoder-decoder ``card`` whose files are at ``base_dir`` (from
    ``fmkit.catalog.resolve``)."""
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if card.family not in GENERATIVE:
        raise ConfigError(
            f"model {card.id!r} has family {card.family!r}; text generation needs a decoder LLM"
            " or an encoder-decoder (T5...)"
        )
    if card.family == "encoder-decoder":
        if engine == "llama.cpp":
            raise ConfigError(
                f"engine 'llama.cpp' runs GGUF decoder LLMs; {card.id!r} is an encoder-decoder: use 'transformers'"
            )
        from fmkit.llm.seq2seq import Seq2SeqRuntime

        return Seq2SeqRuntime(base_dir, n_ctx=n_ctx)
    gguf = gguf_path(card, base_dir)
    if engine == "llama.cpp" and gguf is None:
        raise ConfigError(f"engine 'llama.cpp' runs GGUF files; {card.id!r} is in HF format: use engine 'transformers'")
    if gguf is not None and engine in ("auto", "llama.cpp"):
        from fmkit.llm.llamacpp import LlamaCppRuntime

        return LlamaCppRuntime(gguf, n_ctx=n_ctx)
    from fmkit.llm.hf import TransformersRuntime

    return TransformersRuntime(base_dir if gguf is None else gguf, n_ctx=n_ctx)


def gguf_path(card: ModelCard, base_dir: Path) -> Path | None:
    """The GGUF file of ``card``, or None for an HF-format model."""
    if card.gguf_file:
        return base_dir / card.gguf_file
    if base_dir.is_file() and base_dir.suffix == ".gguf":
        return base_dir
    return None


def check_prompt(n_prompt: int, max_tokens: int, n_ctx: int) -> None:
    """A clear error for an empty prompt or one that leaves no room for ``max_tokens`` in the context."""
    if n_prompt == 0:
        raise DataError("the prompt is empty; pass some text to generate from")
    if n_prompt + max_tokens > n_ctx:
        raise DataError(
            f"the prompt is {n_prompt} tokens and max_tokens is {max_tokens}, but the context window holds "
            f"{n_ctx}; shorten the prompt, lower max_tokens or let fmkit truncate the input (overflow='truncate')"
        )


def fit_text(runtime: Runtime, text: str, budget: int, overflow: Overflow, what: str = "text") -> str:
    """``text`` if it has at most ``budget`` tokens; else its first ``budget`` tokens or an error."""
    tokens = runtime.tokenize(text)
    if len(tokens) <= budget:
        return text
    if overflow == "error" or budget <= 0:
        raise DataError(
            f"the {what} is {len(tokens)} tokens but only {max(budget, 0)} fit in the {runtime.n_ctx}-token context "
            "window with the rest of the prompt; shorten it or choose overflow='truncate'"
        )
    return runtime.detokenize(tokens[:budget])

"""A prompted generator: an instruction, optional demonstrations, the model's chat template, fixed settings.

This is what ``llm-instruct`` fits (it only chooses the demonstrations) and what ``llm-sft`` wraps around its
tuned weights, so both are used and evaluated the same way. Inputs longer than the context allows are cut
to fit (``gen_overflow='truncate'``, the default, keeps their start) or refused (``'error'``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fmkit._progress import track
from fmkit.errors import ConfigError
from fmkit.llm.runtime import ENGINES, GenerationSettings, Message, Runtime, fit_text

TASKS: dict[str, str] = {  # task -> default instruction ("" = the input is the instruction)
    "summarize": "Summarize this dialogue in one or two sentences.",
    "instruct": "",
}
STATE = "generator.json"


@dataclass(frozen=True)
class GenerationConfig:
    """Options of the generation methods (``fmkit adapt --task summarize --set gen_shots=2``)."""

    gen_instruction: str | None = None  #: put before each input; None = the task's default
    gen_shots: int = 0  #: demonstrations from the training pairs, as earlier chat turns
    gen_demo_max_chars: int = 1200  #: only pairs with inputs this short are used as demonstrations
    gen_max_tokens: int = 96  #: new tokens per output at most
    gen_temperature: float = 0.0  #: 0 = greedy
    gen_engine: str = "auto"  #: auto | llama.cpp | transformers
    gen_n_ctx: int | None = None  #: context window in tokens (default: the model's, <= 4096)
    gen_overflow: str = "truncate"  #: an input too long for the context: truncate | error

    def problems(self) -> list[str]:
        out = []
        if self.gen_shots < 0:
            out.append(f"gen_shots must be >= 0, got {self.gen_shots}")
        if self.gen_engine not in ENGINES:
            out.append(f"gen_engine must be one of {', '.join(ENGINES)}, got {self.gen_engine!r}")
        if self.gen_overflow not in ("truncate", "error"):
            out.append(f"gen_overflow must be truncate or error, got {self.gen_overflow!r}")
        if self.gen_n_ctx is not None and self.gen_n_ctx < 128:
            out.append(f"gen_n_ctx must be >= 128 tokens, got {self.gen_n_ctx}")
        out += [f"gen_{p}" for p in self.settings().problems()]
        return out

    def settings(self) -> GenerationSettings:
        return GenerationSettings(max_tokens=self.gen_max_tokens, temperature=self.gen_temperature)


class Generator:
    """Generates an output for each input with ``runtime``; ``demos`` are (input, target) pairs."""

    def __init__(
        self, runtime: Runtime, task: str, config: GenerationConfig, demos: Sequence[tuple[str, str]] = ()
    ) -> None:
        if task not in TASKS:
            raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
        self.runtime, self.task, self.config, self.demos = runtime, task, config, list(demos)
        self.instruction = TASKS[task] if config.gen_instruction is None else config.gen_instruction
        self.settings = config.settings()
        room = runtime.n_ctx - self.settings.max_tokens - 1
        scaffold = len(runtime.tokenize(self.render("")))
        self.budget = room - scaffold  # tokens left for the input
        if self.budget < 16:
            raise ConfigError(
                f"the prompt scaffold ({scaffold} tokens with {len(self.demos)} demonstrations) and gen_max_tokens "
                f"{self.settings.max_tokens} leave no room for the input in the {runtime.n_ctx}-token context; "
                "lower gen_shots or gen_max_tokens, or raise gen_n_ctx"
            )

    def prompt(self, text: str) -> str:
        """The full prompt for ``text``, the input cut to the context budget (or refused)."""
        if not text.strip():
            from fmkit.errors import DataError

            raise DataError("an input is empty; generation needs some text to work from")
        return self.render(fit_text(self.runtime, text, self.budget, self.config.gen_overflow, "input"))  # type: ignore[arg-type]

    def generate(self, inputs: Sequence[str]) -> list[str]:
        """One output per input (greedy unless gen_temperature > 0), stripped of surrounding whitespace."""
        from fmkit.llm.runtime import generate

        prompts = [self.prompt(text) for text in inputs]  # every input checked before the first is generated
        return [generate(self.runtime, p, self.settings).strip() for p in track(prompts, "generating")]

    def save(self, directory: Path) -> None:
        state = {"task": self.task, "config": asdict(self.config), "demos": [list(d) for d in self.demos]}
        (directory / STATE).write_text(json.dumps(state, indent=2), encoding="utf-8")

    @staticmethod
    def read_state(directory: Path) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((directory / STATE).read_text(encoding="utf-8"))
        return state

    def render(self, text: str) -> str:
        """The chat prompt for an input that already fits (demonstrations first)."""
        messages: list[Message] = []
        for demo_input, demo_target in self.demos:
            messages += [
                {"role": "user", "content": self._user(demo_input)},
                {"role": "assistant", "content": demo_target},
            ]
        messages.append({"role": "user", "content": self._user(text)})
        return self.runtime.chat(messages)

    def _user(self, text: str) -> str:
        return f"{self.instruction}\n\n{text}" if self.instruction else text

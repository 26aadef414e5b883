"""Classification with an LLM without parsing free text: score each label's verbalizer after the prompt.

Two prompt layouts:

- ``completion`` (default): the instruction, then each demonstration and finally the text as
  ``Text: ...`` / ``Answer: label`` blocks; a label's score is the log-probability of `` label`` and the
  newline that ends the answer. The bundled SmolLM2-135M-Instruct scores 77 % on SST-2 this way and 63-70 %
  in its own chat layout (200 validation sentences, zero-shot).
- ``chat``: the model's chat template: an instruction (system), demonstrations as earlier user and assistant
  turns and the text as the last user turn; a label's score is the log-probability that the assistant
  answers exactly the label and then ends its turn.

Either way " Sci" cannot win for "Sci/Tech" (the answer must end after the label) and no output needs
parsing. Scores become probabilities by a softmax over the labels, after two corrections:

- a label bias: small LLMs prefer some answers whatever the text says. By default it is measured as the
  mean probability per label over the training texts, labels unused (Zhou et al., 2024, "Batch
  Calibration"); content-free inputs ("N/A", "", "[MASK]"; Zhao et al., 2021) are the alternative. On 120
  SST-2 validation sentences with 16 training texts the batch estimate kept or raised accuracy for four
  prompts (84.2 -> 85.8-88.3 %, 60.0 -> 67.5-77.5 %) while the content-free one cost up to 32 points.
- a softmax temperature fitted on the labeled data, which changes confidence, never the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fmkit.errors import ConfigError
from fmkit.llm.runtime import Message, Overflow, Runtime

SENTINEL = "\x00fmkit-text\x00"
CONTENT_FREE = ("N/A", "", "[MASK]")
DEFAULT_INSTRUCTION = "Classify the text into one of these categories: {labels}. Answer with the category only."
FORMATS = ("completion", "chat")


@dataclass(frozen=True)
class Demo:
    text: str
    label: str


class LabelPrompt:
    """The chat prompt and the verbalizers' token sequences for one label set on one runtime."""

    def __init__(
        self,
        runtime: Runtime,
        labels: Sequence[str],
        instruction: str = DEFAULT_INSTRUCTION,
        verbalizers: dict[str, str] | None = None,
        text_template: str = "Text: {text}",
        layout: str = "completion",
        answer_prefix: str = "Answer:",
    ) -> None:
        self.runtime, self.labels = runtime, tuple(labels)
        given = verbalizers or {}
        unknown = sorted(set(given) - set(self.labels))
        if unknown:
            raise ConfigError(f"llm_verbalizers names labels {unknown} that are not in the data {list(self.labels)}")
        self.verbalizers = tuple(given.get(label, label) for label in self.labels)
        self.instruction = instruction.replace("{labels}", ", ".join(self.verbalizers))
        self.text_template, self.layout, self.answer_prefix = text_template, layout, answer_prefix
        self.dropped = 0  #: demonstrations left out because they did not fit the context window
        self._layouts: dict[tuple[Demo, ...], tuple[str, str, str, int]] = {}  # split + its token count
        if layout == "chat":
            end = self._end_of_turn()
            self.continuations = [runtime.tokenize(v + end) for v in self.verbalizers]
        else:
            self.continuations = [runtime.tokenize(f" {v}\n") for v in self.verbalizers]
        seen: dict[tuple[int, ...], str] = {}
        for label, tokens in zip(self.labels, self.continuations, strict=True):
            other = seen.setdefault(tuple(tokens), label)
            if other != label:
                raise ConfigError(
                    f"labels {other!r} and {label!r} tokenize identically for this model ({tokens}); "
                    "give them distinct words with llm_verbalizers"
                )

    def _end_of_turn(self) -> str:
        """What the chat template writes after an assistant answer, up to the first newline (e.g. <|im_end|>)."""
        rendered = self.runtime.chat(
            [{"role": "user", "content": "x"}, {"role": "assistant", "content": SENTINEL}], add_generation_prompt=False
        )
        after = rendered.split(SENTINEL, 1)[1] if SENTINEL in rendered else ""
        return after.split("\n", 1)[0] if after.strip() else "\n"

    def messages(self, demos: Sequence[Demo], text: str) -> list[Message]:
        out: list[Message] = [{"role": "system", "content": self.instruction}]
        for demo in demos:
            out.append({"role": "user", "content": self.text_template.format(text=demo.text)})
            out.append({"role": "assistant", "content": self.verbalizers[self.labels.index(demo.label)]})
        out.append({"role": "user", "content": self.text_template.format(text=text)})
        return out

    def split(self, demos: Sequence[Demo]) -> tuple[str, str, str]:
        """(prefix, suffix before the text, suffix after the text) of the rendered prompt."""
        if self.layout == "completion":
            before, after = self.text_template.split("{text}", 1)
            shots = "".join(
                f"{self.text_template.format(text=d.text)}\n{self.answer_prefix} "
                f"{self.verbalizers[self.labels.index(d.label)]}\n\n"
                for d in demos
            )
            return f"{self.instruction}\n\n{shots}", before, f"{after}\n{self.answer_prefix}"
        rendered = self.runtime.chat(self.messages(demos, SENTINEL))
        prefix, _, after = rendered.partition(SENTINEL)
        start = self.text_template.split("{text}", 1)[0]
        cut = prefix.rfind(start) if start else len(prefix)
        return prefix[:cut], prefix[cut:], after

    def scores(self, demos: Sequence[Demo], text: str, overflow: Overflow) -> NDArray[np.float64]:
        """log P(verbalizer, end of answer | prompt) per label: [C].

        Demonstrations that leave no room for the text are dropped first (from the front: callers put the
        least useful first); only then is the text itself truncated (or refused, with ``overflow="error"``).
        """
        from fmkit.llm.runtime import fit_text

        room = self.runtime.n_ctx - max(len(c) for c in self.continuations) - 2  # a BOS and a margin
        need = len(self.runtime.tokenize(text))
        while True:
            prefix, before, after, used = self._layout(tuple(demos))
            if not demos or used + need <= room:
                break
            demos = demos[1:]
            self.dropped += 1
        text = fit_text(self.runtime, text, room - used, overflow) if text else text
        return self.runtime.continuation_logprobs(prefix, before + text + after, self.continuations)

    def _layout(self, demos: tuple[Demo, ...]) -> tuple[str, str, str, int]:
        """``split(demos)`` and its length in tokens, remembered: a fixed set of demonstrations (or none) is
        rendered and tokenized once per dataset, not once per text."""
        if demos not in self._layouts:
            if len(self._layouts) >= 256:  # per-query demonstrations rarely repeat: keep the cache small
                self._layouts.clear()
            prefix, before, after = self.split(demos)
            self._layouts[demos] = (prefix, before, after, len(self.runtime.tokenize(prefix + before + after)))
        return self._layouts[demos]

    def content_free(self, demos: Sequence[Demo]) -> NDArray[np.float64]:
        """Mean log-probability over the labels of the content-free inputs (Zhao et al., 2021), normalised: [C]."""
        from scipy.special import log_softmax

        rows = [log_softmax(self.scores(demos, text, "truncate")) for text in CONTENT_FREE]
        mean: NDArray[np.float64] = np.log(np.mean(np.exp(rows), axis=0))
        return mean

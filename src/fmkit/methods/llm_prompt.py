"""llm-prompt: in-context learning, labeled examples shown to the LLM before the text to classify.

For each query, ``llm_shots`` demonstrations per label are chosen from the labeled data: the most similar
to the query by the bundled sentence encoder (Liu et al., 2022, "What Makes Good In-Context Examples for
GPT-3?"), the most similar placed last, or one fixed random set for every query (its prompt prefix is then
evaluated once for a whole dataset, much faster on llama.cpp). Demonstrations that do not fit the context
window are dropped, least similar first. Demonstrations appear as answered blocks before the text
(``llm_layout=completion``) or as earlier turns of the chat (``chat``); labels are scored as in
``llm-zero-shot``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fmkit.methods._llm_method import Demonstrations, LLMConfig, LLMMethod
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register

SELECTIONS = ("similar", "random")


@dataclass(frozen=True)
class LLMPromptConfig(LLMConfig):
    """Options of ``llm-prompt`` (and every ``llm_*`` option of ``llm-zero-shot``)."""

    llm_shots: int = 4  #: demonstrations per label in each prompt
    llm_selection: str = "similar"  #: similar (per query, by embedding) | random (one fixed set)
    llm_demo_max_chars: int = 600  #: longer demonstrations are cut to this many characters

    def problems(self) -> list[str]:
        out = super().problems()
        if not 1 <= self.llm_shots <= 64:
            out.append(f"llm_shots must be between 1 and 64 demonstrations per label, got {self.llm_shots}")
        if self.llm_selection not in SELECTIONS:
            out.append(f"llm_selection must be one of {', '.join(SELECTIONS)}, got {self.llm_selection!r}")
        if self.llm_demo_max_chars < 16:
            out.append(f"llm_demo_max_chars must be >= 16, got {self.llm_demo_max_chars}")
        return out


class LLMPrompt(LLMMethod):
    name = "llm-prompt"
    summary = "in-context learning: labeled examples similar to each text shown to the LLM, labels scored"
    paper = "Brown et al., 2020; Liu et al., 2022, What Makes Good In-Context Examples for GPT-3?"
    config_type = LLMPromptConfig

    def fit(self, job: FitJob, config: LLMPromptConfig) -> Fitted:
        import numpy as np

        from fmkit.catalog import Catalog, resolve
        from fmkit.llm.labels import Demo
        from fmkit.methods._llm_method import ENCODER

        texts, labels = job.train.texts, job.train.labels
        cut = [Demo(t[: config.llm_demo_max_chars], y) for t, y in zip(texts, labels, strict=True)]
        rng = np.random.default_rng(job.seed)
        if config.llm_selection == "random":
            pool = [
                d
                for label in job.train.classes
                for d in [cut[i] for i in rng.permutation(len(cut)) if cut[i].label == label][: config.llm_shots]
            ]
            pool = [pool[i] for i in rng.permutation(len(pool))]
            demos, encoder = Demonstrations(pool, config.llm_shots, "random", None), None
        else:
            encoder = resolve(Catalog().get(ENCODER))
            demos = Demonstrations(cut, config.llm_shots, "similar", None)
        return self.fit_with(job, config, demos, encoder, cut)


register(LLMPrompt())

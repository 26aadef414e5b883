"""llm-zero-shot: an instruction-following LLM picks the label, scored by log-likelihood, no training.

Each label's verbalizer is scored as the assistant's whole answer after an instruction that lists the labels
(``fmkit.llm.labels``): no free text is generated or parsed. The labeled data only calibrates: the
content-free correction needs no labels at all (Zhao et al., 2021), the temperature changes confidence,
not decisions.
"""

from __future__ import annotations

from fmkit.methods._llm_method import Demonstrations, LLMConfig, LLMMethod
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register


class LLMZeroShot(LLMMethod):
    name = "llm-zero-shot"
    summary = "an LLM scores each label's name after an instruction; no training, calibrated probabilities"
    paper = "Brown et al., 2020 (GPT-3); Zhao et al., 2021, Calibrate Before Use"
    config_type = LLMConfig

    def fit(self, job: FitJob, config: LLMConfig) -> Fitted:
        from fmkit.llm.labels import Demo

        train = [Demo(t, y) for t, y in zip(job.train.texts, job.train.labels, strict=True)]
        return self.fit_with(job, config, Demonstrations([], 0, "random", None), None, train)


register(LLMZeroShot())

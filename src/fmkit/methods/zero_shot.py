"""zero-shot: classify by embedding similarity between a text and a description of each label.

Reference: Yin et al., 2019, "Benchmarking Zero-shot Text Classification"; the embedding-similarity form
as in sentence-transformers. The head's rows are the normalised embeddings of the label descriptions, so
the logit of a label is the cosine similarity to its description. No encoder weight changes; labeled
data, when given, only sets the softmax temperature (calibration), never the decision.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmkit.data.validate import DataWarning
from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register


@dataclass(frozen=True)
class ZeroShotConfig:
    """Options of ``zero-shot``."""

    zero_shot_descriptions: dict[str, str] | None = None  #: label -> description; default: the label itself
    zero_shot_template: str = "{description}"  #: how a description is phrased, e.g. "This text is about {description}."
    zero_shot_calibrate: bool = True  #: fit the softmax temperature on the labeled data

    def problems(self) -> list[str]:
        if "{description}" not in self.zero_shot_template:
            return [f"zero_shot_template {self.zero_shot_template!r} must contain '{{description}}'"]
        return []


class ZeroShot(EncoderMethod):
    name = "zero-shot"
    summary = "similarity between each text and a description of each label; no training"
    paper = "Yin et al., 2019, Benchmarking Zero-shot Text Classification"
    config_type = ZeroShotConfig

    def fit(self, job: FitJob, config: ZeroShotConfig) -> Fitted:
        from fmkit.evaluation.calibration import TemperatureScaler
        from fmkit.methods.encoder_head import EncoderClassifier

        labels = job.train.classes
        given = config.zero_shot_descriptions or {}
        unknown = sorted(set(given) - set(labels))
        if unknown:
            from fmkit.errors import ConfigError

            raise ConfigError(f"zero_shot_descriptions names labels {unknown} that are not in the data {list(labels)}")
        if not given and all(re.fullmatch(r"[-\d.]+", label) for label in labels):
            warnings.warn(
                f"zero-shot compares texts with label descriptions, but the labels {list(labels)} are numbers; "
                "pass zero_shot_descriptions or a --label-col with label names",
                DataWarning,
                stacklevel=2,
            )
        descriptions = [config.zero_shot_template.format(description=given.get(lab, lab)) for lab in labels]
        classifier = EncoderClassifier.from_encoder(job.base_dir, labels)
        prototypes = classifier.embed(descriptions)
        prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True).clip(min=1e-9)
        classifier.set_head(prototypes, np.zeros(len(labels), np.float32))
        info: dict[str, Any] = {"descriptions": dict(zip(labels, descriptions, strict=True))}
        if config.zero_shot_calibrate and len(job.train):
            y = np.array([labels.index(lab) for lab in job.train.labels])
            classifier.temperature = TemperatureScaler().fit(classifier.logits(job.train.texts), y).temperature_
            info["temperature"] = classifier.temperature
        return Fitted(classifier, info)


register(ZeroShot())

"""The int8 backend: the encoder's linear layers quantized, the predictions nearly unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fmkit
from fmkit.data import load_labeled
from fmkit.errors import ConfigError
from fmkit.serving.backends import apply_backend
from fmkit.serving.settings import ServeSettings


def test_int8_quantizes_the_encoder_and_keeps_the_predictions(artifacts: list[Path], tickets: dict[str, Path]) -> None:
    texts = list(load_labeled(str(tickets["test"])).texts)
    fp32 = fmkit.load(artifacts[0])
    int8 = apply_backend(fmkit.load(artifacts[0]), "int8")
    query = int8.adapted.model.body.encoder.layer[0].attention.self.query
    assert type(query).__module__.startswith("torch.ao.nn.quantized.dynamic")
    agree = np.mean([a == b for a, b in zip(fp32.predict(texts), int8.predict(texts), strict=True)])
    assert agree >= 0.95
    assert np.abs(fp32.predict_proba(texts) - int8.predict_proba(texts)).mean() < 0.03
    assert apply_backend(fp32, "fp32") is fp32


def test_int8_is_refused_where_it_does_not_apply() -> None:
    class NotAnEncoder:
        method = "llm-zero-shot"

    with pytest.raises(ConfigError, match=r"quantizes encoder classifiers; this model \(llm-zero-shot\)"):
        apply_backend(NotAnEncoder(), "int8")
    with pytest.raises(ConfigError, match="--backend must be fp32 or int8, got 'fp16'"):
        ServeSettings(name="tickets", backend="fp16")

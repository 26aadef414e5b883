"""Metrics and calibration against reference implementations and known values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from fmkit.evaluation.calibration import TemperatureScaler, expected_calibration_error
from fmkit.evaluation.metrics import classification_metrics


def test_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"]
    proba = rng.dirichlet(np.ones(3), size=200).astype(np.float32)
    truth = [labels[i] for i in rng.integers(0, 3, 200)]
    result = classification_metrics(truth, proba, labels)
    y = [labels.index(t) for t in truth]
    pred = proba.argmax(axis=1)
    assert result["accuracy"] == pytest.approx(accuracy_score(y, pred))
    assert result["macro_f1"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert np.array(result["confusion_matrix"]).sum() == 200
    assert sum(row["support"] for row in result["per_class"].values()) == 200


def test_ece_known_values() -> None:
    # all predictions at 0.9 confidence, 90% right: perfectly calibrated
    proba = np.tile(np.array([[0.9, 0.1]], np.float32), (10, 1))
    y = np.array([0] * 9 + [1])
    assert expected_calibration_error(proba, y) == pytest.approx(0.0, abs=1e-6)
    # all at 0.9 confidence, half right: ECE 0.4
    assert expected_calibration_error(proba, np.array([0] * 5 + [1] * 5)) == pytest.approx(0.4, abs=1e-6)


def test_temperature_scaling_recovers_the_true_temperature() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4000, 4)) * 3
    true_p = np.exp(logits / 2.5)
    true_p /= true_p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=p) for p in true_p])
    assert TemperatureScaler().fit(logits.astype(np.float32), y).temperature_ == pytest.approx(2.5, rel=0.1)

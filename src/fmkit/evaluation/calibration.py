"""Calibration: expected calibration error, reliability bins, and temperature scaling (Guo et al., 2017)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class ReliabilityBins:
    """Per confidence bin: mean confidence, accuracy and count (bins with no items have count 0)."""

    edges: list[float]
    confidence: list[float]
    accuracy: list[float]
    count: list[int]


def reliability(proba: NDArray[np.float32], y_true: NDArray[np.int64], n_bins: int = 10) -> ReliabilityBins:
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y_true).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    conf, acc, count = [], [], []
    for b in range(n_bins):
        mask = which == b
        count.append(int(mask.sum()))
        conf.append(float(confidence[mask].mean()) if mask.any() else 0.0)
        acc.append(float(correct[mask].mean()) if mask.any() else 0.0)
    return ReliabilityBins([float(e) for e in edges], conf, acc, count)


def expected_calibration_error(proba: NDArray[np.float32], y_true: NDArray[np.int64], n_bins: int = 10) -> float:
    """ECE: the count-weighted mean |accuracy - confidence| over equal-width confidence bins."""
    bins = reliability(proba, y_true, n_bins)
    total = max(sum(bins.count), 1)
    return float(
        sum(n * abs(a - c) for n, a, c in zip(bins.count, bins.accuracy, bins.confidence, strict=True)) / total
    )


class TemperatureScaler:
    """Fits one temperature T so that softmax(logits / T) minimises the negative log-likelihood."""

    def __init__(self, *, min_temperature: float = 0.01, max_temperature: float = 100.0) -> None:
        self.min_temperature = min_temperature
        self.max_temperature = max_temperature

    def fit(self, logits: NDArray[np.float32], y_true: NDArray[np.int64]) -> TemperatureScaler:
        from scipy.optimize import minimize_scalar

        logits64 = logits.astype(np.float64)

        def nll(log_t: float) -> float:
            z = logits64 / np.exp(log_t)
            z -= z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            return float(-log_p[np.arange(len(y_true)), y_true].mean())

        bounds = (np.log(self.min_temperature), np.log(self.max_temperature))
        result = minimize_scalar(nll, bounds=bounds, method="bounded")
        self.temperature_ = float(np.exp(result.x))
        return self

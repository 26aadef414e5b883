"""Drift tests: has the served traffic moved away from what the model was trained on, or from its own past?

- Input drift: maximum mean discrepancy (MMD, Gretton et al. 2012, "A Kernel Two-Sample Test") between
  sentence embeddings of the training texts and of recent inputs, with a Gaussian kernel whose width is the
  median pairwise distance, and a permutation test for its p-value. It sees any change of distribution in
  embedding space (topic, language, length, style), not just a shift of the mean.
- Confidence drift: the two-sample Kolmogorov-Smirnov test between the model's top-class probability on
  earlier and on recent traffic of the same version: a model that suddenly hesitates is reading inputs it
  was not trained for, before any label says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class DriftTest:
    test: str
    statistic: float
    p_value: float
    alpha: float
    n_reference: int
    n_current: int

    @property
    def drifted(self) -> bool:
        return self.p_value < self.alpha

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test, "statistic": round(self.statistic, 6), "p_value": round(self.p_value, 6),
            "alpha": self.alpha, "drifted": self.drifted, "n_reference": self.n_reference, "n_current": self.n_current,
        }  # fmt: skip


def mmd_test(
    reference: NDArray[Any], current: NDArray[Any], *, alpha: float = 0.01, n_permutations: int = 300, seed: int = 0
) -> DriftTest:
    """Unbiased MMD² between two samples of embeddings [N, D], [M, D], with a permutation p-value."""
    x = np.asarray(reference, dtype=np.float64)
    y = np.asarray(current, dtype=np.float64)
    pooled = np.concatenate([x, y])
    norms = (pooled**2).sum(1)
    squared = np.maximum(norms[:, None] + norms[None, :] - 2 * pooled @ pooled.T, 0.0)  # [N+M, N+M]
    upper = squared[np.triu_indices(len(pooled), k=1)]
    width = float(np.median(upper[upper > 0])) if np.any(upper > 0) else 1.0
    kernel = np.exp(-squared / width)
    n = len(x)
    observed = _mmd2(kernel, np.arange(len(pooled)) < n)
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(n_permutations):
        mask = np.zeros(len(pooled), dtype=bool)
        mask[rng.choice(len(pooled), n, replace=False)] = True
        exceed += _mmd2(kernel, mask) >= observed
    p_value = (exceed + 1) / (n_permutations + 1)
    return DriftTest("mmd", observed, p_value, alpha, len(x), len(y))


def _mmd2(kernel: NDArray[np.float64], in_x: NDArray[np.bool_]) -> float:
    kxx, kyy, kxy = kernel[np.ix_(in_x, in_x)], kernel[np.ix_(~in_x, ~in_x)], kernel[np.ix_(in_x, ~in_x)]
    n, m = len(kxx), len(kyy)
    xx = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    yy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(xx + yy - 2 * kxy.mean())


def ks_test(reference: NDArray[Any], current: NDArray[Any], *, alpha: float = 0.01) -> DriftTest:
    """Two-sample Kolmogorov-Smirnov test between two samples of scalars (e.g. top-class probabilities)."""
    from scipy.stats import ks_2samp

    result = ks_2samp(np.asarray(reference, dtype=np.float64), np.asarray(current, dtype=np.float64))
    return DriftTest("ks", float(result.statistic), float(result.pvalue), alpha, len(reference), len(current))

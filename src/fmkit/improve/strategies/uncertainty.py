"""Uncertainty sampling: label what the model is least sure of. Three classic scores of the predicted
class probabilities p (sorted, p1 >= p2 >= ...):

- least confidence: 1 - p1;
- margin: 1 - (p1 - p2), small gaps between the top two classes first;
- entropy: -sum p log p, normalised by log k.

Scores are multiplied by the pool's priority; ties are broken at random (seeded), so equal scores do not
always favour the oldest items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fmkit.errors import ConfigError
from fmkit.improve.strategies.protocol import Indices, Pool, check_budget
from fmkit.improve.strategies.registry import register

MEASURES = ("least-confidence", "margin", "entropy")


def uncertainty(probabilities: NDArray[np.float64], measure: str) -> NDArray[np.float64]:
    """Per-row uncertainty in [0, 1]: higher is less sure."""
    top = -np.sort(-probabilities, axis=1)
    if measure == "least-confidence":
        return np.asarray(1.0 - top[:, 0])
    if measure == "margin":
        return np.asarray(1.0 - (top[:, 0] - top[:, 1]))
    if measure == "entropy":
        p = np.clip(probabilities, 1e-12, 1.0)
        return np.asarray(-(p * np.log(p)).sum(1) / np.log(probabilities.shape[1]))
    raise ConfigError(f"unknown uncertainty measure {measure!r}; expected one of {', '.join(MEASURES)}")


def ranked(scores: NDArray[np.float64], k: int, seed: int) -> Indices:
    """The ``k`` highest scores, ties in a seeded random order."""
    tiebreak = np.random.default_rng(seed).random(len(scores))
    return np.lexsort((tiebreak, -scores))[:k].astype(np.intp)


@dataclass(frozen=True)
class Uncertainty:
    measure: str = "margin"
    name: str = "margin"
    summary: str = "the smallest gap between the two likeliest classes first"
    paper: str = "Scheffer et al. 2001; Lewis & Gale 1994; Shannon entropy (Settles 2009, section 3.1)"

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ConfigError(f"unknown uncertainty measure {self.measure!r}; expected one of {', '.join(MEASURES)}")

    def select(self, pool: Pool, budget: int, *, seed: int = 0) -> Indices:
        k = check_budget(pool, budget)
        return ranked(uncertainty(pool.probabilities, self.measure) * pool.priority, k, seed)


register(
    "least-confidence",
    lambda: Uncertainty("least-confidence", "least-confidence", "the lowest top-class probability first"),
)
register("margin", Uncertainty)
register("entropy", lambda: Uncertainty("entropy", "entropy", "the highest predictive entropy first"))

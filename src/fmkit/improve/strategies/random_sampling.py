"""Random sampling: the baseline every strategy must beat (weighted by priority, so drift still counts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fmkit.improve.strategies.protocol import Indices, Pool, check_budget
from fmkit.improve.strategies.registry import register


@dataclass(frozen=True)
class RandomSampling:
    name: str = "random"
    summary: str = "uniformly at random (weighted by priority): the baseline"
    paper: str = "Settles 2009, Active Learning Literature Survey (passive learning baseline)"

    def select(self, pool: Pool, budget: int, *, seed: int = 0) -> Indices:
        k = check_budget(pool, budget)
        weights = pool.priority / pool.priority.sum() if len(pool) else None
        chosen = np.random.default_rng(seed).choice(len(pool), size=k, replace=False, p=weights)
        return np.asarray(chosen, dtype=np.intp)


register("random", RandomSampling)

"""Uncertainty and diversity together (Cluster-Margin style): keep the ``prefilter`` x budget most
uncertain items, then pick a diverse batch among them with k-center greedy, so a batch is neither
redundant (pure uncertainty picks near-duplicates from one confusing region) nor easy (pure diversity
labels what the model already knows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fmkit.errors import ConfigError
from fmkit.improve.strategies.kcenter import k_center_greedy
from fmkit.improve.strategies.protocol import Indices, Pool, check_budget
from fmkit.improve.strategies.registry import register
from fmkit.improve.strategies.uncertainty import MEASURES, ranked, uncertainty


@dataclass(frozen=True)
class Hybrid:
    measure: str = "margin"
    prefilter: float = 4.0  #: candidates = the prefilter x budget most uncertain items
    name: str = "hybrid"
    summary: str = "the 4 x budget most uncertain (margin), then k-center greedy among them"
    paper: str = "Citovsky et al. 2021, Batch Active Learning at Scale (Cluster-Margin)"

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ConfigError(f"unknown uncertainty measure {self.measure!r}; expected one of {', '.join(MEASURES)}")
        if self.prefilter < 1:
            raise ConfigError(f"prefilter must be >= 1 (candidates per pick), got {self.prefilter}")

    def select(self, pool: Pool, budget: int, *, seed: int = 0) -> Indices:
        k = check_budget(pool, budget)
        scores = uncertainty(pool.probabilities, self.measure) * pool.priority
        candidates = ranked(scores, min(len(pool), int(np.ceil(self.prefilter * k))), seed)
        chosen = k_center_greedy(
            pool.embeddings[candidates], pool.labeled_embeddings, k, seed, pool.priority[candidates]
        )
        return candidates[chosen]


register("hybrid", Hybrid)

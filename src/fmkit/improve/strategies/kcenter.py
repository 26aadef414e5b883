"""k-center greedy (core-set): cover the embedding space. Each pick is the item farthest (cosine distance,
scaled by its priority) from everything labeled or picked so far, so a batch spreads over the pool's
regions instead of piling into one. With nothing labeled yet the first pick is a seeded random item."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fmkit.improve.strategies.protocol import Indices, Pool, check_budget
from fmkit.improve.strategies.registry import register


def k_center_greedy(
    embeddings: NDArray[np.float32],
    covered: NDArray[np.float32],
    k: int,
    seed: int,
    weight: NDArray[np.float64] | None = None,
) -> Indices:
    """``k`` rows of ``embeddings`` (unit vectors), each the farthest from ``covered`` and earlier picks."""
    n = len(embeddings)
    weight = np.ones(n) if weight is None else weight
    distance = np.full(n, np.inf)
    for start in range(0, len(covered), 4096):  # bounded memory for large labeled sets
        distance = np.minimum(distance, (1.0 - embeddings @ covered[start : start + 4096].T).min(1))
    taken = np.zeros(n, dtype=bool)
    picked: list[int] = []
    for _ in range(k):
        if not picked and not len(covered):
            pick = int(np.random.default_rng(seed).integers(n))
        else:
            score = distance * weight
            score[taken] = -np.inf
            pick = int(np.argmax(score))
        picked.append(pick)
        taken[pick] = True
        distance = np.minimum(distance, 1.0 - embeddings @ embeddings[pick])
    return np.asarray(picked, dtype=np.intp)


@dataclass(frozen=True)
class KCenterGreedy:
    name: str = "kcenter"
    summary: str = "k-center greedy on embeddings: each pick farthest from all labeled and picked items"
    paper: str = "Sener & Savarese 2018, Active Learning for CNNs: A Core-Set Approach"

    def select(self, pool: Pool, budget: int, *, seed: int = 0) -> Indices:
        k = check_budget(pool, budget)
        return k_center_greedy(pool.embeddings, pool.labeled_embeddings, k, seed, pool.priority)


register("kcenter", KCenterGreedy)

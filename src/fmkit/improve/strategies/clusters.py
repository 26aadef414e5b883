"""Cluster-based selection: k-means the pool's embeddings into ``budget`` clusters (the labeled items
pull no cluster of their own), and label the item nearest each centroid: one representative per region,
dense regions first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fmkit.improve.strategies.protocol import Indices, Pool, check_budget
from fmkit.improve.strategies.registry import register


@dataclass(frozen=True)
class Clusters:
    name: str = "clusters"
    summary: str = "k-means on embeddings, one item nearest each centroid, largest clusters first"
    paper: str = "Nguyen & Smeulders 2004, Active Learning Using Pre-clustering; Zhdanov 2019 (diverse mini-batch)"

    def select(self, pool: Pool, budget: int, *, seed: int = 0) -> Indices:
        from sklearn.cluster import KMeans, MiniBatchKMeans

        k = check_budget(pool, budget)
        if k == 0:
            return np.zeros(0, dtype=np.intp)
        if k == len(pool):
            return np.arange(k, dtype=np.intp)
        x = pool.embeddings.astype(np.float64)
        kind = KMeans if len(x) <= 20_000 else MiniBatchKMeans
        fit = kind(n_clusters=k, random_state=seed, n_init=1).fit(x, sample_weight=pool.priority)
        distance = fit.transform(x)  # (n, k) to each centroid
        sizes = np.bincount(fit.labels_, minlength=k)
        picked: list[int] = []
        taken = np.zeros(len(x), dtype=bool)
        for cluster in np.argsort(-sizes, kind="stable"):
            column = np.where(taken, np.inf, distance[:, cluster])
            pick = int(np.argmin(column))
            picked.append(pick)
            taken[pick] = True
        return np.asarray(picked, dtype=np.intp)


register("clusters", Clusters)

"""The selection-strategy protocol: the one extension point of active learning.

A strategy is an estimator-style object (its parameters set in ``__init__``, nothing learned in between
calls) that picks which items of an unlabeled pool people should label next::

    strategy.select(pool, budget, seed=0) -> indices   # distinct positions in the pool, most useful first

The pool carries what strategies look at: the served model's class probabilities for each item, the
items' sentence embeddings, the embeddings of the items already labeled (diversity strategies avoid what is
covered), and a priority per item (>= 1; the drift monitor raises it for inputs unlike the training data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from fmkit.errors import ConfigError

Indices = NDArray[np.intp]


@dataclass(frozen=True)
class Pool:
    """The unlabeled items a strategy chooses from, aligned by row."""

    probabilities: NDArray[np.float64]  #: (n, k) the model's class probabilities, rows sum to 1
    embeddings: NDArray[np.float32]  #: (n, d) sentence embeddings, L2-normalised by ``build``
    labeled_embeddings: NDArray[np.float32]  #: (m, d) items labeled already (m may be 0), normalised too
    priority: NDArray[np.float64]  #: (n,) >= 1: how much more an item matters (drift raises it)

    @classmethod
    def build(
        cls,
        probabilities: NDArray[np.floating] | list[list[float]],
        embeddings: NDArray[np.floating],
        labeled_embeddings: NDArray[np.floating] | None = None,
        priority: NDArray[np.floating] | None = None,
    ) -> Pool:
        """Check shapes and values once, here, so every strategy can trust them."""
        proba = np.asarray(probabilities, dtype=np.float64)
        emb = np.asarray(embeddings, dtype=np.float32)
        n = len(proba)
        labeled = (
            np.zeros((0, emb.shape[1] if emb.ndim == 2 else 0), np.float32)
            if labeled_embeddings is None
            else np.asarray(labeled_embeddings, dtype=np.float32)
        )
        weight = np.ones(n) if priority is None else np.asarray(priority, dtype=np.float64)
        problems = []
        if proba.ndim != 2 or proba.shape[1] < 2:
            problems.append(f"probabilities must be an (n, k>=2) array, got shape {proba.shape}")
        elif not np.all(np.isfinite(proba)) or np.any(proba < 0) or not np.allclose(proba.sum(1), 1, atol=1e-3):
            problems.append("probabilities must be finite, >= 0 and sum to 1 per row")
        if emb.ndim != 2 or len(emb) != n:
            problems.append(f"embeddings must be ({n}, d) like the probabilities, got shape {emb.shape}")
        elif not np.all(np.isfinite(emb)):
            problems.append("embeddings must be finite")
        if labeled.ndim != 2 or (len(labeled) and emb.ndim == 2 and labeled.shape[1] != emb.shape[1]):
            problems.append(f"labeled embeddings must be (m, {emb.shape[-1]}), got shape {labeled.shape}")
        if weight.shape != (n,) or not np.all(np.isfinite(weight)) or np.any(weight < 1):
            problems.append(f"priority must be {n} finite values >= 1")
        if problems:
            raise ConfigError(problems)
        return cls(proba, unit(emb), unit(labeled), weight)

    def __len__(self) -> int:
        return len(self.probabilities)


def unit(x: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(x, axis=1, keepdims=True) if len(x) else np.ones((0, 1), np.float32)
    return np.asarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


class Strategy(Protocol):
    """Picks what to label. One module per strategy; register it with ``registry.register``."""

    @property
    def name(self) -> str:
        """The ``--strategy`` value."""
        ...

    @property
    def summary(self) -> str:
        """One line for ``--help`` and docs."""
        ...

    @property
    def paper(self) -> str:
        """The reference it follows."""
        ...

    def select(self, pool: Pool, budget: int, *, seed: int = 0) -> Indices:
        """``min(budget, len(pool))`` distinct row indices, most useful first; the same for the same seed."""
        ...


def check_budget(pool: Pool, budget: int) -> int:
    """The number of items to pick; a negative budget is a config error."""
    if budget < 0:
        raise ConfigError(f"--budget must be >= 0, got {budget}")
    return min(budget, len(pool))

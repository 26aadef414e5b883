"""Every registered selection strategy honours the protocol: distinct valid indices, the budget, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from fmkit.errors import ConfigError
from fmkit.improve.strategies import Pool, get, names


def _pool(n: int = 60, k: int = 3, d: int = 8, seed: int = 0, labeled: int = 5) -> Pool:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 2
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    emb = rng.normal(size=(n + labeled, d))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return Pool.build(proba, emb[:n], emb[n:])


def test_every_builtin_is_registered() -> None:
    assert names() == ["random", "least-confidence", "margin", "entropy", "kcenter", "clusters", "hybrid"]
    for name in names():
        strategy = get(name)
        assert strategy.name == name and strategy.summary and strategy.paper
    with pytest.raises(ConfigError, match="unknown strategy 'smart'; expected one of random, least-confidence"):
        get("smart")


@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("labeled", [0, 5])
def test_distinct_indices_within_budget_and_seeded(name: str, labeled: int) -> None:
    pool = _pool(labeled=labeled)
    strategy = get(name)
    chosen = strategy.select(pool, 10, seed=3)
    assert chosen.dtype == np.intp and len(chosen) == 10 == len(set(chosen.tolist()))
    assert chosen.min() >= 0 and chosen.max() < len(pool)
    assert np.array_equal(chosen, strategy.select(pool, 10, seed=3))  # same seed, same batch
    assert len(strategy.select(pool, 0)) == 0
    everything = strategy.select(pool, 1000)  # more than the pool: all of it, once each
    assert sorted(everything.tolist()) == list(range(len(pool)))
    with pytest.raises(ConfigError, match="--budget must be >= 0, got -1"):
        strategy.select(pool, -1)


@pytest.mark.parametrize("name", names())
def test_an_empty_pool_gives_an_empty_batch(name: str) -> None:
    pool = Pool.build(np.zeros((0, 2)), np.zeros((0, 4)))
    assert len(get(name).select(pool, 5)) == 0


@pytest.mark.parametrize("name", names())
def test_priority_pulls_the_batch_towards_drifted_items(name: str) -> None:
    pool = _pool(n=200, seed=1)
    drifted = np.zeros(len(pool))
    drifted[:20] = 1
    weighted = Pool.build(pool.probabilities, pool.embeddings, pool.labeled_embeddings, 1 + 20 * drifted)
    strategy = get(name)
    before = np.isin(strategy.select(pool, 10, seed=0), np.arange(20)).sum()
    after = np.isin(strategy.select(weighted, 10, seed=0), np.arange(20)).sum()
    assert after >= before and after >= 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"probabilities": np.ones((3, 1))}, r"probabilities must be an \(n, k>=2\) array, got shape \(3, 1\)"),
        ({"probabilities": np.full((3, 2), 0.7)}, "probabilities must be finite, >= 0 and sum to 1 per row"),
        ({"embeddings": np.ones((4, 8))}, r"embeddings must be \(3, d\) like the probabilities, got shape \(4, 8\)"),
        ({"embeddings": np.full((3, 8), np.nan)}, "embeddings must be finite"),
        ({"labeled_embeddings": np.ones((2, 5))}, r"labeled embeddings must be \(m, 8\), got shape \(2, 5\)"),
        ({"priority": np.array([1.0, 0.5, 1.0])}, "priority must be 3 finite values >= 1"),
    ],
)
def test_bad_pools_are_refused_with_what_was_expected(kwargs: dict[str, np.ndarray], message: str) -> None:
    good = {"probabilities": np.full((3, 2), 0.5), "embeddings": np.eye(3, 8)}
    with pytest.raises(ConfigError, match=message):
        Pool.build(**(good | kwargs))

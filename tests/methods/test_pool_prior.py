from __future__ import annotations

import numpy as np
import pytest

from fmkit.methods._pool_prior import FLOOR, class_prior, estimate_prior

RNG = np.random.default_rng(0)


def calibrated_pool(prior: list[float], n: int = 20_000, separation: float = 1.5) -> np.ndarray:
    """Probabilities [n, C] of a classifier trained on balanced classes, on a pool drawn with ``prior``.

    Class c's feature is a 1-d Gaussian at c x separation; under a uniform training prior the Bayes posterior
    is a softmax of the log-likelihoods, so the model is calibrated for balanced data and biased for the pool.
    """
    k = len(prior)
    y = RNG.choice(k, size=n, p=prior)
    x = y * separation + RNG.normal(size=n)
    log_lik = -0.5 * (x[:, None] - np.arange(k)[None, :] * separation) ** 2
    p = np.exp(log_lik - log_lik.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def test_em_recovers_a_skewed_pool_prior() -> None:
    proba = calibrated_pool([0.2, 0.8])
    naive = proba.mean(axis=0)  # pulled toward the balanced training prior
    estimate = estimate_prior(proba, np.array([0.5, 0.5]))
    assert abs(naive[0] - 0.2) > 0.05
    np.testing.assert_allclose(estimate, [0.2, 0.8], atol=0.02)


def test_em_keeps_a_balanced_pool_balanced() -> None:
    estimate = estimate_prior(calibrated_pool([1 / 3] * 3), np.full(3, 1 / 3))
    np.testing.assert_allclose(estimate, [1 / 3] * 3, atol=0.02)


def test_a_class_absent_from_the_pool_keeps_the_floor() -> None:
    proba = np.tile([0.99, 0.01], (100, 1))
    estimate = estimate_prior(proba, np.array([0.5, 0.5]))
    assert estimate[1] == pytest.approx(FLOOR, rel=0.01)
    assert estimate.sum() == pytest.approx(1.0)


def test_shape_mismatch_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"expected pool probabilities \[N, 3\]"):
        estimate_prior(np.full((4, 2), 0.5), np.full(3, 1 / 3))


def test_class_prior_counts_in_the_given_class_order() -> None:
    np.testing.assert_allclose(class_prior(("b", "a", "b", "b"), ("a", "b")), [0.25, 0.75])

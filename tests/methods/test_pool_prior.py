"""The pool's class prior: EM, and the head shift every encoder method makes given --unlabeled or class_balance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fmkit
from fmkit.data import LabeledTexts
from fmkit.data.validate import load_labeled
from fmkit.errors import ConfigError
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


def test_a_method_given_a_pool_and_pool_prior_shifts_its_head_to_the_pools_balance(
    few_tickets: LabeledTexts, tickets: dict[str, Path], heavy_pool: tuple[LabeledTexts, str]
) -> None:
    pool, common = heavy_pool
    texts = list(load_labeled(str(tickets["test"])).texts)
    alone = fmkit.adapt(few_tickets, method="linear-probe")
    shifted = fmkit.adapt(few_tickets, method="linear-probe", unlabeled=pool, config={"pool_prior": True})
    by_default = fmkit.adapt(few_tickets, method="linear-probe", unlabeled=pool)  # off: see _pool_prior.py
    prior = shifted.manifest["fit_info"]["pool_prior"]
    assert max(prior, key=prior.get) == common and prior[common] > 1.5 / len(few_tickets.classes)
    assert "pool_prior" not in alone.manifest["fit_info"] and "pool_prior" not in by_default.manifest["fit_info"]
    assert shifted.predict(texts).count(common) > alone.predict(texts).count(common)
    np.testing.assert_allclose(by_default.predict_proba(texts), alone.predict_proba(texts), atol=1e-6)


def test_a_pool_of_only_labeled_texts_shifts_nothing(few_tickets: LabeledTexts) -> None:
    pool = LabeledTexts.of(list(few_tickets.texts))
    model = fmkit.adapt(few_tickets, method="linear-probe", unlabeled=pool, config={"pool_prior": True})
    assert "pool_prior" not in model.manifest["fit_info"]


def test_cross_validation_fits_ignore_the_pool(
    few_tickets: LabeledTexts, tickets: dict[str, Path], heavy_pool: tuple[LabeledTexts, str]
) -> None:
    from fmkit.catalog import Catalog, resolve
    from fmkit.methods import FitJob, registry
    from fmkit.methods.linear_probe import LinearProbeConfig
    from fmkit.selection.crossval import method_fitter

    pool, common = heavy_pool
    card = Catalog().get("minilm-l6")
    job = FitJob(card, resolve(card), few_tickets, None, 0, pool)
    config = LinearProbeConfig(
        pool_prior=True, class_balance={common: "9", **{c: "1" for c in few_tickets.classes[1:]}}
    )
    fold_fit = method_fitter(registry.get("linear-probe"), config, job)(few_tickets)
    texts = list(load_labeled(str(tickets["test"])).texts)
    alone = fmkit.adapt(few_tickets, method="linear-probe")
    np.testing.assert_allclose(fold_fit.predict_proba(texts), alone.predict_proba(texts), atol=1e-6)


def test_a_given_class_balance_moves_the_log_odds_by_its_ratio_to_the_training_balance(
    few_tickets: LabeledTexts, tickets: dict[str, Path]
) -> None:
    labels = few_tickets.classes
    counts = {label: str(4 if i == 0 else 1) for i, label in enumerate(labels)}  # counts: made into shares
    alone = fmkit.adapt(few_tickets, method="linear-probe")
    given = fmkit.adapt(few_tickets, method="linear-probe", config={"class_balance": counts})
    assert tuple(given.manifest["labels"]) == labels
    target = np.array([float(counts[label]) for label in labels])
    target /= target.sum()
    assert given.manifest["fit_info"]["class_balance"] == pytest.approx(
        dict(zip(labels, target, strict=True)), abs=1e-4
    )
    texts = list(load_labeled(str(tickets["test"])).texts)
    moved = np.log(given.predict_proba(texts)) - np.log(alone.predict_proba(texts))
    expected = np.log(target / class_prior(few_tickets.labels, labels))
    np.testing.assert_allclose(
        moved - moved.mean(axis=1, keepdims=True), np.tile(expected - expected.mean(), (len(texts), 1)), atol=1e-3
    )
    assert given.predict(texts).count(labels[0]) > alone.predict(texts).count(labels[0])


def test_a_given_class_balance_takes_the_place_of_the_pool_estimate(
    few_tickets: LabeledTexts, heavy_pool: tuple[LabeledTexts, str]
) -> None:
    pool, _ = heavy_pool
    even = {label: "1" for label in few_tickets.classes}  # the training balance: nothing moves
    config = {"pool_prior": True, "class_balance": even}
    info = fmkit.adapt(few_tickets, method="linear-probe", unlabeled=pool, config=config).manifest["fit_info"]
    assert "pool_prior" not in info
    assert info["class_balance"] == pytest.approx({label: 1 / len(even) for label in even}, abs=1e-4)


@pytest.mark.parametrize(
    ("balance", "message"),
    [
        ("spam=1", "needs a share for every label"),
        ("spam=0.2,ham=none", r"must be numbers > 0 .*'ham': 'none'"),
        ({"spam": -1, "ham": 2}, r"must be numbers > 0 .*'spam': '-1'"),
        ("spam0.2,ham0.8", "expected a mapping: KEY=VALUE,KEY=VALUE"),
    ],
)
def test_a_bad_class_balance_is_refused_before_any_work(balance: object, message: str) -> None:
    for method in ("linear-probe", "contrastive", "self-train", "auto"):
        with pytest.raises(ConfigError, match=message):
            fmkit.adapt("does-not-exist.csv", method=method, config={"class_balance": balance})


def test_a_class_balance_naming_other_labels_is_refused_before_training(
    few_tickets: LabeledTexts, tmp_path: Path
) -> None:
    first, *rest = few_tickets.classes
    balance = {**{label: "1" for label in rest}, "no-such-label": "1"}
    with pytest.raises(ConfigError, match=rf"missing \['{first}'\]; unknown \['no-such-label'\]"):
        fmkit.adapt(few_tickets, method="finetune", config={"class_balance": balance}, out=tmp_path / "model")
    assert not (tmp_path / "model").exists()

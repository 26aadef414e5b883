from __future__ import annotations

import numpy as np
import pytest

from fmkit.selection.curve import RULE, BudgetRule, curve_log_ratio, fit_curve, plan_budget, probe_curve


def test_fit_recovers_an_inverse_power_law() -> None:
    points = [(n, 0.9 - 0.5 * n**-0.7) for n in (2.0, 3.0, 5.0, 8.0, 13.0)]
    curve = fit_curve(points)
    assert curve is not None
    assert (curve.a, curve.b, curve.c) == pytest.approx((0.9, 0.5, 0.7), abs=1e-3)
    assert curve(100) == pytest.approx(0.9 - 0.5 * 100**-0.7, abs=1e-3)


def test_budget_plan_grows_with_labels_and_stays_a_probability() -> None:
    curve = fit_curve([(n, 0.9 - 0.5 * n**-0.7) for n in (2.0, 3.0, 5.0, 8.0, 13.0)])
    assert curve is not None
    plan = plan_budget(curve, method_accuracy=0.8, cv_per_class=5, per_class=8, n_classes=4, n_items=32)
    assert [p.per_class for p in plan] == [16, 32, 64]
    assert [p.labels_to_add for p in plan] == [32, 96, 224]
    expected = [p.expected_accuracy for p in plan]
    assert 0.8 < expected[0] < expected[1] < expected[2] < 1.0
    assert all(0.0 <= p.low < p.expected_accuracy < p.high <= 1.0 for p in plan)
    assert 0 < plan[0].gain < plan[1].gain < plan[2].gain
    assert all(p.expected_accuracy - p.gain > 0.8 for p in plan)  # today's estimate: 8 labels beat the folds' 5


def test_the_error_falls_by_the_ratio_per_doubling() -> None:
    plan = plan_budget(None, method_accuracy=0.6, cv_per_class=4, per_class=8, n_classes=2, n_items=16)
    ratio = np.exp(RULE.log_ratio)
    errors = [1 - p.expected_accuracy for p in plan]
    assert errors == pytest.approx([0.4 * ratio**2, 0.4 * ratio**3, 0.4 * ratio**4])


def test_a_flat_curve_only_nudges_the_prior() -> None:
    flat = fit_curve([(n, 0.7) for n in (2.0, 3.0, 4.0, 5.0)])
    assert flat is not None
    assert curve_log_ratio(flat, 5) == pytest.approx(0.0, abs=1e-6)
    assert RULE.rate(flat, 5) == pytest.approx((1 - RULE.curve_weight) * RULE.log_ratio)
    assert RULE.rate(flat, 5) < 0  # more labels still buy accuracy
    assert BudgetRule(curve_weight=0.0).rate(flat, 5) == pytest.approx(RULE.log_ratio)


def test_more_scored_items_narrow_the_range() -> None:
    few, many = (
        plan_budget(None, method_accuracy=0.7, cv_per_class=5, per_class=8, n_classes=2, n_items=n)[0]
        for n in (16, 1600)
    )
    assert few.expected_accuracy == pytest.approx(many.expected_accuracy)
    assert few.high - few.low > 2 * (many.high - many.low)


def test_probe_curve_on_separable_embeddings_rises() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 12)
    centres = rng.normal(size=(3, 8)) * 1.2
    embeddings = (centres[y] + rng.normal(size=(len(y), 8))).astype(np.float32)
    folds = [(np.flatnonzero(np.arange(len(y)) % 3 != k), np.flatnonzero(np.arange(len(y)) % 3 == k)) for k in range(3)]
    curve = probe_curve(embeddings, y, folds, seed=0)
    assert curve is not None
    sizes = [n for n, _ in curve.points]
    assert sizes[0] == 2 and sizes[-1] == 8
    assert curve(64) >= curve(2)


def test_too_few_sizes_give_no_curve() -> None:
    y = np.repeat(np.arange(2), 3)
    embeddings = np.eye(6, dtype=np.float32)
    folds = [(np.array([0, 1, 3, 4]), np.array([2, 5])), (np.array([1, 2, 4, 5]), np.array([0, 3]))]
    assert probe_curve(embeddings, y, folds, seed=0) is None

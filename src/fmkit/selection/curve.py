"""Label budget planning: how much accuracy would N more labels buy?

A method's error falls by a roughly constant ratio each time the labels per class double (learning curves
follow an inverse power law, Figueroa et al., 2012, "Predicting sample size required for classification
performance"). Fitting that law to a few labels alone is unreliable: from 8 labels per class the fitted curve
is often flat where the measured accuracy still climbs (docs/benchmarks.md). So the ratio per doubling is an
empirical-Bayes estimate: the prior is the ratio measured by ``benchmarks/label_budget.py`` on six datasets
(``BudgetRule.log_ratio``), moved part of the way (``BudgetRule.curve_weight``) toward the data's own curve,
which a logistic-regression probe on frozen embeddings measures on growing per-class subsets of each
cross-validation fold. The chosen method's cross-validated error is then carried along that ratio:
``error(n') = error_cv * ratio ** log2(n' / n_cv)``, where ``n_cv`` is the labels per class the folds trained
on. The 80 % range adds the cross-validation's own noise (binomial on the scored items, widened by
``BudgetRule.level_sd_inflation``, measured) to the spread of the ratio; the benchmark checks how often it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPEATS = 3  # subsamples per (fold, size)
LOG_RATIO_RANGE = (-1.0, 0.0)  #: a curve's ratio is clipped to [e^-1, 1]: error falls, at most by 63 % a doubling
MIN_VARIANCE = 0.05  #: floor of p(1-p): a perfect CV score on a few items is not certainty
Z80 = 1.2816  #: half-width of a central 80 % normal range, in standard deviations


@dataclass(frozen=True)
class Curve:
    """The fitted probe learning curve ``a - b * n ** -c`` and the points it was fitted to."""

    a: float
    b: float
    c: float
    points: tuple[tuple[float, float], ...]  #: (labels per class, probe accuracy)

    def __call__(self, per_class: float) -> float:
        return float(np.clip(self.a - self.b * per_class ** (-self.c), 0.0, 1.0))


@dataclass(frozen=True)
class BudgetPoint:
    per_class: int  #: labels per class after labeling more
    labels_to_add: int  #: how many more labels in total (at the current class count)
    expected_accuracy: float
    low: float  #: the 80 % range of the accuracy
    high: float
    gain: float  #: expected accuracy minus today's (the same estimate at the current labels per class)

    def to_dict(self) -> dict[str, Any]:
        return {
            "per_class": self.per_class,
            "labels_to_add": self.labels_to_add,
            "expected_accuracy": round(self.expected_accuracy, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "gain": round(self.gain, 4),
        }


def probe_curve(
    embeddings: NDArray[np.float32],
    y: NDArray[np.int64],
    folds: list[tuple[NDArray[np.int64], NDArray[np.int64]]],
    seed: int,
) -> Curve | None:
    """Probe accuracy at growing per-class sizes inside each fold, fitted; None when too few sizes exist."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    n_classes = int(y.max()) + 1
    smallest = min(int(np.bincount(y[train], minlength=n_classes).min()) for train, _ in folds)
    sizes = sorted({round(float(s)) for s in np.geomspace(2, max(2, smallest), num=6)} | {smallest})
    if len(sizes) < 3:
        return None
    points = []
    for size in sizes:
        scores = []
        for train, test in folds:
            for _ in range(REPEATS if size < smallest else 1):
                chosen = np.concatenate(
                    [rng.choice(train[y[train] == k], size=size, replace=False) for k in range(n_classes)]
                )
                probe = LogisticRegression(C=10.0, max_iter=1000).fit(embeddings[chosen], y[chosen])
                scores.append(float((probe.predict(embeddings[test]) == y[test]).mean()))
        points.append((float(size), float(np.mean(scores))))
    return fit_curve(points)


def fit_curve(points: list[tuple[float, float]]) -> Curve | None:
    """Least-squares inverse power law through ``points``; None when it does not converge."""
    from scipy.optimize import curve_fit

    n = np.array([p[0] for p in points])
    acc = np.array([p[1] for p in points])

    def law(x: NDArray[np.float64], a: float, b: float, c: float) -> NDArray[np.float64]:
        return a - b * x ** (-c)

    try:
        (a, b, c), _ = curve_fit(
            law, n, acc, p0=(min(1.0, acc.max() + 0.05), 0.3, 0.5), bounds=([0, 0, 0.05], [1, 2, 2]), maxfev=5000
        )
    except (RuntimeError, ValueError):
        return None
    return Curve(float(a), float(b), float(c), tuple(points))


def curve_log_ratio(curve: Curve, per_class: float) -> float:
    """The fitted curve's log error ratio for one doubling of the labels per class at ``per_class``."""
    now, doubled = max(1e-3, 1 - curve(per_class)), max(1e-3, 1 - curve(2 * per_class))
    return float(np.clip(np.log(doubled / now), LOG_RATIO_RANGE[0], LOG_RATIO_RANGE[1]))


@dataclass(frozen=True)
class BudgetRule:
    """The forecast's constants; the defaults are ``python benchmarks/label_budget.py --prior`` (6 datasets x
    5 seeds, 8 -> 16/32/64 labels per class)."""

    log_ratio: float = -0.096  #: expected log error ratio per doubling of the labels per class
    spread: float = 0.097  #: standard deviation of the measured log ratio around this rule's
    curve_weight: float = 0.4  #: how far the data's own curve moves the ratio from the prior (0: prior only)
    level_sd_inflation: float = 1.68  #: cross-validated accuracy's miss of test accuracy, in binomial SEs

    def rate(self, curve: Curve | None, cv_per_class: float) -> float:
        """Expected log error ratio per doubling: the prior, moved ``curve_weight`` toward the data's curve."""
        if curve is None:
            return self.log_ratio
        return (1 - self.curve_weight) * self.log_ratio + self.curve_weight * curve_log_ratio(curve, cv_per_class)

    def level_sd(self, accuracy: float, n_items: int) -> float:
        """How far a cross-validated ``accuracy`` on ``n_items`` items may be from the test accuracy (1 sd)."""
        return self.level_sd_inflation * float(np.sqrt(max(accuracy * (1 - accuracy), MIN_VARIANCE) / max(1, n_items)))


RULE = BudgetRule()


def carried(accuracy: float, rate: float, from_per_class: float, to_per_class: float) -> float:
    """``accuracy`` measured with ``from_per_class`` labels per class, its error carried along ``rate``."""
    return 1 - (1 - accuracy) * float(np.exp(rate * np.log2(to_per_class / from_per_class)))


def plan_budget(
    curve: Curve | None,
    method_accuracy: float,
    cv_per_class: float,
    per_class: int,
    n_classes: int,
    n_items: int,
    rule: BudgetRule = RULE,
) -> list[BudgetPoint]:
    """Expected accuracy, its 80 % range and the gain over today at 2x, 4x and 8x the labels per class.

    ``method_accuracy`` is the cross-validated accuracy on ``n_items`` items with ``cv_per_class`` training
    labels per class in each fold; today's model has ``per_class``. See the module docstring for the rule."""
    rate = rule.rate(curve, cv_per_class)
    today = carried(method_accuracy, rate, cv_per_class, per_class)
    level_sd = rule.level_sd(method_accuracy, n_items)
    points = []
    for factor in (2, 4, 8):
        doublings = float(np.log2(per_class * factor / cv_per_class))
        accuracy = carried(method_accuracy, rate, cv_per_class, per_class * factor)
        sd = float(np.hypot(level_sd, (1 - accuracy) * doublings * rule.spread))
        expected = float(np.clip(accuracy, 0.0, 1.0))
        points.append(
            BudgetPoint(
                per_class * factor,
                per_class * (factor - 1) * n_classes,
                expected,
                float(np.clip(expected - Z80 * sd, 0.0, 1.0)),
                float(np.clip(expected + Z80 * sd, 0.0, 1.0)),
                expected - today,
            )
        )
    return points

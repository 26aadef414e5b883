"""Label budget planning: how much accuracy would N more labels buy?

The learning curve is measured where it is cheap, with a logistic-regression probe on frozen embeddings
trained on growing per-class subsets of each cross-validation fold, and fitted with the inverse power law
``accuracy(n) = a - b * n ** -c`` that learning curves follow (Figueroa et al., 2012, "Predicting sample
size required for classification performance"). The chosen method's own cross-validated error is then
scaled by the probe's predicted error ratio: ``err_method(n') = err_method(n) * err_probe(n') / err_probe(n)``.
That assumes the chosen method's error falls at the probe's rate; the label-efficiency benchmark checks how
well such a forecast from 8 labels per class predicts the measured accuracy at 64 (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPEATS = 3  # subsamples per (fold, size)


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "per_class": self.per_class,
            "labels_to_add": self.labels_to_add,
            "expected_accuracy": round(self.expected_accuracy, 4),
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


def expected_accuracy(curve: Curve, accuracy: float, at_per_class: float, per_class: float) -> float:
    """``accuracy`` measured with ``at_per_class`` labels per class, moved to ``per_class`` along the curve."""
    probe_error = max(1e-6, 1 - curve(at_per_class))
    error = (1 - accuracy) * (1 - curve(per_class)) / probe_error
    return float(np.clip(1 - error, 0.0, 1.0))


def plan_budget(
    curve: Curve, method_accuracy: float, cv_per_class: float, per_class: int, n_classes: int
) -> list[BudgetPoint]:
    """Expected accuracy at 2x, 4x and 8x the current labels per class (see the module docstring)."""
    return [
        BudgetPoint(
            per_class * factor,
            per_class * (factor - 1) * n_classes,
            expected_accuracy(curve, method_accuracy, cv_per_class, per_class * factor),
        )
        for factor in (2, 4, 8)
    ]

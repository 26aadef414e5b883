"""Cross-validated quality of a method on the user's own labeled data, with paired comparisons.

Every candidate is scored on the same stratified folds, so two candidates can be compared item by item:
``advantage`` returns the mean difference in out-of-fold correctness and its standard error (a paired
test over the training examples), which is what decides whether a difference is signal or fold noise.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from fmkit.data.labeled import LabeledTexts
from fmkit.errors import DataError
from fmkit.methods.protocol import FitJob, Method

Folds = list[tuple[NDArray[np.int64], NDArray[np.int64]]]


class Predictor(Protocol):
    labels: tuple[str, ...]

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]: ...


@dataclass(frozen=True)
class CVResult:
    """Out-of-fold predictions of one candidate on every training example."""

    name: str
    correct: NDArray[np.bool_]  #: out-of-fold correctness per training example, in the data's order
    proba: NDArray[np.float32]  #: out-of-fold probabilities [N, C]
    seconds: float  #: fit + predict wall-clock over all folds

    @property
    def accuracy(self) -> float:
        return float(self.correct.mean())

    def advantage(self, other: CVResult) -> tuple[float, float]:
        """(mean accuracy difference self - other, its paired standard error) on the same folds."""
        diff = self.correct.astype(np.float64) - other.correct.astype(np.float64)
        se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else float("inf")
        return float(diff.mean()), se


def stratified_folds(data: LabeledTexts, n_folds: int, seed: int) -> Folds:
    """Seeded stratified folds; fewer than ``n_folds`` when the rarest class has fewer examples."""
    from sklearn.model_selection import StratifiedKFold

    min_count = min(data.counts().values())
    if min_count < 2:
        raise DataError(
            f"cross-validation needs at least 2 examples of every class in {data.source}, the rarest has "
            f"{min_count}; label more examples of it"
        )
    splitter = StratifiedKFold(n_splits=min(n_folds, min_count), shuffle=True, random_state=seed)
    return [
        (train.astype(np.int64), test.astype(np.int64))
        for train, test in splitter.split(np.zeros(len(data)), np.array(data.labels))
    ]


def cross_validate(name: str, fit: Callable[[LabeledTexts], Predictor], data: LabeledTexts, folds: Folds) -> CVResult:
    """Fit on each fold's training part of ``data`` with ``fit`` and predict its held-out part."""
    labels = data.classes
    truth = np.array([labels.index(label) for label in data.labels])
    proba = np.zeros((len(data), len(labels)), np.float32)
    started = time.perf_counter()
    for train_idx, test_idx in folds:
        model = fit(data.subset(train_idx))
        fold_proba = model.predict_proba(data.subset(test_idx).texts)
        columns = np.array([labels.index(label) for label in model.labels], np.int64)
        proba[np.ix_(test_idx, columns)] = fold_proba
    correct = proba.argmax(axis=1) == truth
    return CVResult(name, correct, proba, time.perf_counter() - started)


def method_fitter(method: Method, config: Any, job: FitJob) -> Callable[[LabeledTexts], Predictor]:
    """``fit`` for ``cross_validate`` that runs a registered method on ``job`` with other training data.

    The folds hold labels in the labels' own class balance, so the fits do not shift their heads to an unlabeled
    pool's or a given one (``pool_prior``, ``class_balance``, fmkit.methods._pool_prior): that would be scored
    against the wrong balance.
    """
    from fmkit.methods._pool_prior import ClassBalanceOption, PoolPriorOption

    if isinstance(config, ClassBalanceOption):
        config = dataclasses.replace(config, class_balance=None)
    if isinstance(config, PoolPriorOption):
        config = dataclasses.replace(config, pool_prior=False)

    def fit(train: LabeledTexts) -> Predictor:
        return method.fit(dataclasses.replace(job, train=train, valid=None), config).model

    return fit

from __future__ import annotations

import numpy as np
import pytest

from fmkit.catalog import Catalog, resolve
from fmkit.config import bind
from fmkit.data import LabeledTexts
from fmkit.errors import DataError
from fmkit.methods import FitJob, registry
from fmkit.selection.crossval import CVResult, cross_validate, method_fitter, stratified_folds


def _result(name: str, correct: list[int]) -> CVResult:
    flags = np.array(correct, bool)
    return CVResult(name, flags, np.zeros((len(flags), 2), np.float32), 1.0)


def test_folds_are_stratified_and_cover_every_example_once(few_tickets: LabeledTexts) -> None:
    folds = stratified_folds(few_tickets, 3, seed=0)
    held_out = np.concatenate([test for _, test in folds])
    assert sorted(held_out.tolist()) == list(range(len(few_tickets)))
    for train, _ in folds:  # every class is on the training side of every fold
        assert set(few_tickets.subset(train).classes) == set(few_tickets.classes)


def test_folds_shrink_to_the_rarest_class_and_refuse_singletons() -> None:
    data = LabeledTexts.of(["a", "b", "c", "d", "e"], ["x", "x", "x", "y", "y"])
    assert len(stratified_folds(data, 5, seed=0)) == 2
    with pytest.raises(DataError, match="at least 2 examples of every class"):
        stratified_folds(LabeledTexts.of(["a", "b", "c"], ["x", "x", "y"]), 3, seed=0)


def test_paired_advantage_and_its_standard_error() -> None:
    better = _result("a", [1, 1, 1, 1, 0, 1, 1, 1])
    worse = _result("b", [1, 0, 1, 0, 0, 1, 0, 1])
    gain, se = better.advantage(worse)
    assert gain == pytest.approx(3 / 8)
    assert 0 < se < gain
    assert better.advantage(better) == (0.0, 0.0)


def test_out_of_fold_predictions_of_a_real_method(few_tickets: LabeledTexts) -> None:
    card = Catalog().get("minilm-l6")
    job = FitJob(card, resolve(card), few_tickets, seed=0)
    method = registry.get("linear-probe")
    fit = method_fitter(method, bind(method.config_type, {}), job)
    result = cross_validate("linear-probe", fit, few_tickets, stratified_folds(few_tickets, 3, seed=0))
    assert result.proba.shape == (len(few_tickets), len(few_tickets.classes))
    np.testing.assert_allclose(result.proba.sum(axis=1), 1.0, atol=1e-5)  # every row was predicted out of fold
    assert result.accuracy > 0.6  # 4 classes, chance 0.25

"""Splits, sampling and fingerprints."""

from __future__ import annotations

import pytest

from fmkit.data import LabeledTexts, sample_per_class, stratified_sample, stratified_split
from fmkit.errors import DataError

DATA = LabeledTexts.of([f"text {i}" for i in range(30)], ["a"] * 20 + ["b"] * 9 + ["c"])


def test_stratified_split_is_seeded_and_keeps_every_class_in_train() -> None:
    train, valid = stratified_split(DATA, 0.2, seed=3)
    again, _ = stratified_split(DATA, 0.2, seed=3)
    assert train == again
    assert set(train.classes) == {"a", "b", "c"}
    assert valid.counts() == {"a": 4, "b": 2}
    assert not set(train.texts) & set(valid.texts)
    assert len(train) + len(valid) == len(DATA)


def test_stratified_sample_keeps_proportions_and_rare_classes() -> None:
    sample = stratified_sample(DATA, 15, seed=0)
    assert sample.counts() == {"a": 10, "b": 4, "c": 1}  # c has only one example: it is kept
    assert sample == stratified_sample(DATA, 15, seed=0)
    assert stratified_sample(DATA, 100, seed=0) is DATA


def test_sample_per_class() -> None:
    sample = sample_per_class(DATA.subset(range(29)), 5, seed=0)
    assert sample.counts() == {"a": 5, "b": 5}
    assert sample != sample_per_class(DATA.subset(range(29)), 5, seed=1)
    with pytest.raises(DataError, match="class 'b' has 9 examples"):
        sample_per_class(DATA, 10, seed=0)


def test_fingerprint_ignores_order_but_not_content() -> None:
    reordered = DATA.subset(list(reversed(range(len(DATA)))))
    assert reordered.fingerprint() == DATA.fingerprint()
    relabeled = LabeledTexts.of(DATA.texts, ["a"] * 19 + ["b"] * 10 + ["c"])
    assert relabeled.fingerprint() != DATA.fingerprint()

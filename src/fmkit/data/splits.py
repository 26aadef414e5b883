"""Seeded, stratified splits and per-class sampling."""

from __future__ import annotations

import numpy as np

from fmkit.data.labeled import LabeledTexts
from fmkit.errors import DataError


def stratified_split(data: LabeledTexts, valid_fraction: float, seed: int) -> tuple[LabeledTexts, LabeledTexts]:
    """Split ``data`` into (train, valid), keeping at least one example of every class on the train side.

    Each class contributes ``round(n_class * valid_fraction)`` examples to valid, but never its last one,
    so the split works even for very few labels (a class with one example stays in train).
    """
    rng = np.random.default_rng(seed)
    labels = np.array(data.labels)
    train_idx: list[int] = []
    valid_idx: list[int] = []
    for label in data.classes:
        idx = rng.permutation(np.flatnonzero(labels == label))
        n_valid = min(len(idx) - 1, round(len(idx) * valid_fraction))
        valid_idx += idx[:n_valid].tolist()
        train_idx += idx[n_valid:].tolist()
    return data.subset(sorted(train_idx)), data.subset(sorted(valid_idx))


def sample_per_class(data: LabeledTexts, n_per_class: int, seed: int) -> LabeledTexts:
    """``n_per_class`` examples of every class, drawn without replacement with ``seed``."""
    rng = np.random.default_rng(seed)
    labels = np.array(data.labels)
    chosen: list[int] = []
    for label in data.classes:
        idx = np.flatnonzero(labels == label)
        if len(idx) < n_per_class:
            raise DataError(
                f"class {label!r} has {len(idx)} examples in {data.source}; cannot sample {n_per_class} per class"
            )
        chosen += rng.choice(idx, size=n_per_class, replace=False).tolist()
    return data.subset(sorted(chosen))


def stratified_sample(data: LabeledTexts, size: int, seed: int) -> LabeledTexts:
    """About ``size`` examples in the data's class proportions, keeping at least 3 of every class (or all it has)."""
    if len(data) <= size:
        return data
    rng = np.random.default_rng(seed)
    labels = np.array(data.labels)
    share = size / len(data)
    chosen: list[int] = []
    for label in data.classes:
        idx = np.flatnonzero(labels == label)
        quota = min(len(idx), max(3, round(len(idx) * share)))
        chosen += rng.choice(idx, size=quota, replace=False).tolist()
    return data.subset(sorted(chosen))

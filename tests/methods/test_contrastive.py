"""contrastive's data-size rules: the number of tuning steps and the class-balanced batches."""

from __future__ import annotations

import numpy as np

from fmkit.methods.contrastive import MAX_STEPS, MIN_STEPS, PASSES, auto_steps, balanced_batch


def test_few_labels_get_the_floor_of_steps() -> None:
    assert auto_steps(16, 32) == MIN_STEPS  # 8 labels of 2 classes: 0.5 steps per pass
    assert auto_steps(40, 32) == MIN_STEPS  # 8 labels of 5 classes


def test_more_labels_get_more_passes_up_to_the_cap() -> None:
    assert auto_steps(128, 32) == PASSES * 4  # 64 labels of 2 classes: 4 batches a pass
    assert auto_steps(384, 32) == 192  # 64 labels of 6 classes
    assert auto_steps(384, 32) > auto_steps(128, 32)
    assert auto_steps(100_000, 32) == MAX_STEPS


def test_balanced_batch_draws_every_class_equally_without_repeats() -> None:
    labels = np.repeat(np.arange(4), 64)
    by_class = [np.flatnonzero(labels == c) for c in range(4)]
    batch = balanced_batch(by_class, 32, np.random.default_rng(0))
    assert len(batch) == 32 and len(set(batch)) == 32
    assert np.bincount(labels[batch], minlength=4).tolist() == [8, 8, 8, 8]


def test_balanced_batch_never_repeats_a_text_of_a_small_class() -> None:
    labels = np.repeat(np.arange(2), 8)  # 8 labels of 2 classes: a batch of 32 would be half repeats
    by_class = [np.flatnonzero(labels == c) for c in range(2)]
    batch = balanced_batch(by_class, 32, np.random.default_rng(0))
    assert len(batch) == 16 and len(set(batch)) == 16

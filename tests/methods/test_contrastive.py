"""contrastive's data-size rules: the number of tuning steps, the stopping rule and the class-balanced batches."""

from __future__ import annotations

import numpy as np
import pytest

import fmkit
from fmkit.data import LabeledTexts
from fmkit.errors import ConfigError
from fmkit.methods.contrastive import (
    MAX_STEPS,
    MIN_STEPS,
    PASSES,
    WINDOW,
    ContrastiveConfig,
    auto_steps,
    balanced_batch,
    converged,
    stop_threshold,
)


def test_few_labels_get_the_floor_of_steps() -> None:
    assert auto_steps([8, 8], 32) == MIN_STEPS  # 8 labels of 2 classes: 28 pairs a class, 28 a batch holds
    assert auto_steps([8] * 5, 32) == MIN_STEPS  # 8 labels of 5 classes
    assert auto_steps([8] * 6, 32) == 24  # 6 classes: 16 passes over the 48 texts take more steps than the pairs


def test_steps_follow_the_same_label_pairs_not_the_texts() -> None:
    binary, emotion = auto_steps([64, 64], 32), auto_steps([64] * 6, 32)
    assert binary == 64 == PASSES * 128 // 32  # 16 passes over the 128 texts: the binary sets' measured knee
    # A batch of 32 holds 5 texts of each of 6 classes (10 pairs a class, against 120 for 2 classes): 12 times
    # fewer of a class's 2,016 pairs a step, so 12 times the steps; 3 times the texts, 4 times the text passes.
    assert emotion == 767
    assert 60 < auto_steps([64, 70], 32) < 75  # uneven classes: the pairs of both
    assert auto_steps([64] * 77, 32) == MAX_STEPS  # many classes: the cap


def test_the_stopping_rule_is_off_for_many_classes_and_for_supcon() -> None:
    config = ContrastiveConfig()
    assert stop_threshold(config, 4) == config.contrastive_stop_loss
    assert stop_threshold(config, 6) is None  # emotion's extra steps come after its pairs are fit
    assert stop_threshold(ContrastiveConfig(contrastive_stop_classes=6), 6) == config.contrastive_stop_loss
    assert stop_threshold(ContrastiveConfig(contrastive_loss="supcon"), 2) is None


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


def test_the_stopping_rule_looks_at_whole_windows_past_the_floor() -> None:
    low = [0.001] * 100
    assert not converged(low[:WINDOW], WINDOW, None)  # the rule is off
    assert not converged(low[: MIN_STEPS - 1], MIN_STEPS - 1, 0.05)  # below the floor
    assert not converged(low[: WINDOW + 3], WINDOW + 3, 0.05)  # mid-window
    assert converged(low[: 2 * WINDOW], 2 * WINDOW, 0.05)
    high_then_low = [0.3] * WINDOW + [0.001] * (WINDOW // 2) + [0.3] * (WINDOW // 2)
    assert not converged(high_then_low, 2 * WINDOW, 0.05)  # the window's mean, not its last steps


def test_a_fit_stops_when_the_pair_loss_is_low_and_records_its_windows(few_tickets: LabeledTexts) -> None:
    planned = 3 * WINDOW
    config: dict[str, object] = {"contrastive_steps": planned, "contrastive_stop_loss": None}
    full = fmkit.adapt(few_tickets, method="contrastive", seed=0, config=config)
    info = full.manifest["fit_info"]
    assert info["steps"] == info["planned_steps"] == planned and len(info["loss_windows"]) == 3
    assert info["loss_windows"][-1] < info["loss_windows"][0]  # the pair loss falls while tuning
    threshold = info["loss_windows"][0] + 1e-3  # the first window is below it: the rule fires at the floor
    config["contrastive_stop_loss"] = threshold
    stopped = fmkit.adapt(few_tickets, method="contrastive", seed=0, config=config)
    assert stopped.manifest["fit_info"]["steps"] == max(MIN_STEPS, WINDOW) < planned
    assert stopped.manifest["fit_info"]["loss_windows"] == info["loss_windows"][:1]  # same batches up to the stop


def test_a_bad_stop_loss_is_refused(few_tickets: LabeledTexts) -> None:
    with pytest.raises(ConfigError, match="contrastive_stop_loss"):
        fmkit.adapt(few_tickets, method="contrastive", config={"contrastive_stop_loss": 2.0})


def test_the_stopping_rule_is_for_the_cosine_loss_only(few_tickets: LabeledTexts) -> None:
    config = {"contrastive_steps": 2 * WINDOW, "contrastive_loss": "supcon", "contrastive_stop_loss": 0.99}
    model = fmkit.adapt(few_tickets, method="contrastive", seed=0, config=config)
    assert model.manifest["fit_info"]["steps"] == 2 * WINDOW  # supcon's loss has another scale: no stop

"""self-train specifics: it needs a pool, it pseudo-labels in a class-balanced way, it records its rounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fmkit
from fmkit.data import LabeledTexts
from fmkit.methods.self_train import select_pseudo_labels, teacher_score


def test_needs_an_unlabeled_pool(few_tickets: LabeledTexts) -> None:
    with pytest.raises(fmkit.ConfigError, match="pass --unlabeled POOL.csv"):
        fmkit.adapt(few_tickets, method="self-train", config={"self_train_base": "linear-probe"})


def test_cannot_wrap_itself() -> None:
    with pytest.raises(fmkit.ConfigError, match="cannot be self-train itself"):
        fmkit.adapt(
            LabeledTexts.of(["a", "b"], ["x", "y"]), method="self-train", config={"self_train_base": "self-train"}
        )


def test_selection_is_class_balanced_and_confident() -> None:
    proba = np.array([[0.95, 0.05], [0.9, 0.1], [0.99, 0.01], [0.2, 0.8], [0.1, 0.9], [0.6, 0.4]])
    index, classes = select_pseudo_labels(proba, ("a", "b"), threshold=0.8, per_class=10)
    assert sorted(zip(index.tolist(), classes.tolist(), strict=True)) == [(0, 0), (2, 0), (3, 1), (4, 1)]


def test_records_rounds_and_grows_the_training_set(few_tickets: LabeledTexts, tickets: dict[str, Path]) -> None:
    config = {"self_train_base": "linear-probe", "self_train_rounds": 2, "self_train_per_class": 20}
    model = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=tickets["train"])
    rounds = model.manifest["fit_info"]["rounds"]
    assert rounds[0]["pseudo_labels"] > 0 and rounds[0]["pseudo_labels"] % len(model.labels) == 0
    assert model.manifest["data"]["unlabeled"]["n"] == 240
    assert model.manifest["data"]["n_train"] == len(few_tickets)


def test_in_memory_pool_is_validated_like_a_file(few_tickets: LabeledTexts) -> None:
    pool = LabeledTexts.of(["a fine text", "   "])
    with pytest.raises(fmkit.DataError, match=r"empty text .* at row 2"):
        fmkit.adapt(few_tickets, method="self-train", unlabeled=pool, config={"self_train_base": "linear-probe"})


def test_teacher_score_prefers_pseudo_labels_that_agree_with_people() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[3.0, 0.0], [-3.0, 0.0]])
    pool_classes = rng.integers(0, 2, 200)
    pool = centres[pool_classes] + rng.normal(size=(200, 2))
    human_classes = np.array([0, 1] * 8)
    human = centres[human_classes] + rng.normal(size=(16, 2))
    wrong_block = pool_classes.copy()
    wrong_block[(pool_classes == 0) & (pool[:, 1] > 0)] = 1  # a teacher confidently wrong on half of class 0
    right = teacher_score(pool, pool_classes, human, human_classes, 2)
    wrong = teacher_score(pool, wrong_block, human, human_classes, 2)
    assert right > wrong
    assert teacher_score(pool[:0], pool_classes[:0], human, human_classes, 2) == float("-inf")


def test_guard_returns_the_best_judged_model(few_tickets: LabeledTexts, tickets: dict[str, Path]) -> None:
    config = {"self_train_base": "linear-probe", "self_train_rounds": 3, "self_train_per_class": 20}
    info = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=tickets["train"]).manifest["fit_info"]
    scores = info["teacher_scores"]
    assert 1 <= len(scores) <= 4 and info["stopped"] in ("guard", "stable", "rounds")
    assert (
        info["kept_round"]
        == int(np.argmax(scores[: info["kept_round"] + 1]))
        == len(scores) - 1 - (info["stopped"] == "guard")
    )
    if info["stopped"] == "guard":
        assert scores[-1] < max(scores)
    unguarded = {**config, "self_train_guard": False}
    info = fmkit.adapt(few_tickets, method="self-train", config=unguarded, unlabeled=tickets["train"]).manifest[
        "fit_info"
    ]
    assert info["teacher_scores"] == [] and info["kept_round"] == len(info["rounds"])

"""self-train specifics: it needs a pool, it pseudo-labels in a class-balanced way, it records its rounds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import fmkit
from fmkit.data import LabeledTexts
from fmkit.data.validate import load_labeled
from fmkit.errors import ConfigError
from fmkit.methods._loop import score_on
from fmkit.methods.contrastive import ContrastiveConfig, auto_steps
from fmkit.methods.linear_probe import LinearProbeConfig
from fmkit.methods.self_train import refit_config, select_pseudo_labels


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


def six_classes(per_class: int) -> LabeledTexts:
    n = 6 * per_class
    return LabeledTexts.of([f"text {i}" for i in range(n)], [f"c{i % 6}" for i in range(n)])


def test_contrastive_refits_keep_the_benchmarked_budget() -> None:
    labeled, grown = six_classes(8), six_classes(72)  # 8 human labels and 64 pseudo-labels a class
    refit = refit_config(ContrastiveConfig(), labeled, grown)
    assert refit.contrastive_steps == 200 < auto_steps([72] * 6, 32)  # 16 text passes, capped; not the pair rule
    assert refit.contrastive_stop_classes == 6  # the stopping rule stays on
    set_by_user = ContrastiveConfig(contrastive_steps=50)
    assert refit_config(set_by_user, labeled, grown) is set_by_user
    other = LinearProbeConfig()
    assert refit_config(other, labeled, grown) is other


def test_a_contrastive_refit_takes_at_least_the_labeled_only_fits_steps() -> None:
    labeled = six_classes(64)  # the labeled-only fit: 767 steps, over the refits' 200-step cap
    refit = refit_config(ContrastiveConfig(), labeled, six_classes(64 + 512))
    assert refit.contrastive_steps == auto_steps([64] * 6, 32) == 767


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


def test_guard_returns_the_best_model_on_the_validation_set(
    few_tickets: LabeledTexts, tickets: dict[str, Path]
) -> None:
    config = {"self_train_base": "linear-probe", "self_train_rounds": 3, "self_train_per_class": 20}
    config["pool_prior"] = False  # the guard judges the models before the final head shift
    valid = load_labeled(str(tickets["test"]))
    model = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=tickets["train"], valid=valid)
    info = model.manifest["fit_info"]
    scores = info["valid_accuracy"]
    assert info["guard"] == "validation" and info["stopped"] in ("guard", "stable", "rounds")
    assert 1 <= len(scores) <= 4 and info["kept_round"] == len(scores) - 1 - (info["stopped"] == "guard")
    assert scores[info["kept_round"]] == max(scores) and len(info["valid_log_likelihood"]) == len(scores)
    if info["stopped"] == "guard":
        assert scores[-1] < max(scores)
    accuracy, nll = score_on(model.adapted, valid)
    assert accuracy == pytest.approx(max(scores), abs=1e-3)  # the model handed back is the kept one
    assert -nll == pytest.approx(info["valid_log_likelihood"][info["kept_round"]], abs=1e-3)
    proba = model.predict_proba(list(valid.texts))  # the recorded scores are accuracy and mean log-likelihood
    truth = np.array([model.labels.index(lab) for lab in valid.labels])
    assert float(np.mean(proba.argmax(axis=1) == truth)) == pytest.approx(accuracy)
    assert float(np.mean(np.log(proba[np.arange(len(truth)), truth]))) == pytest.approx(-nll, abs=1e-3)


def test_without_a_validation_set_every_round_is_kept(few_tickets: LabeledTexts, tickets: dict[str, Path]) -> None:
    config = {"self_train_base": "linear-probe", "self_train_rounds": 2, "self_train_per_class": 20}
    info = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=tickets["train"]).manifest["fit_info"]
    assert info["guard"] == "no validation set" and info["valid_accuracy"] == []
    assert info["kept_round"] == len(info["rounds"])


def test_a_kept_labeled_only_model_is_not_shifted(few_tickets: LabeledTexts, tickets: dict[str, Path]) -> None:
    config: dict[str, Any] = {"self_train_base": "linear-probe", "self_train_rounds": 1, "self_train_threshold": 0.999}
    info = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=tickets["train"]).manifest["fit_info"]
    assert info["stopped"] == "no pseudo-labels" and info["kept_round"] == 0  # no class has a text that confident
    assert info["pool_prior"] is None  # as the base method alone would not be
    balance = {label: "1" for label in few_tickets.classes}  # a given balance still applies
    config["class_balance"] = balance
    info = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=tickets["train"]).manifest["fit_info"]
    assert info["kept_round"] == 0 and set(info["class_balance"]) == set(balance)


def test_the_final_head_moves_to_the_pool_balance(
    few_tickets: LabeledTexts, tickets: dict[str, Path], heavy_pool: tuple[LabeledTexts, str]
) -> None:
    train = load_labeled(str(tickets["train"]))
    pool, common = heavy_pool  # mostly one class
    config = {"self_train_base": "linear-probe", "self_train_rounds": 1, "self_train_per_class": 5}
    shifted = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=pool)
    plain = fmkit.adapt(few_tickets, method="self-train", config={**config, "pool_prior": False}, unlabeled=pool)
    prior = shifted.manifest["fit_info"]["pool_prior"]
    assert plain.manifest["fit_info"]["pool_prior"] is None
    assert max(prior, key=prior.get) == common and prior[common] > 1.5 / len(train.classes)
    assert sum(prior.values()) == pytest.approx(1.0, abs=1e-3)
    texts = list(train.texts)
    assert shifted.predict(texts).count(common) > plain.predict(texts).count(common)


def test_a_pool_of_only_labeled_texts_adds_nothing(few_tickets: LabeledTexts) -> None:
    pool = LabeledTexts.of(list(few_tickets.texts))  # every pool text is labeled, so none is left to learn from
    config = {"self_train_base": "linear-probe", "self_train_rounds": 1}
    info = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=pool).manifest["fit_info"]
    assert info["pool_scored"] == 0 and info["stopped"] == "no pseudo-labels" and info["pool_prior"] is None


def test_a_given_class_balance_takes_the_place_of_the_pool_estimate(
    few_tickets: LabeledTexts, heavy_pool: tuple[LabeledTexts, str]
) -> None:
    pool, _ = heavy_pool
    balance = {label: "1" for label in few_tickets.classes}
    config = {"self_train_base": "linear-probe", "self_train_rounds": 1, "class_balance": balance}
    info = fmkit.adapt(few_tickets, method="self-train", config=config, unlabeled=pool).manifest["fit_info"]
    assert info["pool_prior"] is None and set(info["class_balance"]) == set(balance)
    base_config = {"self_train_base": "linear-probe", "self_train_base_config": {"class_balance": json.dumps(balance)}}
    with pytest.raises(ConfigError, match="class_balance is self-train's own option"):
        fmkit.adapt(few_tickets, method="self-train", config=base_config, unlabeled=pool)

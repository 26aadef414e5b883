"""self-train: grow the labeled set with confident pseudo-labels from an unlabeled pool, retrain, repeat.

Reference: Yarowsky, 1995; Xie et al., 2020, "Self-training with Noisy Student"; for few-shot text
classification with SetFit-style encoders, Schick & Schuetze, 2021 (iPET) show the same loop pays off.
Each round fits the base method (``self_train_base``, default ``contrastive``) on the human labels plus
the pseudo-labels chosen so far, scores the pool, and keeps for every class the same number of its most
confident predictions above ``self_train_threshold`` (class balance keeps a dominant class from taking
over). It stops after ``self_train_rounds`` or when a round changes less than 2 % of the pseudo-labels.

A round is kept only if it made a better teacher. Every model's pseudo-labels are judged by a student that
never sees a human label: logistic regression on the frozen base encoder's embeddings of the pseudo-labeled
texts alone, scored by the mean log-likelihood it gives the human labels. A teacher that is confidently
wrong on a region of the pool writes that error into its pseudo-labels, and the student carries it to the
human-labeled texts of that region. When a round's model scores below the best so far, that model is
dropped, the best one is returned and the loop stops (``self_train_guard`` turns this off).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmkit.data.labeled import LabeledTexts
from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register

STABLE = 0.02  # stop when fewer than this share of pseudo-labels change between rounds
STUDENT_C = 10.0  # inverse regularisation of the guard's student (the linear-probe default on normalised embeddings)


@dataclass(frozen=True)
class SelfTrainConfig:
    """Options of ``self-train``."""

    self_train_base: str = "contrastive"  #: the method fit in every round
    self_train_base_config: dict[str, str] | None = None  #: options of the base method (JSON mapping)
    self_train_rounds: int = 2  #: pseudo-labeling rounds after the labeled-only fit
    self_train_threshold: float = 0.8  #: lowest probability a pseudo-label may have
    self_train_per_class: int | None = None  #: most pseudo-labels per class; None = 8 x the labels per class
    self_train_pool_size: int = 4000  #: pool texts scored per round (a seeded sample of a larger pool)
    self_train_guard: bool = True  #: keep a round only if its pseudo-labels explain the human labels better

    def problems(self) -> list[str]:
        out = []
        if self.self_train_base == "self-train":
            out.append("self_train_base cannot be self-train itself; use contrastive, linear-probe, finetune or lora")
        if not 1 <= self.self_train_rounds <= 10:
            out.append(f"self_train_rounds must be between 1 and 10, got {self.self_train_rounds}")
        if not 0 < self.self_train_threshold < 1:
            out.append(f"self_train_threshold must be in (0, 1), got {self.self_train_threshold}")
        if self.self_train_per_class is not None and self.self_train_per_class < 1:
            out.append(f"self_train_per_class must be >= 1, got {self.self_train_per_class}")
        if self.self_train_pool_size < 10:
            out.append(f"self_train_pool_size must be >= 10, got {self.self_train_pool_size}")
        return out


def select_pseudo_labels(
    proba: np.ndarray[Any, Any], labels: tuple[str, ...], threshold: float, per_class: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(pool indices, class ids): the same number k of most confident predictions for every class."""
    predicted, confidence = proba.argmax(axis=1), proba.max(axis=1)
    chosen = []
    for c in range(len(labels)):
        idx = np.flatnonzero((predicted == c) & (confidence >= threshold))
        chosen.append(idx[np.argsort(-confidence[idx])])
    k = min(per_class, *(len(idx) for idx in chosen))
    index = np.concatenate([idx[:k] for idx in chosen]).astype(np.int64)
    return index, predicted[index]


def teacher_score(
    pseudo_embeddings: np.ndarray[Any, Any],
    pseudo_classes: np.ndarray[Any, Any],
    human_embeddings: np.ndarray[Any, Any],
    human_classes: np.ndarray[Any, Any],
    n_classes: int,
) -> float:
    """Mean log-likelihood of the human labels under a student fit on the pseudo-labels alone (higher is better).

    The student is logistic regression on frozen embeddings, so the score judges the teacher's pseudo-labels,
    not the student's capacity; the human texts are never in its training set.
    """
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(pseudo_classes)) < n_classes:
        return float("-inf")
    student = LogisticRegression(C=STUDENT_C, max_iter=2000).fit(pseudo_embeddings, pseudo_classes)
    proba = student.predict_proba(human_embeddings)  # columns 0..n_classes-1: every class was in the fit
    return float(np.mean(np.log(np.clip(proba[np.arange(len(human_classes)), human_classes], 1e-12, 1.0))))


class SelfTrain(EncoderMethod):
    name = "self-train"
    summary = "fits a base method, pseudo-labels an unlabeled pool (--unlabeled) where confident, refits"
    paper = "Xie et al., 2020, Self-training with Noisy Student; Schick & Schuetze, 2021, iPET"
    config_type = SelfTrainConfig

    def fit(self, job: FitJob, config: SelfTrainConfig) -> Fitted:
        from fmkit.config import bind
        from fmkit.errors import ConfigError
        from fmkit.methods import registry

        if job.unlabeled is None or not len(job.unlabeled):
            raise ConfigError("self-train learns from unlabeled texts: pass --unlabeled POOL.csv (a text column)")
        base = registry.get(config.self_train_base)
        base_config = bind(base.config_type, config.self_train_base_config or {}, where="self_train_base_config")
        rng = np.random.default_rng(job.seed)
        pool = job.unlabeled
        if len(pool) > config.self_train_pool_size:
            pool = pool.subset(np.sort(rng.choice(len(pool), config.self_train_pool_size, replace=False)))
        pool = pool.subset(np.flatnonzero(~np.isin(pool.hashes(), job.train.hashes())))
        labels = job.train.classes
        per_class = config.self_train_per_class or 8 * min(job.train.counts().values())
        fitted = base.fit(job, base_config)
        judge = _Judge(job, pool, config.self_train_guard)
        rounds: list[dict[str, Any]] = []
        scores: list[float] = []  # the guard's score of model 0 (labeled only), 1, 2, ...
        previous: dict[int, int] = {}
        best_fitted, best_score, kept, stopped = fitted, float("-inf"), 0, "rounds"
        for round_number in range(1, config.self_train_rounds + 2):
            if round_number > config.self_train_rounds and not judge.enabled:
                best_fitted, kept = fitted, round_number - 1
                break  # the last model needs pool scores only for the guard to judge it
            index, classes = select_pseudo_labels(
                fitted.model.predict_proba(pool.texts), labels, config.self_train_threshold, per_class
            )
            if judge.enabled:
                scores.append(judge.score(index, classes))
                if scores[-1] < best_score:
                    stopped = "guard"
                    break
                best_score = scores[-1]
            best_fitted, kept = fitted, round_number - 1
            if round_number > config.self_train_rounds:
                break
            current = dict(zip(index.tolist(), classes.tolist(), strict=True))
            changed = sum(previous.get(i) != c for i, c in current.items()) + len(set(previous) - set(current))
            change_rate = changed / max(len(current), 1)
            if not current or (previous and change_rate < STABLE):
                stopped = "no pseudo-labels" if not current else "stable"
                break
            rounds.append({"round": round_number, "pseudo_labels": len(current), "changed_share": change_rate})
            pseudo = LabeledTexts(
                tuple(pool.texts[i] for i in index),
                tuple(labels[c] for c in classes),
                f"pseudo-labels of {pool.source}",
            )
            grown = LabeledTexts(job.train.texts + pseudo.texts, job.train.labels + pseudo.labels, job.train.source)
            fitted = base.fit(dataclasses.replace(job, train=grown), base_config)
            previous = current
        info = {
            "base": base.name,
            "pool_scored": len(pool),
            "rounds": rounds,
            "teacher_scores": [round(x, 4) if np.isfinite(x) else None for x in scores],
            "kept_round": kept,
            "stopped": stopped,
            "base_info": best_fitted.info,
        }
        return Fitted(best_fitted.model, info)


class _Judge:
    """Scores each teacher's pseudo-labels with ``teacher_score``; the frozen embeddings are computed once."""

    def __init__(self, job: FitJob, pool: LabeledTexts, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            from fmkit.methods.encoder_head import EncoderClassifier

            labels = job.train.classes
            frozen = EncoderClassifier.from_encoder(job.base_dir, labels)
            self.pool = frozen.embed(pool.texts)
            self.human = frozen.embed(job.train.texts)
            self.human_classes = np.array([labels.index(lab) for lab in job.train.labels])
            self.n_classes = len(labels)

    def score(self, index: np.ndarray[Any, Any], classes: np.ndarray[Any, Any]) -> float:
        return teacher_score(self.pool[index], classes, self.human, self.human_classes, self.n_classes)


register(SelfTrain())

"""distill: an LLM labels the unlabeled pool, a small encoder classifier learns from its confident labels.

Reference: Hinton et al., 2015 (distillation); Wang et al., 2021, "Want To Reduce Labeling Cost? GPT-3 Can
Help" (LLM pseudo-labels train a small model). The teacher is one of fmkit's LLM methods (``llm-zero-shot``
or ``llm-prompt``) fitted on the human labels (which calibrate it, or serve as its demonstrations); it scores
a seeded sample of the pool, and for every class the same share of its most confident predictions is kept
(class balance, so that the teacher's favourite class does not flood the student). A student cannot beat a
teacher it copies, so first both are cross-validated on the human labels (same folds): when the teacher is
less accurate than the student trained on the human labels alone, its labels would only teach its mistakes,
and the student is trained on the human labels alone (``distill_gate``; the reason is recorded). The student, the base
model of ``fmkit adapt --model`` (an encoder) with ``distill_student``, trains on those pseudo-labels and,
with ``distill_with_human``, the human labels. The artifact is the student alone: as fast as any encoder
classifier, no LLM needed at prediction time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmkit.catalog.cards import GENERATIVE
from fmkit.data.labeled import LabeledTexts
from fmkit.errors import ConfigError
from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register

TEACHERS = ("llm-zero-shot", "llm-prompt")


@dataclass(frozen=True)
class DistillConfig:
    """Options of ``distill``."""

    distill_teacher: str = "smollm2-135m-instruct"  #: the decoder LLM that labels the pool (catalog id or path)
    distill_teacher_method: str = "llm-zero-shot"  #: llm-zero-shot | llm-prompt
    distill_teacher_config: dict[str, str] | None = None  #: the teacher method's options (JSON mapping)
    distill_student: str = "finetune"  #: the encoder method trained on the pseudo-labels
    distill_student_config: dict[str, str] | None = None  #: its options (JSON mapping)
    distill_keep: float = 0.5  #: share of the pool kept as pseudo-labels (most confident, balanced per class)
    distill_pool_size: int = 2000  #: pool texts the teacher labels (a seeded sample of a larger pool)
    distill_with_human: bool = True  #: train the student on the human labels too
    distill_gate: bool = True  #: use the teacher only if it beats the student on held-out human labels

    def problems(self) -> list[str]:
        out = []
        if self.distill_teacher_method not in TEACHERS:
            out.append(
                f"distill_teacher_method must be one of {', '.join(TEACHERS)}, got {self.distill_teacher_method!r}"
            )
        if self.distill_student in ("distill", "auto", *TEACHERS):
            out.append(
                f"distill_student must be an encoder method (finetune, linear-probe, ...), got {self.distill_student!r}"
            )
        if not 0 < self.distill_keep <= 1:
            out.append(f"distill_keep must be in (0, 1], got {self.distill_keep}")
        if self.distill_pool_size < 10:
            out.append(f"distill_pool_size must be >= 10, got {self.distill_pool_size}")
        return out


class Distill(EncoderMethod):
    name = "distill"
    summary = "an LLM labels the unlabeled pool (--unlabeled), a small encoder learns from its confident labels"
    paper = "Hinton et al., 2015; Wang et al., 2021, Want To Reduce Labeling Cost? GPT-3 Can Help"
    config_type = DistillConfig

    def fit(self, job: FitJob, config: DistillConfig) -> Fitted:
        from fmkit.catalog import Catalog, resolve
        from fmkit.config import bind
        from fmkit.methods import registry
        from fmkit.methods.self_train import select_pseudo_labels

        if job.unlabeled is None or not len(job.unlabeled):
            raise ConfigError("distill needs unlabeled texts for the LLM to label: pass --unlabeled POOL.csv")
        teacher_card = Catalog().get(config.distill_teacher)
        if teacher_card.family not in GENERATIVE:
            raise ConfigError(f"distill_teacher must be a decoder LLM; {teacher_card.id!r} is a {teacher_card.family}")
        student = registry.get(config.distill_student)
        if job.card.family not in student.families:
            raise ConfigError(
                f"distill_student {student.name!r} adapts {'/'.join(student.families)} models, not {job.card.id!r}"
            )
        teacher_method = registry.get(config.distill_teacher_method)
        teacher_config = bind(
            teacher_method.config_type, config.distill_teacher_config or {}, where="distill_teacher_config"
        )
        student_config = bind(student.config_type, config.distill_student_config or {}, where="distill_student_config")
        teacher_job = FitJob(teacher_card, resolve(teacher_card), job.train, job.valid, job.seed)
        gate = (
            _gate(teacher_method, teacher_config, teacher_job, student, student_config, job)
            if config.distill_gate
            else None
        )
        if gate is not None and not gate["use_teacher"]:
            fitted = student.fit(dataclasses.replace(job, unlabeled=None), student_config)
            alone = {"teacher": teacher_card.id, "distill_gate": gate, "student": student.name}
            return Fitted(fitted.model, {**alone, "student_info": fitted.info})
        teacher = teacher_method.fit(teacher_job, teacher_config).model
        pool = _sample(job.unlabeled, config.distill_pool_size, job.seed)
        proba = teacher.predict_proba(list(pool.texts))
        labels = tuple(teacher.labels)
        per_class = max(1, int(config.distill_keep * len(pool) / len(labels)))
        index, classes = select_pseudo_labels(proba, labels, 0.0, per_class)
        if not len(index):
            raise ConfigError(
                f"the teacher {teacher_card.id} predicted no pool text as some class of {list(labels)}; "
                "pass a larger pool, or a teacher that reads this task (distill_teacher_method=llm-prompt)"
            )
        pseudo = LabeledTexts(tuple(pool.texts[i] for i in index), tuple(labels[c] for c in classes), pool.source)
        train = _merge(job.train, pseudo) if config.distill_with_human else pseudo
        fitted = student.fit(dataclasses.replace(job, train=train, unlabeled=None), student_config)
        confidence = proba.max(axis=1)
        info: dict[str, Any] = {
            "teacher": teacher_card.id,
            "teacher_method": teacher_method.name,
            "pool_labeled": len(pool),
            "pseudo_labels": len(index),
            "pseudo_per_class": len(index) // len(labels),
            "teacher_mean_confidence": round(float(confidence.mean()), 4),
            "kept_min_confidence": round(float(confidence[index].min()), 4),
            "student": student.name,
            "student_info": fitted.info,
        }
        if gate is not None:
            info["distill_gate"] = gate
        return Fitted(fitted.model, info)


def _gate(
    teacher_method: Any, teacher_config: Any, teacher_job: FitJob, student: Any, student_config: Any, job: FitJob
) -> dict[str, Any]:
    """Teacher and student cross-validated on the human labels, same folds: is the teacher worth copying?"""
    from fmkit.selection.crossval import cross_validate, method_fitter, stratified_folds

    folds = stratified_folds(job.train, 4, job.seed)
    teacher = cross_validate("teacher", method_fitter(teacher_method, teacher_config, teacher_job), job.train, folds)
    alone = dataclasses.replace(job, unlabeled=None)
    student_cv = cross_validate("student", method_fitter(student, student_config, alone), job.train, folds)
    use = teacher.accuracy >= student_cv.accuracy
    verdict = "uses its pseudo-labels" if use else "is less accurate: the student learns from the human labels alone"
    return {
        "use_teacher": use,
        "teacher_cv_accuracy": round(teacher.accuracy, 4),
        "student_cv_accuracy": round(student_cv.accuracy, 4),
        "n_folds": len(folds),
        "why": f"on {len(folds)} folds of the human labels the teacher scores {teacher.accuracy:.1%}, the student "
        f"trained on them alone {student_cv.accuracy:.1%}: the student {verdict}",
    }


def _sample(pool: LabeledTexts, size: int, seed: int) -> LabeledTexts:
    if len(pool) <= size:
        return pool
    return pool.subset(np.sort(np.random.default_rng(seed).choice(len(pool), size, replace=False)))


def _merge(human: LabeledTexts, pseudo: LabeledTexts) -> LabeledTexts:
    """Human labels first; pool texts that are also human-labeled are dropped from the pseudo-labels."""
    seen = set(human.hashes().tolist())
    keep = [i for i, h in enumerate(pseudo.hashes().tolist()) if h not in seen]
    extra = pseudo.subset(keep)
    return LabeledTexts(human.texts + extra.texts, human.labels + extra.labels, human.source)


register(Distill())

"""The plain training loop shared by the end-to-end encoder methods (finetune, lora).

Top to bottom: optional validation carve-out, AdamW with separate body / head learning rates, linear
warm-up and decay, gradient clipping, per-epoch validation with early stopping that restores the best
epoch's trainable weights, then temperature scaling on the validation split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from fmkit._progress import Bar, bar
from fmkit.data.labeled import LabeledTexts
from fmkit.data.splits import stratified_split
from fmkit.methods.encoder_head import EncoderClassifier
from fmkit.methods.protocol import FitJob

# A carved validation split smaller than this stops training on noise: on SST-2 with 64 labels per class,
# early stopping on 13 carved examples cost 3-5 accuracy points against training every label for the
# automatic epoch count (benchmarks/results/sst2_methods.json).
MIN_CARVED_VALID = 100
TARGET_STEPS = 400  # auto epochs aim at about this many optimiser steps


@dataclass(frozen=True)
class TrainSettings:
    lr: float
    head_lr: float
    epochs: int | None
    batch_size: int
    patience: int
    warmup_ratio: float
    weight_decay: float
    valid_fraction: float


def auto_epochs(n_train: int, batch_size: int) -> int:
    """Few examples get more passes, many get few: about TARGET_STEPS steps, between 3 and 20 epochs."""
    steps_per_epoch = math.ceil(n_train / batch_size)
    return min(20, max(3, math.ceil(TARGET_STEPS / steps_per_epoch)))


def split_for_training(job: FitJob, valid_fraction: float) -> tuple[LabeledTexts, LabeledTexts | None]:
    if job.valid is not None and len(job.valid):
        return job.train, job.valid
    if round(len(job.train) * valid_fraction) >= MIN_CARVED_VALID:
        return stratified_split(job.train, valid_fraction, job.seed)
    return job.train, None


def init_head_from_probe(
    classifier: EncoderClassifier,
    train: LabeledTexts,
    seed: int,
    label_prior: bool = False,
    prior_c: float | None = None,
) -> float:
    """LP-FT (Kumar et al., 2022): start the head from a linear probe so fine-tuning does not distort features.

    ``label_prior`` pulls the probe toward the zero-shot head of the label names (see ``_label_prior.py``),
    with strength ``prior_c`` when given (decided where cross-validation can judge it), else cross-validated.
    """
    from fmkit.methods._label_prior import label_prior as zero_shot_head
    from fmkit.methods.linear_probe import LinearProbeConfig, fit_probe

    y = np.array([classifier.labels.index(lab) for lab in train.labels])
    embeddings = classifier.embed(train.texts)
    prior = zero_shot_head(classifier, classifier.labels, embeddings, y) if label_prior else None
    # the body may have been tuned on these labels: cross-validation cannot judge the prior there
    config = LinearProbeConfig(probe_c=prior_c) if label_prior else LinearProbeConfig()
    weight, bias, c, _ = fit_probe(embeddings, y, len(classifier.labels), config, seed, prior, False)
    classifier.set_head(weight, bias)
    return c


def train_classifier(classifier: EncoderClassifier, job: FitJob, settings: TrainSettings, what: str) -> dict[str, Any]:
    """Train every parameter of ``classifier.model`` that requires grad; returns what happened."""
    torch.manual_seed(job.seed)
    rng = np.random.default_rng(job.seed)
    train, valid = split_for_training(job, settings.valid_fraction)
    y = torch.tensor([classifier.labels.index(lab) for lab in train.labels])
    epochs = settings.epochs or auto_epochs(len(train), settings.batch_size)
    total_steps = epochs * math.ceil(len(train) / settings.batch_size)
    optimizer, schedule = _optimizer(classifier.model, settings, total_steps)
    best: tuple[float, float] | None = None
    best_state: dict[str, torch.Tensor] = {}
    history: list[dict[str, float]] = []
    stale = 0
    with bar(what, total=total_steps) as progress:
        for epoch in range(epochs):
            last = f" (loss {history[-1]['train_loss']:.3f})" if history else ""
            progress.describe(f"{what} epoch {epoch + 1}/{epochs}{last}")
            order = rng.permutation(len(train))
            loss = _train_epoch(classifier, train, y, order, optimizer, schedule, settings.batch_size, progress)
            record = {"epoch": epoch + 1, "train_loss": loss}
            if valid is not None:
                accuracy, valid_loss = score_on(classifier, valid)
                record |= {"valid_accuracy": accuracy, "valid_loss": valid_loss}
                if best is None or (accuracy, -valid_loss) > best:
                    best, stale = (accuracy, -valid_loss), 0
                    best_state = {
                        k: v.detach().clone() for k, v in classifier.model.named_parameters() if v.requires_grad
                    }
                else:
                    stale += 1
            history.append(record)
            if valid is not None and stale >= settings.patience:
                break
    classifier.model.eval()
    if best_state:
        classifier.model.load_state_dict(best_state, strict=False)
    info: dict[str, Any] = {
        "epochs_planned": epochs,
        "epochs_run": len(history),
        "history": history,
        "n_train_used": len(train),
        "n_valid_used": len(valid) if valid is not None else 0,
    }
    if valid is not None and len(valid) >= 10:
        info["temperature"] = classifier.temperature = _temperature(classifier, valid)
    if best is not None:
        info["valid_accuracy"] = best[0]
    return info


def _optimizer(
    model: nn.Module, settings: TrainSettings, total: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with the body and the head at their own learning rates; linear warm-up, then linear decay to 0."""
    head_params = list(model.head.parameters())  # type: ignore[union-attr,operator]
    head_ids = {id(p) for p in head_params}
    body_params = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    optimizer = torch.optim.AdamW(
        [{"params": body_params, "lr": settings.lr}, {"params": head_params, "lr": settings.head_lr}],
        weight_decay=settings.weight_decay,
        fused=True,  # one kernel for all tensors: the per-tensor loop took a third of a CPU training step
    )
    return optimizer, linear_schedule(optimizer, total, settings.warmup_ratio)


def linear_schedule(
    optimizer: torch.optim.Optimizer, total: int, warmup_ratio: float
) -> torch.optim.lr_scheduler.LambdaLR:
    """Learning rate rising linearly over the first ``warmup_ratio`` of ``total`` steps, then falling to 0."""
    warmup = int(total * warmup_ratio)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(1.0, (step + 1) / max(1, warmup)) * max(0.0, (total - step) / max(1, total - warmup)),
    )


def _train_epoch(
    classifier: EncoderClassifier,
    train: LabeledTexts,
    y: torch.Tensor,
    order: np.ndarray[Any, Any],
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LambdaLR,
    batch_size: int,
    progress: Bar,
) -> float:
    """One pass over ``train`` in ``order``; returns the mean training loss."""
    model = classifier.model
    model.train()
    losses = []
    batches = range(0, len(train), batch_size)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for start in batches:
        idx = order[start : start + batch_size]
        batch = classifier.tokenize([train.texts[i] for i in idx])
        loss = nn.functional.cross_entropy(model(**batch), y[idx].to(batch["input_ids"].device))
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        progress.advance()
    return float(np.mean(losses))


def score_on(classifier: EncoderClassifier, valid: LabeledTexts) -> tuple[float, float]:
    """(accuracy, mean negative log-likelihood of the true labels) of ``classifier`` on ``valid``."""
    logits = classifier.logits(valid.texts)
    y = np.array([classifier.labels.index(lab) for lab in valid.labels])
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float((logits.argmax(axis=1) == y).mean()), float(-log_p[np.arange(len(y)), y].mean())


def _temperature(classifier: EncoderClassifier, valid: LabeledTexts) -> float:
    from fmkit.evaluation.calibration import TemperatureScaler

    classifier.temperature = 1.0
    y = np.array([classifier.labels.index(lab) for lab in valid.labels])
    return TemperatureScaler().fit(classifier.logits(valid.texts), y).temperature_

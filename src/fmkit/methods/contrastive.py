"""contrastive: SetFit-style few-shot learning: contrastively tune the encoder on label pairs, then fit a head.

Reference: Tunstall et al., 2022, "Efficient Few-Shot Learning Without Prompts" (SetFit). The idea: pairs of
examples with the same label should embed close together, pairs with different labels far apart; after a
short contrastive tuning of the encoder, a linear head on the new embeddings separates the classes far
better than on the frozen ones.

Where this differs from the ``setfit`` package, on purpose:
- pairs come from class-balanced batches: every one of the B(B-1)/2 pairs in a batch of B examples trains,
  for B forward passes (SetFit embeds both sides of each sampled pair: 2 forwards per pair);
- positive and negative pairs are weighted equally within each batch (SetFit oversamples to balance them);
- the number of steps is a number of passes over the texts or over the same-label pairs, whichever is more
  (``auto_steps``), capped, instead of a fixed number of pairs per example (which made a 77-class set take
  hours on 2 cores);
- the head is the cross-validated logistic regression of ``linear-probe``, pulled toward the zero-shot head of
  the label names (``_label_prior.py``): where the names are informative, the few labels correct them
  instead of starting from nothing.

Dimension letters: B batch, D embedding width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods._pool_prior import PoolPriorOption, fit_to_balance
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register

LOSSES = ("cosine", "supcon")


@dataclass(frozen=True)
class ContrastiveConfig(PoolPriorOption):
    """Options of ``contrastive``."""

    contrastive_steps: int | None = None  #: optimiser steps; None = from the data size (see auto_steps)
    contrastive_batch_size: int = 32  #: examples per step, drawn class-balanced
    contrastive_lr: float = 5e-5  #: learning rate of the encoder
    contrastive_loss: str = "cosine"  #: "cosine" (SetFit's pair loss) or "supcon" (Khosla et al., 2020)
    contrastive_temperature: float = 0.1  #: temperature of the supcon loss
    contrastive_warmup_ratio: float = 0.1
    contrastive_label_prior: bool = True  #: pull the head toward the label names' zero-shot head (not numbers)
    contrastive_stop_loss: float | None = 0.08  #: stop when a window's mean cosine pair loss is below it; None: never
    contrastive_stop_classes: int = 4  #: the stopping rule applies to sets of at most this many classes (converged)

    def problems(self) -> list[str]:
        out = super().problems()
        if self.contrastive_steps is not None and not 1 <= self.contrastive_steps <= 100_000:
            out.append(f"contrastive_steps must be between 1 and 100000 (or none), got {self.contrastive_steps}")
        if not 4 <= self.contrastive_batch_size <= 1024:
            out.append(f"contrastive_batch_size must be between 4 and 1024, got {self.contrastive_batch_size}")
        if not 0 < self.contrastive_lr < 1:
            out.append(f"contrastive_lr must be in (0, 1), got {self.contrastive_lr}")
        if self.contrastive_loss not in LOSSES:
            out.append(f"contrastive_loss must be one of {LOSSES}, got {self.contrastive_loss!r}")
        if self.contrastive_temperature <= 0:
            out.append(f"contrastive_temperature must be > 0, got {self.contrastive_temperature}")
        if not 0 <= self.contrastive_warmup_ratio < 1:
            out.append(f"contrastive_warmup_ratio must be in [0, 1), got {self.contrastive_warmup_ratio}")
        if self.contrastive_stop_loss is not None and not 0 <= self.contrastive_stop_loss < 1:
            out.append(f"contrastive_stop_loss must be in [0, 1) (or none), got {self.contrastive_stop_loss}")
        if self.contrastive_stop_classes < 2:
            out.append(f"contrastive_stop_classes must be at least 2, got {self.contrastive_stop_classes}")
        return out


PASSES = 16  #: passes over the labeled texts, at least (auto_steps)
PAIR_PASSES = 3.8  #: passes over each class's same-label pairs: 16 text passes at 64 labels of 2 classes (auto_steps)
MIN_STEPS, MAX_STEPS = 20, 1000
WINDOW = 20  #: steps per loss window: the stopping rule looks at whole windows, the manifest keeps their means


def auto_steps(class_sizes: list[int], batch_size: int) -> int:
    """``PASSES`` passes over the texts or ``PAIR_PASSES`` over the same-label pairs, whichever takes more steps.

    At least ``MIN_STEPS`` and at most ``MAX_STEPS``.

    A class-balanced batch of 32 holds 16 texts of each of 2 classes (120 same-label pairs a class) but only 5 of
    each of 6 (10 pairs a class): a step shows each class of a 6-class set 12 times fewer of its pairs.
    Counting pairs puts every knee measured by ``benchmarks/contrastive_steps.py`` (validation splits, 64 labels
    per class) near 3.8 pair passes (16 text passes on a binary set: 64 x 120 / 2,016): 64 steps on the binary
    sets (32 text passes gained nothing), 767 on emotion (768 steps scored 71.7 against 68.5 at 192 and 69.4 at
    384), 511 on SST-5 (40.5 at 640 steps, 39.7 at 320, 38.8 at 160). The floor decides with 8 labels per class
    on every set but emotion, whose 16 text passes are 24 steps (its 28 pairs a class need 11): 20 steps scored
    0.5 lower on its test set (5 seeds). 4-5 times those steps cost SST-5 and emotion 1.1-10.4 validation points
    (2 seeds each): with 8 labels the pairs are few and soon over-fit.
    """
    per_class, in_batch = batch_shape(class_sizes, batch_size)
    pairs = sum(math.comb(n, 2) for n in class_sizes)
    text_steps = math.ceil(PASSES * sum(class_sizes) / batch_size)
    pair_steps = math.ceil(PAIR_PASSES * pairs / (in_batch * math.comb(per_class, 2)))
    return min(MAX_STEPS, max(MIN_STEPS, text_steps, pair_steps))


def converged(losses: list[float], done: int, stop_loss: float | None) -> bool:
    """True at the end of a whole window, past the step floor, when that window's mean loss is below ``stop_loss``.

    The pair loss of a window is a proxy for how well the tuned encoder separates the labeled classes: once the
    batches are separated there is little left to learn from them, and on AG News and enron_spam at 64 labels per
    class the later steps even cost validation accuracy. The default threshold (0.08) was chosen on the
    validation splits by ``benchmarks/contrastive_steps.py --stop-loss`` (docs/benchmarks.md).
    """
    if stop_loss is None or done < MIN_STEPS or done % WINDOW:
        return False
    return float(np.mean(losses[-WINDOW:])) < stop_loss


def stop_threshold(config: ContrastiveConfig, n_classes: int) -> float | None:
    """The pair-loss threshold of the stopping rule for this fit, or None where the rule is off.

    Off for the supcon loss (the threshold is on the cosine loss's scale) and for sets of more than
    ``contrastive_stop_classes`` classes: on SST-5 and emotion at 64 labels per class the pairs are fit (window
    loss < 0.08) after 140-180 of 640-768 steps, and the steps after that are where the 64-pass runs gained
    1.7-3.2 validation points over 16 passes.
    """
    if config.contrastive_loss != "cosine" or n_classes > config.contrastive_stop_classes:
        return None
    return config.contrastive_stop_loss


def batch_shape(class_sizes: list[int], batch_size: int) -> tuple[int, int]:
    """(texts of each class in a balanced batch, classes in it): at least 2 and at most the smallest class's size.

    A class is never drawn more often than it has examples (unless it has only one): a repeated text only
    adds trivial pairs and forward passes (with 8 labels of 2 classes, a batch of 32 was half repeats).
    """
    per_class = max(2, min(batch_size // len(class_sizes), *class_sizes))
    return per_class, min(len(class_sizes), max(2, batch_size // per_class))


def balanced_batch(by_class: list[np.ndarray[Any, Any]], batch_size: int, rng: np.random.Generator) -> list[int]:
    """Indices of a batch with (nearly) the same number of examples of each class (``batch_shape``)."""
    per_class, in_batch = batch_shape([len(pool) for pool in by_class], batch_size)
    classes = rng.permutation(len(by_class))[:in_batch]
    batch: list[int] = []
    for c in classes:
        pool = by_class[c]
        batch += rng.choice(pool, size=per_class, replace=len(pool) < per_class).tolist()
    return batch


class Contrastive(EncoderMethod):
    name = "contrastive"
    summary = "SetFit-style: contrastively tune the encoder on label pairs, then a linear head"
    paper = "Tunstall et al., 2022, Efficient Few-Shot Learning Without Prompts (SetFit)"
    config_type = ContrastiveConfig

    def fit(self, job: FitJob, config: ContrastiveConfig) -> Fitted:
        import torch

        from fmkit._progress import track
        from fmkit.methods._loop import init_head_from_probe, linear_schedule
        from fmkit.methods.encoder_head import EncoderClassifier

        torch.manual_seed(job.seed)
        rng = np.random.default_rng(job.seed)
        classifier = EncoderClassifier.from_encoder(job.base_dir, job.train.classes)
        labels = np.array([classifier.labels.index(lab) for lab in job.train.labels])
        by_class = [np.flatnonzero(labels == c) for c in range(len(classifier.labels))]
        use_prior, prior_c = names_help(classifier, labels, job) if config.contrastive_label_prior else (False, None)
        steps = config.contrastive_steps or auto_steps([len(c) for c in by_class], config.contrastive_batch_size)
        stop_loss = stop_threshold(config, len(by_class))
        body = classifier.model.body
        optimizer = torch.optim.AdamW(body.parameters(), lr=config.contrastive_lr, weight_decay=0.01, fused=True)
        schedule = linear_schedule(optimizer, steps, config.contrastive_warmup_ratio)
        classifier.model.train()
        losses: list[float] = []
        for step in track(range(steps), "contrastive tuning", total=steps):
            idx = balanced_batch(by_class, config.contrastive_batch_size, rng)
            batch = classifier.tokenize([job.train.texts[i] for i in idx])
            embeddings = classifier.model.embed(**batch)  # [B, D]
            y = torch.as_tensor(labels[idx], device=embeddings.device)
            loss = _loss(embeddings, y, config)
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(body.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            if converged(losses, step + 1, stop_loss):
                break
        classifier.model.eval()
        c = init_head_from_probe(classifier, job.train, job.seed, use_prior, prior_c)
        info = {
            "steps": len(losses),
            "planned_steps": steps,
            "stop_loss": stop_loss,
            "probe_c": c,
            "label_prior": use_prior,
            "loss_windows": [round(float(np.mean(losses[i : i + WINDOW])), 4) for i in range(0, len(losses), WINDOW)],
        }
        return fit_to_balance(Fitted(classifier, info), job, config)


def names_help(classifier: Any, labels: Any, job: FitJob) -> tuple[bool, float | None]:
    """(use the label names?, how hard to pull toward them: C), judged on the frozen encoder before tuning.

    After tuning on these labels every cross-validation fold looks separable, so both questions are settled
    here, where they can be: enron_spam's "ham" is about food, and pulling the tuned head hard toward it
    cost 7 points; emotion's names are worth 7.
    """
    from fmkit.methods._label_prior import choose_prior_and_c, label_prior
    from fmkit.methods.linear_probe import PRIOR_C_GRID

    embeddings = classifier.embed(job.train.texts)
    prior = label_prior(classifier, classifier.labels, embeddings, labels)
    if prior is None:
        return False, None
    use, c = choose_prior_and_c(embeddings, labels, prior, PRIOR_C_GRID, job.seed)
    return use, c if use else None


def _loss(embeddings: Any, y: Any, config: ContrastiveConfig) -> Any:
    """Pair loss over every pair in the batch; positives and negatives weighted equally."""
    import torch

    z = torch.nn.functional.normalize(embeddings, dim=-1)
    similarity = z @ z.T  # [B, B]
    same = (y[:, None] == y[None, :]).float()
    off_diagonal = 1.0 - torch.eye(len(y), device=z.device)
    if config.contrastive_loss == "cosine":
        error = (similarity - same) ** 2
        positive, negative = same * off_diagonal, (1 - same)
        return (error * positive).sum() / positive.sum().clamp(min=1) / 2 + (
            error * negative
        ).sum() / negative.sum().clamp(min=1) / 2
    # Supervised contrastive loss (Khosla et al., 2020): each anchor's positives against all other examples.
    logits = similarity / config.contrastive_temperature - 1e9 * torch.eye(len(y), device=z.device)
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    positive = same * off_diagonal
    return -((log_prob * positive).sum(1) / positive.sum(1).clamp(min=1)).mean()


register(Contrastive())

"""The class balance of an unlabeled pool, and the head shift from the training labels' balance to it.

Reference: Saerens, Latinne & Decaestecker, 2002, "Adjusting the Outputs of a Classifier to New a Priori
Probabilities: A Simple Procedure" (the EM estimate); Alexandari et al., 2020 (it holds up among label-shift
estimators). A head fit on class-balanced labels predicts as if every class were equally common; where the
pool, which comes from the data the model will see, is 80 % one class, the minority class is over-called.
EM re-weights the model's pool probabilities by a candidate prior until the prior equals their mean; adding
``log(pool prior / training prior)`` to the logits then moves the decisions to the pool's balance.

The encoder methods that learn from labels (contrastive, finetune, lora, linear-probe, self-train) take this as
their last step when given an unlabeled pool (``--unlabeled``) and ``pool_prior`` is on. It is on by default only
for self-train. EM needs calibrated probabilities, and a head fit on 8 labels per class is far from calibrated: on
amazon_counterfactual (19 % counterfactual) contrastive's models called 45-63 % of the pool counterfactual on four
of five benchmark seeds, and EM put the prior at 60-79 %, shifting the head the wrong way. Given the pool at 8
labels per class, contrastive lost on average on amazon (-2.5 MCC), SST-2 (-0.5) and SST-5, and gained on emotion
(+1.0, from +6.3 to -9.8 across seeds): docs/benchmarks.md. A frozen-encoder probe calibrated out of fold and
black-box shift estimation (Lipton et al., 2018) estimated worse still on amazon. self-train's refits learn from
hundreds of pseudo-labels as well, and its shift measured +0.15 points on average over 18 runs.
Where the user knows the balance (from past traffic, say), ``class_balance`` gives it and the head is shifted to it
with no estimate; it takes the place of ``pool_prior``'s and needs no pool. On amazon_counterfactual seeds 0-2 at 8
labels a class, shifting contrastive's head to the true balance gained +4.9 MCC where every estimate lost.
Cross-validation turns both off (``fmkit.selection.crossval.method_fitter``): the folds hold labels in the
labels' own balance, not the pool's, so they cannot judge a shift.

Dimension letters: N pool texts, C classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from fmkit.data.labeled import LabeledTexts
from fmkit.errors import ConfigError
from fmkit.methods.protocol import FitJob, Fitted

if TYPE_CHECKING:
    from fmkit.methods.encoder_head import EncoderClassifier

FLOOR = 1e-3  #: the smallest prior a class may get: a class the model never predicts in the pool is not erased
MAX_ITER, TOL = 1000, 1e-7
POOL_SAMPLE = 4000  #: pool texts scored for the estimate (a seeded sample of a larger pool; +-1 point of prior)


@dataclass(frozen=True)
class ClassBalanceOption:
    """The class balance where the model will run, when the user knows it (auto and the encoder methods share it)."""

    class_balance: dict[str, str] | None = None  #: each label's share where the model runs (spam=0.2,ham=0.8)

    def problems(self) -> list[str]:
        if self.class_balance is None:
            return []
        out = []
        if len(self.class_balance) < 2:
            out.append(f"class_balance needs a share for every label (2 or more), got {self.class_balance}")
        bad = {label: share for label, share in self.class_balance.items() if not _positive(share)}
        if bad:
            out.append(f"class_balance shares must be numbers > 0 (fractions or counts), got {bad}")
        return out

    def balance(self, labels: tuple[str, ...]) -> np.ndarray[Any, Any] | None:
        """``class_balance`` as shares summing to 1 [C], in the order of ``labels``; None when not given.

        Raises ConfigError when it does not name exactly ``labels`` (checked before training by ``fmkit.adapt``).
        """
        if self.class_balance is None:
            return None
        missing = [label for label in labels if label not in self.class_balance]
        unknown = [label for label in self.class_balance if label not in labels]
        if missing or unknown:
            found = "; ".join([f"missing {missing}"] * bool(missing) + [f"unknown {unknown}"] * bool(unknown))
            raise ConfigError(
                f"class_balance must give a share for each training label {list(labels)}; {found}:"
                " fix --set class_balance=LABEL=SHARE,..."
            )
        shares = np.array([float(self.class_balance[label]) for label in labels], dtype=np.float64)
        return np.asarray(shares / shares.sum(), dtype=np.float64)


@dataclass(frozen=True)
class PoolPriorOption(ClassBalanceOption):
    """The options the encoder methods share (their configs inherit them; off by default, see the module docstring)."""

    pool_prior: bool = False  #: given --unlabeled, shift the head to the pool's class balance (EM, _pool_prior.py)


def fit_to_balance(fitted: Fitted, job: FitJob, config: PoolPriorOption) -> Fitted:
    """The encoder methods' last step: shift ``fitted``'s head to the class balance where it will run.

    That is ``class_balance`` where the user gave it (recorded in ``fitted.info["class_balance"]``), else, with
    ``pool_prior`` on and a pool, the pool's estimated by EM on a sample (``POOL_SAMPLE``, seeded, training texts
    left out; ``fitted.info["pool_prior"]``). Otherwise nothing changes.
    """
    pool = None
    if config.class_balance is None and config.pool_prior and job.unlabeled is not None:  # sampled only if estimated
        pool = sample_pool(job.unlabeled, job, POOL_SAMPLE)
    model = cast("EncoderClassifier", fitted.model)
    balance, pool_prior = shift_to_balance(model, config, job.train.labels, pool)
    for key, value in (("class_balance", balance), ("pool_prior", pool_prior)):
        if value is not None:
            fitted.info[key] = value
    return fitted


def shift_to_balance(
    model: EncoderClassifier,
    config: PoolPriorOption,
    fit_labels: tuple[str, ...],
    pool: LabeledTexts | None,
    pool_proba: np.ndarray[Any, Any] | None = None,
) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """(class_balance, pool_prior): shift ``model``'s head from the balance of ``fit_labels`` to the user's
    ``class_balance`` where given (it takes the place of the estimate), else, with ``pool_prior`` on, to ``pool``'s
    estimated by EM (``pool_proba``: the model's probabilities on it, where the caller has them); None for the one
    not used, both None when nothing moved."""
    target = config.balance(model.labels)
    if target is not None:
        return shift_to(model, fit_labels, target), None
    if not config.pool_prior or pool is None or not len(pool):  # a pool of only labeled texts says nothing new
        return None, None
    return None, to_pool_prior(model, fit_labels, pool.texts, pool_proba)


def sample_pool(pool: LabeledTexts, job: FitJob, size: int) -> LabeledTexts:
    """A sample of at most ``size`` of the ``pool`` texts (seeded by ``job``), less ``job``'s training texts."""
    if len(pool) > size:
        pool = pool.subset(np.sort(np.random.default_rng(job.seed).choice(len(pool), size, replace=False)))
    return pool.subset(np.flatnonzero(~np.isin(pool.hashes(), job.train.hashes())))


def to_pool_prior(
    model: EncoderClassifier,
    fit_labels: tuple[str, ...],
    pool: tuple[str, ...],
    pool_proba: np.ndarray[Any, Any] | None = None,
) -> dict[str, float]:
    """Shift ``model``'s head from the class balance of ``fit_labels`` to the pool's (EM); returns the pool's prior
    by label, rounded to 4 places (what ``fit_info.pool_prior`` records).

    ``pool_proba``: the model's (unshifted) probabilities on ``pool``, where the caller already has them.
    """
    if pool_proba is None:
        pool_proba = model.predict_proba(pool)
    return shift_to(model, fit_labels, estimate_prior(pool_proba, class_prior(fit_labels, model.labels)))


def shift_to(model: EncoderClassifier, fit_labels: tuple[str, ...], target: np.ndarray[Any, Any]) -> dict[str, float]:
    """Shift ``model``'s head from the class balance of ``fit_labels`` to ``target`` [C]; returns ``target`` by
    label, rounded to 4 places (what ``fit_info`` records)."""
    shift_head(model, class_prior(fit_labels, model.labels), target)
    return dict(zip(model.labels, np.round(target, 4).tolist(), strict=True))


def estimate_prior(proba: np.ndarray[Any, Any], train_prior: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The pool's class prior [C] by EM from the model's pool probabilities [N, C] under ``train_prior`` [C]."""
    if proba.ndim != 2 or proba.shape[1] != len(train_prior) or not len(proba):
        raise ValueError(f"expected pool probabilities [N, {len(train_prior)}] with N > 0, got shape {proba.shape}")
    prior = train_prior.astype(np.float64)
    for _ in range(MAX_ITER):
        weighted = proba * (prior / train_prior)  # [N, C]
        weighted /= weighted.sum(axis=1, keepdims=True)
        new = np.maximum(weighted.mean(axis=0), FLOOR)
        new /= new.sum()
        done = bool(np.abs(new - prior).max() < TOL)
        prior = new
        if done:
            break
    return np.asarray(prior, dtype=np.float64)


def class_prior(labels: tuple[str, ...], classes: tuple[str, ...]) -> np.ndarray[Any, Any]:
    """The share of each of ``classes`` among ``labels``."""
    counts = np.array([labels.count(c) for c in classes], dtype=np.float64)
    return np.asarray(counts / counts.sum(), dtype=np.float64)


def shift_head(
    classifier: EncoderClassifier, train_prior: np.ndarray[Any, Any], pool_prior: np.ndarray[Any, Any]
) -> None:
    """Add ``log(pool_prior / train_prior)`` to the classifier's logits (its bias, times its temperature)."""
    head = classifier.model.head
    weight = head.weight.detach().cpu().numpy()
    bias = head.bias.detach().cpu().numpy() + classifier.temperature * np.log(pool_prior / train_prior)
    classifier.set_head(weight, bias)


def _positive(share: str) -> bool:
    try:
        value = float(share)
    except ValueError:
        return False
    return bool(np.isfinite(value) and value > 0)

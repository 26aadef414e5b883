"""The class balance of an unlabeled pool, and the head shift from the training labels' balance to it.

Reference: Saerens, Latinne & Decaestecker, 2002, "Adjusting the Outputs of a Classifier to New a Priori
Probabilities: A Simple Procedure" (the EM estimate); Alexandari et al., 2020 (it holds up among label-shift
estimators). A head fit on class-balanced labels predicts as if every class were equally common; where the
pool, which comes from the data the model will see, is 80 % one class, the minority class is over-called.
EM re-weights the model's pool probabilities by a candidate prior until the prior equals their mean; adding
``log(pool prior / training prior)`` to the logits then moves the decisions to the pool's balance.

Dimension letters: N pool texts, C classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fmkit.methods.encoder_head import EncoderClassifier

FLOOR = 1e-3  #: the smallest prior a class may get: a class the model never predicts in the pool is not erased
MAX_ITER, TOL = 1000, 1e-7


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

"""linear-probe: logistic regression on frozen encoder embeddings.

Reference: Alain & Bengio, 2016, "Understanding intermediate layers using linear classifier probes"; as
used for sentence encoders by SentEval (Conneau & Kiela, 2018). The regularisation strength is chosen by
stratified cross-validation when every class has at least 3 examples. By default the regression is pulled
toward the zero-shot head built from the label names instead of toward zero (``_label_prior.py``), so a
handful of labels corrects what the names say rather than starting from nothing. The coefficients are
stored as the head tensors of the artifact, never as a pickle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods._pool_prior import PoolPriorOption, fit_to_balance
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
PRIOR_C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)


@dataclass(frozen=True)
class LinearProbeConfig(PoolPriorOption):
    """Options of ``linear-probe``."""

    probe_c: float | None = None  #: inverse regularisation strength; None = chosen by cross-validation
    probe_max_iter: int = 2000  #: solver iterations
    probe_label_prior: bool = True  #: regularise toward the zero-shot head of the label names (not numbers)

    def problems(self) -> list[str]:
        out = super().problems()
        if self.probe_c is not None and self.probe_c <= 0:
            out.append(f"probe_c must be > 0, got {self.probe_c}")
        if self.probe_max_iter < 10:
            out.append(f"probe_max_iter must be >= 10, got {self.probe_max_iter}")
        return out


def fit_probe(
    embeddings: NDArray[np.float32],
    y: NDArray[np.int64],
    n_classes: int,
    config: LinearProbeConfig,
    seed: int,
    prior: NDArray[np.float64] | None = None,
    prior_competes: bool = True,
) -> tuple[NDArray[np.float32], NDArray[np.float32], float, bool]:
    """Logistic regression -> (weight [C, D], bias [C], chosen C, prior kept) with softmax(x W^T + b) = predict_proba.

    With ``prior`` (a zero-shot head [C, D]) the regression is regularised toward it instead of toward zero;
    with ``prior_competes`` only when cross-validation says the prior helps (see ``choose_prior_and_c``).
    """
    from sklearn.linear_model import LogisticRegression

    if prior is not None:
        from fmkit.methods._label_prior import choose_prior_and_c, fit_toward

        if config.probe_c:
            use, c_prior = True, config.probe_c
        else:
            use, c_prior = choose_prior_and_c(embeddings, y, prior, PRIOR_C_GRID, seed, prior_competes)
        anchor = prior if use else np.zeros_like(prior)
        weight, bias = fit_toward(embeddings, y, anchor, c_prior, config.probe_max_iter)
        return weight, bias, c_prior, use
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    c = config.probe_c
    min_count = int(np.bincount(y, minlength=n_classes).min())
    if c is None and min_count >= 3:
        folds = StratifiedKFold(n_splits=min(5, min_count), shuffle=True, random_state=seed)
        search = GridSearchCV(
            LogisticRegression(max_iter=config.probe_max_iter), {"C": list(C_GRID)}, cv=folds, scoring="neg_log_loss"
        )
        c = float(search.fit(embeddings, y).best_params_["C"])
    c = 10.0 if c is None else c
    model = LogisticRegression(C=c, max_iter=config.probe_max_iter, random_state=seed).fit(embeddings, y)
    coef, intercept = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
    if coef.shape[0] == 1:  # binary: sigmoid(z) == softmax([0, z])
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.array([0.0, intercept[0]], np.float32)
    return coef, intercept, c, False


class LinearProbe(EncoderMethod):
    name = "linear-probe"
    summary = "logistic regression on frozen embeddings; fast, strong with tens of labels"
    paper = "Alain & Bengio, 2016, Understanding intermediate layers using linear classifier probes"
    config_type = LinearProbeConfig

    def fit(self, job: FitJob, config: LinearProbeConfig) -> Fitted:
        from fmkit.methods._label_prior import label_prior
        from fmkit.methods.encoder_head import EncoderClassifier

        labels = job.train.classes
        classifier = EncoderClassifier.from_encoder(job.base_dir, labels)
        y = np.array([labels.index(lab) for lab in job.train.labels])
        embeddings = classifier.embed(job.train.texts)
        prior = label_prior(classifier, labels, embeddings, y) if config.probe_label_prior else None
        weight, bias, c, kept = fit_probe(embeddings, y, len(labels), config, job.seed, prior)
        classifier.set_head(weight, bias)
        return fit_to_balance(Fitted(classifier, {"probe_c": c, "label_prior": kept}), job, config)


register(LinearProbe())

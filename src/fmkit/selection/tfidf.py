"""The TF-IDF + logistic regression baseline every foundation-model candidate has to beat.

Word uni- and bi-grams with sublinear term frequency, and a logistic regression whose C is chosen by
cross-validation like ``linear-probe``'s. It needs no model and serves in microseconds, which is why
``fmkit choose`` always ranks it: when it is within noise of an encoder, the encoder is not worth serving.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.data.labeled import LabeledTexts

C_GRID = (1.0, 10.0, 100.0)


class TfidfClassifier:
    """A fitted TF-IDF + logistic regression pipeline with the ``labels``/``predict_proba`` interface."""

    def __init__(self, pipeline: Any, labels: tuple[str, ...]) -> None:
        self.pipeline = pipeline
        self.labels = labels

    @classmethod
    def fit(cls, train: LabeledTexts, seed: int = 0) -> TfidfClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GridSearchCV, StratifiedKFold
        from sklearn.pipeline import make_pipeline

        labels = train.classes
        y = np.array([labels.index(label) for label in train.labels])
        pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(C=10.0, max_iter=2000)
        )
        min_count = int(np.bincount(y).min())
        if min_count >= 3:
            folds = StratifiedKFold(n_splits=min(5, min_count), shuffle=True, random_state=seed)
            search = GridSearchCV(pipeline, {"logisticregression__C": list(C_GRID)}, cv=folds, scoring="accuracy")
            pipeline = search.fit(list(train.texts), y).best_estimator_
        else:
            pipeline.fit(list(train.texts), y)
        return cls(pipeline, labels)

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        proba: NDArray[np.float32] = self.pipeline.predict_proba(list(texts)).astype(np.float32)
        return proba

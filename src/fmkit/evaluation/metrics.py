"""Classification metrics: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix, calibration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.evaluation.calibration import expected_calibration_error, reliability


def classification_metrics(y_true: Sequence[str], proba: NDArray[np.float32], labels: Sequence[str]) -> dict[str, Any]:
    """All quality numbers of one evaluation; ``proba`` columns follow ``labels``."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    index = {label: i for i, label in enumerate(labels)}
    y = np.array([index[label] for label in y_true], dtype=np.int64)
    pred = proba.argmax(axis=1)
    ids = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=ids, zero_division=0)
    bins = reliability(proba, y)
    return {
        "n": len(y),
        "accuracy": float((pred == y).mean()),
        "macro_f1": float(f1_score(y, pred, labels=ids, average="macro", zero_division=0)),
        "mcc": _mcc(y, pred),
        "ece": expected_calibration_error(proba, y),
        "mean_confidence": float(proba.max(axis=1).mean()),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": confusion_matrix(y, pred, labels=ids).tolist(),
        "reliability": {
            "edges": bins.edges,
            "confidence": bins.confidence,
            "accuracy": bins.accuracy,
            "count": bins.count,
        },
    }


def _mcc(y: NDArray[np.int64], pred: NDArray[np.int64]) -> float:
    from sklearn.metrics import matthews_corrcoef

    return float(matthews_corrcoef(y, pred))

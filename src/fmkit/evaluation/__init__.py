"""Evaluation: task metrics, calibration, cost (latency, memory), and the HTML/JSON report."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fmkit.data.labeled import LabeledTexts
from fmkit.data.validate import DataWarning, load_labeled
from fmkit.model import AdaptedModel


@dataclass
class EvalResult:
    """The outcome of ``evaluate``: ``metrics`` (quality), ``performance`` (cost), and what was evaluated."""

    metrics: dict[str, Any]
    performance: dict[str, Any]
    model: dict[str, Any]
    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    mistakes: list[dict[str, Any]] = field(default_factory=list)
    _confidence: list[float] = field(default_factory=list, repr=False)
    _correct: list[bool] = field(default_factory=list, repr=False)

    @property
    def accuracy(self) -> float:
        return float(self.metrics["accuracy"])

    @property
    def macro_f1(self) -> float:
        return float(self.metrics["macro_f1"])

    def to_dict(self) -> dict[str, Any]:
        """Flat headline numbers first (``accuracy``, ``macro_f1``, ...), then the details."""
        headline = {k: self.metrics[k] for k in ("accuracy", "macro_f1", "mcc", "ece", "n")}
        return {
            **headline,
            "metrics": self.metrics,
            "performance": self.performance,
            "model": self.model,
            "data": self.data,
            "warnings": self.warnings,
            "mistakes": self.mistakes,
        }


def evaluate(
    model: AdaptedModel,
    data: str | Path | LabeledTexts,
    *,
    text_col: str = "text",
    label_col: str = "label",
    report: str | Path | None = None,
    json_path: str | Path | None = None,
) -> EvalResult:
    """Score ``model`` on labeled ``data``; optionally write the HTML ``report`` and a JSON file.

    Labels the model does not know are an error; texts that also occur in the training data are a warning.
    """
    from fmkit.api import training_hashes
    from fmkit.evaluation.measure import measure_predictions
    from fmkit.evaluation.metrics import classification_metrics

    labeled = (
        data
        if isinstance(data, LabeledTexts)
        else load_labeled(str(data), text_col=text_col, label_col=label_col, known_labels=model.labels)
    )
    caught: list[str] = []
    trained_on = training_hashes(model)
    if trained_on is not None:
        shared = int(np.isin(labeled.hashes(), trained_on).sum())
        if shared:
            message = (
                f"{shared} of {len(labeled)} evaluation texts also occur in the training data: "
                "the scores are optimistic; evaluate on held-out data"
            )
            warnings.warn(message, DataWarning, stacklevel=2)
            caught.append(message)
    proba, perf = measure_predictions(model.predict_proba, list(labeled.texts))
    metrics = classification_metrics(labeled.labels, proba, model.labels)
    pred = proba.argmax(axis=1)
    truth = np.array([model.labels.index(lab) for lab in labeled.labels])
    confidence = proba.max(axis=1)
    wrong = np.flatnonzero(pred != truth)
    worst = wrong[np.argsort(-confidence[wrong])][:10]
    manifest = model.manifest
    result = EvalResult(
        metrics=metrics,
        performance=perf,
        model={
            "path": str(model.path),
            "method": model.method,
            "base": manifest["base_model"]["id"],
            "labels": list(model.labels),
            "fingerprint": manifest.get("data", {}).get("fingerprint", ""),
            "n_train": manifest.get("data", {}).get("n_train"),
            "config": manifest.get("config", {}),
        },
        data={"source": labeled.source, "n": len(labeled), "fingerprint": labeled.fingerprint()},
        warnings=caught,
        mistakes=[
            {
                "text": labeled.texts[i][:300],
                "true": labeled.labels[i],
                "pred": model.labels[pred[i]],
                "confidence": float(confidence[i]),
            }
            for i in worst
        ],
        _confidence=confidence.tolist(),
        _correct=(pred == truth).tolist(),
    )
    from fmkit.evaluation.report import write_html, write_json

    if report is not None:
        full = {**result.to_dict(), "_confidence": result._confidence, "_correct": result._correct}
        write_html(Path(report), full)
    if json_path is not None:
        write_json(Path(json_path), result.to_dict())
    return result

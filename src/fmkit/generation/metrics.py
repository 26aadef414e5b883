"""Generation quality: ROUGE-1/2/L (Lin, 2004) with Google's ``rouge-score`` package, and length statistics.

ROUGE is computed as the summarization papers report it: F-measure, Porter stemming, ``rougeLsum`` (summary
level LCS over newline-separated sentences) beside sentence-level ``rougeL``, averaged over items, x 100.
Lengths are in words (whitespace tokens), for the predictions and the references, because a model that
writes three times the reference's length is a finding on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def rouge(predictions: Sequence[str], references: Sequence[str]) -> dict[str, Any]:
    """Mean ROUGE F-measures x 100 (``rouge1`` ...) and the per-item ``rougeL`` list."""
    from rouge_score import rouge_scorer

    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    per_item = [scorer.score(ref, pred) for pred, ref in zip(predictions, references, strict=True)]
    means = {t: round(100 * float(np.mean([s[t].fmeasure for s in per_item])), 2) for t in ROUGE_TYPES}
    return {**means, "rougeL_per_item": [round(100 * s["rougeL"].fmeasure, 2) for s in per_item]}


def length_stats(texts: Sequence[str]) -> dict[str, float]:
    """Words per text: mean, median, 10th and 90th percentile, and how many texts are empty."""
    words = np.array([len(t.split()) for t in texts], dtype=float)
    return {
        "mean": round(float(words.mean()), 2),
        "median": float(np.median(words)),
        "p10": float(np.percentile(words, 10)),
        "p90": float(np.percentile(words, 90)),
        "empty": int((words == 0).sum()),
    }

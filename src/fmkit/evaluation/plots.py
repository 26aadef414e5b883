"""Plots of an evaluation, as PNG bytes (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np


def figure(width: float = 5.0, height: float = 4.0) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height), dpi=110)


def to_png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def confusion_png(matrix: Sequence[Sequence[int]], labels: Sequence[str]) -> bytes:
    data = np.asarray(matrix, dtype=float)
    size = max(4.0, 0.6 * len(labels) + 2.5)
    fig, ax = figure(size, size * 0.85)
    normalised = data / np.clip(data.sum(axis=1, keepdims=True), 1, None)
    image = ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(data):
        ax.text(j, i, f"{int(count)}", ha="center", va="center", color="white" if normalised[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix (colour: share of the true class)")
    fig.colorbar(image, ax=ax, fraction=0.046)
    return to_png(fig)


def reliability_png(reliability: dict[str, Any], ece: float) -> bytes:
    fig, ax = figure()
    edges = np.asarray(reliability["edges"])
    centers, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    counts = np.asarray(reliability["count"])
    accuracy = np.where(counts > 0, reliability["accuracy"], np.nan)
    ax.bar(centers, np.nan_to_num(accuracy), width=width * 0.9, color="#4c72b0", label="accuracy in bin")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability diagram (ECE {ece:.3f})")
    ax.legend(loc="upper left")
    return to_png(fig)


def per_class_png(per_class: dict[str, dict[str, float]]) -> bytes:
    labels = list(per_class)
    fig, ax = figure(max(5.0, 0.7 * len(labels) + 2), 3.6)
    x = np.arange(len(labels))
    for offset, key, colour in ((-0.27, "precision", "#55a868"), (0.0, "recall", "#c44e52"), (0.27, "f1", "#4c72b0")):
        ax.bar(x + offset, [per_class[lab][key] for lab in labels], width=0.27, label=key, color=colour)
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title("Per-class precision, recall and F1")
    ax.legend(ncol=3, loc="lower right")
    return to_png(fig)


def confidence_png(confidence: Sequence[float], correct: Sequence[bool]) -> bytes:
    fig, ax = figure(5.0, 3.4)
    conf, ok = np.asarray(confidence), np.asarray(correct, dtype=bool)
    bins = np.linspace(0, 1, 21)
    ax.hist(conf[ok], bins=bins, alpha=0.7, label="correct", color="#55a868")
    ax.hist(conf[~ok], bins=bins, alpha=0.7, label="wrong", color="#c44e52")
    ax.set_xlabel("confidence of the predicted label")
    ax.set_ylabel("items")
    ax.set_title("Confidence of right and wrong predictions")
    ax.legend()
    return to_png(fig)


def pareto_png(
    points: Sequence[tuple[str, float, float, float, bool, bool]],
    budget_latency_ms: float | None = None,
    picked: str | None = None,
) -> bytes:
    """Accuracy vs per-item latency of (name, accuracy, latency ms, memory MB, pareto, within budget) points.

    Marker area follows peak memory; the Pareto front is the step line; the pick is ringed.
    """
    fig, ax = figure(7.0, 4.6)
    memory = np.array([p[3] for p in points], float)
    sizes = 40 + 260 * (memory - memory.min()) / max(1.0, float(np.ptp(memory)))
    for (name, accuracy, latency, mb, _, inside), size in zip(points, sizes, strict=True):
        ax.scatter(latency, 100 * accuracy, s=size, alpha=0.75 if inside else 0.3, color="C0" if inside else "grey")
        ax.annotate(
            f"{name} ({mb:.0f} MB)", (latency, 100 * accuracy), fontsize=7, xytext=(4, 4), textcoords="offset points"
        )
        if name == picked:
            ax.scatter(latency, 100 * accuracy, s=size + 180, facecolors="none", edgecolors="C3", linewidths=2)
    front = sorted((p[2], 100 * p[1]) for p in points if p[4])
    if front:
        ax.step([f[0] for f in front], [f[1] for f in front], where="post", color="C1", label="Pareto front")
    if budget_latency_ms is not None:
        ax.axvline(budget_latency_ms, color="C3", linestyle="--", label=f"latency budget {budget_latency_ms:g} ms")
    ax.set_xscale("log")
    ax.set_xlabel("latency per item, ms (log scale; marker area = peak memory)")
    ax.set_ylabel("cross-validated accuracy (%)")
    ax.set_title("fmkit choose: quality vs serving cost")
    ax.legend(fontsize=8, loc="lower right")
    return to_png(fig)

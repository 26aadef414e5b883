"""The monitoring report as one self-contained HTML file (plots embedded) and as JSON."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fmkit.evaluation.plots import figure, to_png
from fmkit.evaluation.report import atomic_write


def public(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` without the raw series kept for the plots (keys starting with ``_``)."""
    out = dict(report)
    out["versions"] = {k: {f: v for f, v in s.items() if not f.startswith("_")} for k, s in report["versions"].items()}
    return out


def write_json(path: Path, report: dict[str, Any]) -> Path:
    return atomic_write(path, json.dumps(public(report), indent=2))


def write_html(path: Path, report: dict[str, Any]) -> Path:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fmkit.monitoring", "templates"), autoescape=jinja2.select_autoescape(["html"])
    )
    plots = {"latency": _latency_png(report), "confidence": _confidence_png(report), "accuracy": _accuracy_png(report)}
    html = env.get_template("monitor.html").render(
        report=public(report),
        plots={k: base64.b64encode(v).decode("ascii") for k, v in plots.items() if v is not None},
    )
    return atomic_write(path, html)


def _latency_png(report: dict[str, Any]) -> bytes | None:
    series = [(ref, s) for ref, s in report["versions"].items() if s["_latency"]]
    if not series:
        return None
    fig, ax = figure(7.0, 3.2)
    for ref, s in series:
        times = [datetime.fromisoformat(t) for t in s["_times"]]
        ax.scatter(times, s["_latency"], s=4, alpha=0.5, label=f"{ref} (p99 {s['latency_ms']['p99']:.0f} ms)")
    ax.set_yscale("log")
    ax.set_ylabel("latency, ms (log)")
    ax.set_title("Latency of each prediction")
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return to_png(fig)


def _confidence_png(report: dict[str, Any]) -> bytes | None:
    series = [(ref, s["_confidence"]) for ref, s in report["versions"].items() if len(s["_confidence"]) >= 4]
    if not series:
        return None
    fig, ax = figure(7.0, 3.2)
    for ref, confidence in series:
        cut = int(len(confidence) * 0.75)
        ax.hist(confidence[:cut], bins=20, range=(0, 1), alpha=0.5, density=True, label=f"{ref} earlier")
        ax.hist(confidence[cut:], bins=20, range=(0, 1), alpha=0.5, density=True, label=f"{ref} recent quarter")
    ax.set_xlabel("top-class probability")
    ax.set_title("Confidence: earlier traffic vs the most recent quarter")
    ax.legend(fontsize=8)
    return to_png(fig)


def _accuracy_png(report: dict[str, Any]) -> bytes | None:
    series = [(ref, s["accuracy"]["over_time"]) for ref, s in report["versions"].items() if s["accuracy"]]
    if not series:
        return None
    fig, ax = figure(7.0, 3.2)
    for ref, points in series:
        ax.plot([datetime.fromisoformat(p["start"]) for p in points], [p["accuracy"] for p in points], "o-", label=ref)
    threshold = report["thresholds"].get("min_accuracy")
    if threshold is not None:
        ax.axhline(threshold, color="red", linestyle="--", label="--min-accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("accuracy from feedback")
    ax.set_title("Accuracy over time (feedback labels)")
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return to_png(fig)

"""The self-contained HTML evaluation report (plots embedded as base64 PNG) and its JSON twin."""

from __future__ import annotations

import base64
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fmkit.evaluation import plots


def write_html(path: Path, result: dict[str, Any]) -> Path:
    """Render ``result`` (the dict of ``EvalResult.to_dict``) into a single HTML file, atomically."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fmkit.evaluation", "templates"), autoescape=jinja2.select_autoescape(["html"])
    )
    metrics, labels = result["metrics"], result["model"]["labels"]
    encoded = {
        "confusion": plots.confusion_png(metrics["confusion_matrix"], labels),
        "per_class": plots.per_class_png(metrics["per_class"]),
        "reliability": plots.reliability_png(metrics["reliability"], metrics["ece"]),
        "confidence": plots.confidence_png(result["_confidence"], result["_correct"]),
    }
    html = env.get_template("report.html").render(
        metrics=metrics,
        perf=result["performance"],
        model=result["model"],
        data_name=result["data"]["source"],
        warnings=result["warnings"],
        mistakes=result["mistakes"],
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plots={k: base64.b64encode(v).decode("ascii") for k, v in encoded.items()},
    )
    return atomic_write(path, html)


def write_json(path: Path, result: dict[str, Any]) -> Path:
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    return atomic_write(path, json.dumps(public, indent=2))


def atomic_write(path: Path, text: str) -> Path:
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path

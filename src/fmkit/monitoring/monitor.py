"""What the served model has been doing, per version, from the workspace's logs: latency, throughput, error
rate, confidence and its drift, input drift against the training data, accuracy from feedback over time;
and which alert thresholds were crossed.

>>> report = monitor(Workspace.open(), "tickets", since=timedelta(hours=24))  # doctest: +SKIP
>>> report["n_predictions"], report["alerts"]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from fmkit.errors import ConfigError
from fmkit.monitoring.drift import ks_test, mmd_test
from fmkit.workspace.registry import VersionInfo, Workspace
from fmkit.workspace.schema import Feedback, Prediction, RequestError

MAX_ROWS = 200_000  # the most recent predictions read per report
MIN_DRIFT = 30  # fewest predictions on each side of a drift test


@dataclass(frozen=True)
class Thresholds:
    """Alert when crossed; ``None`` turns a check off."""

    max_p99_ms: float | None = None
    max_error_rate: float | None = None
    min_accuracy: float | None = None
    min_feedback: int = 20  #: an accuracy alert needs at least this many feedback items
    drift_alpha: float = 0.01  #: significance level of both drift tests

    def __post_init__(self) -> None:
        problems = []
        if self.max_p99_ms is not None and self.max_p99_ms <= 0:
            problems.append(f"--max-p99-ms must be > 0, got {self.max_p99_ms}")
        for flag, value in (("--max-error-rate", self.max_error_rate), ("--min-accuracy", self.min_accuracy)):
            if value is not None and not 0 <= value <= 1:
                problems.append(f"{flag} must be a fraction in [0, 1], got {value}")
        if not 0 < self.drift_alpha < 1:
            problems.append(f"--drift-alpha must be in (0, 1), got {self.drift_alpha}")
        if problems:
            raise ConfigError(problems)


def parse_since(text: str) -> timedelta:
    """``30m``, ``24h``, ``7d`` -> a timedelta."""
    units = {"m": 60, "h": 3600, "d": 86400}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) == 0:
        raise ConfigError(f"--since {text!r}: expected a positive number and a unit m, h or d (e.g. 24h)")
    return timedelta(seconds=int(text[:-1]) * units[text[-1]])


def monitor(
    ws: Workspace,
    name: str,
    *,
    since: timedelta | None = None,
    reference: list[str] | None = None,
    thresholds: Thresholds | None = None,
    max_drift_samples: int = 500,
) -> dict[str, Any]:
    """The monitoring report of ``name`` over the last ``since`` (all time when None), as a JSON-ready dict.

    ``reference`` holds training texts for the input-drift test; without it the artifact's own training file
    is used when it still exists, else the test is skipped with a note.
    """
    thresholds = thresholds or Thresholds()
    versions = {v.id: v for v in ws.versions(name)}
    cutoff = datetime.now(UTC) - since if since is not None else None
    rows = _predictions(ws, list(versions), cutoff)
    feedback = _feedback(ws, list(versions), cutoff)
    errors = _errors(ws, list(versions), cutoff)
    report: dict[str, Any] = {
        "model": name,
        "since": cutoff.isoformat() if cutoff else None,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "n_predictions": len(rows),
        "n_feedback": len(feedback),
        "n_errors": sum(errors.values()),
        "thresholds": asdict(thresholds),
        "versions": {},
        "alerts": [],
    }
    for version_id, info in versions.items():
        mine = [r for r in rows if r["version_id"] == version_id]
        labelled = [f for f in feedback if f["version_id"] == version_id]
        if not mine and not labelled:
            continue
        stats = _version_stats(mine, labelled, errors.get(version_id, 0), thresholds.drift_alpha)
        texts = reference if reference is not None else training_texts(ws, info)
        stats["input_drift"] = _input_drift(ws, info, texts, mine, thresholds.drift_alpha, max_drift_samples)
        report["versions"][info.ref] = stats
        report["alerts"] += _alerts(info.ref, stats, thresholds)
    return report


def _predictions(ws: Workspace, version_ids: list[int], cutoff: datetime | None) -> list[dict[str, Any]]:
    query = select(
        Prediction.version_id, Prediction.created_at, Prediction.latency_ms, Prediction.probabilities,
        Prediction.output, Prediction.input, Prediction.request_id,
    ).where(Prediction.version_id.in_(version_ids))  # fmt: skip
    if cutoff is not None:
        query = query.where(Prediction.created_at >= cutoff)
    with ws.session() as s:
        rows = s.execute(query.order_by(Prediction.created_at.desc()).limit(MAX_ROWS)).mappings().all()
    return [dict(r) | {"created_at": _aware(r["created_at"])} for r in reversed(rows)]


def _feedback(ws: Workspace, version_ids: list[int], cutoff: datetime | None) -> list[dict[str, Any]]:
    query = (
        select(Prediction.version_id, Prediction.output, Feedback.label, Feedback.created_at)
        .join(Prediction, Feedback.prediction_id == Prediction.id)
        .where(Prediction.version_id.in_(version_ids))
    )
    if cutoff is not None:
        query = query.where(Feedback.created_at >= cutoff)
    with ws.session() as s:
        rows = s.execute(query.order_by(Feedback.created_at)).mappings().all()
    return [dict(r) | {"created_at": _aware(r["created_at"])} for r in rows]


def _errors(ws: Workspace, version_ids: list[int], cutoff: datetime | None) -> dict[int, int]:
    query = select(RequestError.version_id, func.count()).where(RequestError.version_id.in_(version_ids))
    if cutoff is not None:
        query = query.where(RequestError.created_at >= cutoff)
    with ws.session() as s:
        counts = s.execute(query.group_by(RequestError.version_id)).all()
        return {int(v): int(n) for v, n in counts if v is not None}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _version_stats(
    rows: list[dict[str, Any]], feedback: list[dict[str, Any]], n_errors: int, alpha: float
) -> dict[str, Any]:
    latency = np.array([r["latency_ms"] for r in rows], dtype=np.float64)
    confidence = np.array([max((r["probabilities"] or {"": 0.0}).values()) for r in rows], dtype=np.float64)
    n_requests = len({r["request_id"] for r in rows})
    span = (rows[-1]["created_at"] - rows[0]["created_at"]).total_seconds() if len(rows) > 1 else 0.0
    stats: dict[str, Any] = {
        "n_predictions": len(rows),
        "n_requests": n_requests,
        "first": rows[0]["created_at"].isoformat() if rows else None,
        "last": rows[-1]["created_at"].isoformat() if rows else None,
        "latency_ms": {f"p{q}": round(float(np.percentile(latency, q)), 3) for q in (50, 95, 99)} if rows else None,
        "throughput_per_min": round(60 * len(rows) / span, 3) if span > 0 else None,
        "n_errors": n_errors,
        "error_rate": round(n_errors / (n_errors + n_requests), 6) if n_errors + n_requests else None,
        "confidence": {
            "mean": round(float(confidence.mean()), 6),
            "p10": round(float(np.percentile(confidence, 10)), 6),
        }
        if rows
        else None,
        "confidence_drift": _confidence_drift(confidence, alpha),
        "accuracy": _accuracy(feedback),
        "_latency": latency.tolist(),
        "_times": [r["created_at"].isoformat() for r in rows],
        "_confidence": confidence.tolist(),
    }
    return stats


def _confidence_drift(confidence: np.ndarray[Any, Any], alpha: float) -> dict[str, Any] | None:
    """Earlier three quarters of the traffic against the most recent quarter."""
    cut = int(len(confidence) * 0.75)
    if cut < MIN_DRIFT or len(confidence) - cut < MIN_DRIFT:
        return None
    return ks_test(confidence[:cut], confidence[cut:], alpha=alpha).to_dict()


def _accuracy(feedback: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not feedback:
        return None
    correct = [f["output"] == f["label"] for f in feedback]
    span = feedback[-1]["created_at"] - feedback[0]["created_at"]
    width = timedelta(hours=1) if span <= timedelta(days=2) else timedelta(days=1)
    buckets: dict[str, list[bool]] = {}
    for f, ok in zip(feedback, correct, strict=True):
        start = datetime.fromtimestamp(
            f["created_at"].timestamp() // width.total_seconds() * width.total_seconds(), UTC
        )
        buckets.setdefault(start.isoformat(), []).append(ok)
    return {
        "accuracy": round(float(np.mean(correct)), 6),
        "n": len(correct),
        "over_time": [{"start": k, "accuracy": round(float(np.mean(v)), 6), "n": len(v)} for k, v in buckets.items()],
    }


def training_texts(ws: Workspace, info: VersionInfo) -> list[str] | None:
    """The texts the version was trained on, when its training file is still where it was read from."""
    from fmkit.artifacts import read_manifest
    from fmkit.data import load_labeled

    manifest = read_manifest(ws.store.get(info.digest), verify=False)
    source = (manifest.get("data") or {}).get("source")
    if not source or not Path(source).is_file():
        return None
    try:
        return list(load_labeled(source, label_col=None).texts)
    except Exception:  # the training file changed shape since; the note says to pass --reference
        return None


def _input_drift(
    ws: Workspace, info: VersionInfo, reference: list[str] | None, rows: list[dict[str, Any]], alpha: float, cap: int
) -> dict[str, Any]:
    if reference is None:
        return {"skipped": "no training texts: pass --reference TRAIN.csv (the artifact's training file is gone)"}
    current = [r["input"] for r in rows[-cap:]]
    if len(current) < MIN_DRIFT or len(reference) < MIN_DRIFT:
        return {
            "skipped": f"needs at least {MIN_DRIFT} texts on each side "
            f"({len(reference)} reference, {len(current)} served)"
        }
    rng = np.random.default_rng(0)
    sample = [reference[i] for i in rng.choice(len(reference), min(cap, len(reference)), replace=False)]
    embed = embedder(ws, info)
    return mmd_test(embed(sample), embed(current), alpha=alpha).to_dict()


def embedder(ws: Workspace, info: VersionInfo, model: Any = None) -> Any:
    """The version's own encoder when it has one; the bundled MiniLM otherwise (LLM classifiers). ``model``:
    the version, loaded already."""
    from fmkit.api import load

    model = model if model is not None else load(ws.store.get(info.digest))
    own = getattr(model.adapted, "embed", None)
    if callable(own) and own(["probe"]) is not None:
        return own
    from sentence_transformers import SentenceTransformer

    from fmkit.catalog import Catalog, resolve

    encoder = SentenceTransformer(str(resolve(Catalog().get("minilm-l6"))), device="cpu")
    return lambda texts: encoder.encode(list(texts), normalize_embeddings=True)


def _alerts(ref: str, stats: dict[str, Any], t: Thresholds) -> list[str]:
    alerts = []
    p99 = (stats["latency_ms"] or {}).get("p99")
    if t.max_p99_ms is not None and p99 is not None and p99 > t.max_p99_ms:
        alerts.append(f"{ref}: p99 latency {p99:.1f} ms > {t.max_p99_ms:g} ms (--max-p99-ms)")
    rate = stats["error_rate"]
    if t.max_error_rate is not None and rate is not None and rate > t.max_error_rate:
        alerts.append(f"{ref}: error rate {rate:.3f} > {t.max_error_rate:g} (--max-error-rate)")
    accuracy = stats["accuracy"]
    if (
        t.min_accuracy is not None
        and accuracy
        and accuracy["n"] >= t.min_feedback
        and accuracy["accuracy"] < t.min_accuracy
    ):
        alerts.append(
            f"{ref}: accuracy from {accuracy['n']} feedback items {accuracy['accuracy']:.3f} < {t.min_accuracy:g}"
        )
    if stats["confidence_drift"] and stats["confidence_drift"]["drifted"]:
        alerts.append(
            f"{ref}: confidence drift (KS p = {stats['confidence_drift']['p_value']:.2g} < {t.drift_alpha:g})"
        )
    drift = stats["input_drift"]
    if drift.get("drifted"):
        alerts.append(f"{ref}: input drift from the training data (MMD p = {drift['p_value']:.2g} < {t.drift_alpha:g})")
    return alerts

"""``fmkit improve select``: pick the logged production inputs most worth labeling and queue them.

The pool is the model's logged predictions (any version) that have no feedback and are not queued, newest
first, one per distinct text, at most ``max_pool``. The version the alias points at scores the pool again
(uncertainty must be the current model's) and its encoder embeds it; the items labeled already (the
training texts, when the artifact's training file is still there, and production inputs with feedback)
are what diversity strategies avoid. When the pool drifted from the training data (the monitor's MMD
test), items far from the training data get a higher priority (up to ``1 + drift_boost``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select

from fmkit.errors import ConfigError, DataError
from fmkit.improve import queue
from fmkit.improve.strategies import Pool, get
from fmkit.improve.strategies.protocol import unit
from fmkit.workspace.registry import Workspace
from fmkit.workspace.schema import Feedback, LabelTask, Prediction, Version

REFERENCE_CAP = 2000  # training texts embedded as the labeled side / drift reference
LABELED_CAP = 5000  # production inputs with feedback embedded as the labeled side


@dataclass(frozen=True)
class SelectOptions:
    budget: int = 50
    strategy: str = "margin"
    alias: str = "champion"
    max_pool: int = 5000
    seed: int = 0
    drift_alpha: float = 0.01
    drift_boost: float = 2.0

    def __post_init__(self) -> None:
        problems = []
        if self.budget < 1:
            problems.append(f"--budget must be >= 1, got {self.budget}")
        if self.max_pool < 1:
            problems.append(f"--max-pool must be >= 1, got {self.max_pool}")
        if not 0 < self.drift_alpha < 1:
            problems.append(f"--drift-alpha must be in (0, 1), got {self.drift_alpha}")
        if self.drift_boost < 0:
            problems.append(f"--drift-boost must be >= 0, got {self.drift_boost}")
        if problems:
            raise ConfigError(problems)
        get(self.strategy)  # an unknown strategy fails here, before any model is loaded


def select_for_labeling(ws: Workspace, name: str, options: SelectOptions) -> dict[str, Any]:
    """Queue up to ``options.budget`` items of model ``name``'s unlabeled traffic; returns what was done."""
    from fmkit.api import load
    from fmkit.monitoring.drift import mmd_test
    from fmkit.monitoring.monitor import MIN_DRIFT, embedder, training_texts

    strategy = get(options.strategy)
    info = ws.version(name, alias=options.alias)
    ids, texts = _unlabeled(ws, name, options.max_pool)
    if not ids:
        raise DataError(
            f"{name!r} has no unlabeled logged predictions to choose from (all are labeled or queued); "
            "serve it and let traffic arrive first"
        )
    model = load(ws.store.get(info.digest))
    embed = embedder(ws, info, model)
    both = getattr(model.adapted, "embed_and_proba", None)
    if callable(both) and embed == getattr(model.adapted, "embed", None):  # the model's own encoder: one pass
        raw, scores = both(texts)
    else:
        raw, scores = embed(texts), model.predict_proba(texts)
    probabilities = np.asarray(scores, dtype=np.float64)
    embeddings = unit(np.asarray(raw, dtype=np.float32))
    reference = training_texts(ws, info) or []
    rng = np.random.default_rng(options.seed)
    if len(reference) > REFERENCE_CAP:
        reference = [reference[i] for i in rng.choice(len(reference), REFERENCE_CAP, replace=False)]
    reference_emb = unit(np.asarray(embed(reference), dtype=np.float32)) if reference else None
    labeled = _labeled_inputs(ws, name)
    sides = [np.zeros((0, embeddings.shape[1]), np.float32)]
    sides += [reference_emb] if reference_emb is not None else []
    sides += [unit(np.asarray(embed(labeled), np.float32))] if labeled else []
    labeled_emb = np.concatenate(sides)
    priority, drift = np.ones(len(ids)), None
    if reference_emb is not None and len(reference_emb) >= MIN_DRIFT and len(ids) >= MIN_DRIFT:
        test = mmd_test(reference_emb, embeddings[: min(len(ids), REFERENCE_CAP)], alpha=options.drift_alpha)
        drift = test.to_dict()
        if test.drifted and options.drift_boost > 0:
            priority = 1.0 + options.drift_boost * _novelty(embeddings, reference_emb)
    pool = Pool.build(probabilities, embeddings, labeled_emb, priority)
    chosen = strategy.select(pool, options.budget, seed=options.seed)
    added = queue.enqueue(ws, name, [ids[i] for i in chosen], strategy.name, [float(priority[i]) for i in chosen])
    return {
        "model": name, "version": info.ref, "strategy": strategy.name, "pool": len(ids),
        "labeled_reference": len(labeled_emb), "queued": added, "drift": drift,
        "drift_boosted": bool(np.any(priority > 1)), "queue": queue.counts(ws, name),
    }  # fmt: skip


def _unlabeled(ws: Workspace, name: str, limit: int) -> tuple[list[str], list[str]]:
    """Ids and texts of the newest logged predictions with no feedback and no queue entry, one per text."""
    with ws.session() as s:
        model = Workspace._model(s, name)
        rows = s.execute(
            select(Prediction.id, Prediction.input)
            .join(Version, Version.id == Prediction.version_id)
            .where(Version.model_id == model.id)
            .where(~Prediction.id.in_(select(Feedback.prediction_id)))
            .where(~Prediction.id.in_(select(LabelTask.prediction_id).where(LabelTask.model_id == model.id)))
            .order_by(Prediction.created_at.desc())
            .limit(limit * 4)
        ).all()
    seen: set[str] = set()
    ids, texts = [], []
    for pid, text in rows:
        if text in seen or not text.strip():
            continue
        seen.add(text)
        ids.append(pid)
        texts.append(text)
        if len(ids) == limit:
            break
    return ids, texts


def _labeled_inputs(ws: Workspace, name: str) -> list[str]:
    with ws.session() as s:
        model = Workspace._model(s, name)
        return list(
            s.scalars(
                select(Prediction.input)
                .join(Version, Version.id == Prediction.version_id)
                .where(Version.model_id == model.id, Prediction.id.in_(select(Feedback.prediction_id)))
                .order_by(Prediction.created_at.desc())
                .limit(LABELED_CAP)
            ).unique()
        )


def _novelty(embeddings: NDArray[np.float32], reference: NDArray[np.float32]) -> NDArray[np.float64]:
    """Each item's distance to its nearest training text, as a rank in [0, 1] (1 = the most novel)."""
    nearest = (1.0 - embeddings @ reference.T).min(1)
    ranks = np.argsort(np.argsort(nearest, kind="stable"), kind="stable")
    return np.asarray(ranks / max(1, len(ranks) - 1), dtype=np.float64)

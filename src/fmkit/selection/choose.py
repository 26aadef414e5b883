"""``fmkit choose``: rank (model x method) candidates by measuring them on a sample of the user's data.

Each candidate is cross-validated on the same stratified folds of the sample (quality), and its serving
cost is measured in a fresh process (``fmkit.selection.serving``: latency per item, throughput, peak
memory). Candidates over a budget are ranked after those within it. The pick follows the one-standard-error
rule (Breiman et al., 1984): of the candidates within budget whose accuracy is not significantly below the
best one's (paired difference within its standard error), the one that serves fastest. A TF-IDF + logistic
regression baseline is always measured, so the table says whether a foundation model is worth serving.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from fmkit._progress import track
from fmkit.catalog import Catalog, ModelCard
from fmkit.catalog.cards import GENERATIVE
from fmkit.data.labeled import LabeledTexts
from fmkit.errors import ConfigError, ModelNotAvailableError
from fmkit.selection.crossval import CVResult
from fmkit.selection.serving import ServingCost

TFIDF = "tfidf"
NOT_CANDIDATES = ("auto",)  # auto chooses among the others itself
NEEDS_POOL = ("self-train", "distill")  # candidates only with --unlabeled
SERVED_TEXTS = 64  # sample texts the serving measurement predicts


@dataclass(frozen=True)
class Candidate:
    model: str  #: catalog id; "-" for the TF-IDF baseline
    method: str

    @property
    def name(self) -> str:
        return TFIDF if self.method == TFIDF else f"{self.model}/{self.method}"


@dataclass
class Row:
    """One measured candidate."""

    candidate: Candidate
    cv: CVResult
    macro_f1: float
    cost: ServingCost
    over_budget: list[str] = field(default_factory=list)  #: why it is out of budget, if it is
    pareto: bool = False  #: no other candidate is at least as accurate, faster and lighter

    @property
    def accuracy_se(self) -> float:
        p, n = self.cv.accuracy, len(self.cv.correct)
        return math.sqrt(max(p * (1 - p), 1e-12) / n)

    def to_dict(self, rank: int | None) -> dict[str, Any]:
        return {
            "rank": rank,
            "model": self.candidate.model,
            "method": self.candidate.method,
            "accuracy": round(self.cv.accuracy, 4),
            "accuracy_se": round(self.accuracy_se, 4),
            "macro_f1": round(self.macro_f1, 4),
            "cv_seconds": round(self.cv.seconds, 2),
            **self.cost.to_dict(),
            "within_budget": not self.over_budget,
            "over_budget": self.over_budget,
            "pareto": self.pareto,
        }


@dataclass
class Choice:
    rows: list[Row]  #: ranked: within budget by accuracy, then over budget
    pick: Row | None
    why: str
    skipped: list[dict[str, str]]  #: candidates not measured, and why
    n_examples: int
    n_folds: int
    budget: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        ranked = [row.to_dict(None if row.over_budget else i + 1) for i, row in enumerate(self.rows)]
        return {
            "pick": ranked[self.rows.index(self.pick)] if self.pick else None,
            "why": self.why,
            "candidates": ranked,
            "skipped": self.skipped,
            "n_examples": self.n_examples,
            "n_folds": self.n_folds,
            "budget": self.budget,
        }


def enumerate_candidates(
    catalog: Catalog, models: list[str] | None, methods: list[str] | None, task: str, has_pool: bool
) -> tuple[list[tuple[ModelCard | None, str]], list[dict[str, str]]]:
    """(model card, method) pairs to measure, and those left out with the reason."""
    from fmkit.catalog.resolve import resolve
    from fmkit.methods import registry

    known = [n for n in registry.names() if n not in NOT_CANDIDATES]
    wanted = methods or [n for n in known if n not in NEEDS_POOL or has_pool]
    unknown = [n for n in wanted if n not in (*known, TFIDF)]
    if unknown:
        raise ConfigError(f"--method {', '.join(unknown)} is not a candidate; expected some of {', '.join(known)}")
    pooled = [n for n in wanted if n in NEEDS_POOL]
    if pooled and not has_pool:
        raise ConfigError(
            f"{', '.join(pooled)} learn from unlabeled texts: pass --unlabeled POOL.csv or leave them out"
        )
    cards = [catalog.get(m) for m in models] if models else [c for c in catalog.cards() if c.modality == "text"]
    pairs: list[tuple[ModelCard | None, str]] = []
    skipped: list[dict[str, str]] = []
    for card in cards:
        if task not in card.tasks:
            skipped.append({"model": card.id, "method": "*", "reason": f"not a {task} model"})
            continue
        fitting = [n for n in wanted if n != TFIDF and card.family in registry.get(n).families]
        if not fitting:
            reason = f"no registered method adapts {card.family} models for {task} yet"
            skipped.append({"model": card.id, "method": "*", "reason": reason})
            continue
        try:
            if not models and card.source == "hub":  # never download a model nobody asked for
                _cached(card)
            resolve(card)
        except ModelNotAvailableError as exc:
            skipped.append({"model": card.id, "method": "*", "reason": str(exc)})
            continue
        pairs += [(card, n) for n in fitting]
    if methods is None or TFIDF in methods:
        pairs.append((None, TFIDF))
    return pairs, skipped


def _cached(card: ModelCard) -> None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        snapshot_download(card.location, local_files_only=True)
    except (LocalEntryNotFoundError, OSError, ValueError):
        raise ModelNotAvailableError(
            f"not in the hub cache; name it with --model {card.id} to download it, or `hf download {card.location}`"
        ) from None


def choose(
    data: LabeledTexts,
    *,
    task: str = "classify",
    models: list[str] | None = None,
    methods: list[str] | None = None,
    budget_latency_ms: float | None = None,
    budget_memory_mb: float | None = None,
    sample: int = 240,
    folds: int = 3,
    seed: int = 0,
    unlabeled: LabeledTexts | None = None,
    catalog: Catalog | None = None,
) -> Choice:
    """Measure every candidate on a stratified sample of ``data`` and rank them (see the module docstring)."""
    from fmkit.config import bind
    from fmkit.data.splits import stratified_sample
    from fmkit.methods import FitJob, registry
    from fmkit.selection.crossval import cross_validate, method_fitter, stratified_folds
    from fmkit.selection.tfidf import TfidfClassifier

    if task != "classify":
        raise ConfigError(f"--task {task!r} is not supported yet; expected classify")
    problems = [f"{n} must be > 0, got {v}" for n, v in _budgets(budget_latency_ms, budget_memory_mb).items() if v <= 0]
    if sample < 20 or folds < 2:
        problems.append(f"--sample must be >= 20 and --folds >= 2, got {sample} and {folds}")
    if problems:
        raise ConfigError(problems)
    pairs, skipped = enumerate_candidates(catalog or Catalog(), models, methods, task, unlabeled is not None)
    sampled = stratified_sample(data, sample, seed)
    fold_list = stratified_folds(sampled, folds, seed)
    costs: dict[str, ServingCost] = {}
    rows = []
    for card, name in track(pairs, "choose: measuring candidates"):
        if card is None:
            try:
                result = cross_validate(name, lambda train: TfidfClassifier.fit(train, seed), sampled, fold_list)
            except ValueError as exc:  # e.g. no word tokens at all
                skipped.append({"model": "-", "method": TFIDF, "reason": f"TF-IDF cannot fit this data: {exc}"})
                continue
            candidate = Candidate("-", TFIDF)
        else:
            from fmkit.catalog.resolve import resolve

            method = registry.get(name)
            job = FitJob(card, resolve(card), sampled, None, seed, unlabeled)
            result = cross_validate(name, method_fitter(method, bind(method.config_type, {}), job), sampled, fold_list)
            candidate = Candidate(card.id, name)
        key = candidate.name if card is None or card.family in GENERATIVE else card.id  # encoders: encoder + head
        if key not in costs:
            costs[key] = _serving_cost(card, name, sampled, seed)
        rows.append(Row(candidate, result, _macro_f1(sampled, result), costs[key]))
    return rank(rows, budget_latency_ms, budget_memory_mb, skipped, len(sampled), len(fold_list))


def _budgets(latency_ms: float | None, memory_mb: float | None) -> dict[str, float]:
    given = {"--budget-latency-ms": latency_ms, "--budget-memory-mb": memory_mb}
    return {k: v for k, v in given.items() if v is not None}


def _serving_cost(card: ModelCard | None, method: str, sampled: LabeledTexts, seed: int) -> ServingCost:
    from fmkit.catalog.resolve import resolve
    from fmkit.selection.serving import measure_serving

    texts = list(sampled.texts[:SERVED_TEXTS])
    train: dict[str, Any] = {"train_texts": list(sampled.texts), "train_labels": list(sampled.labels)}
    if card is None:
        spec = {"kind": TFIDF, **train}
    elif card.family in GENERATIVE:
        spec = {"kind": "fitted", "model": card.id, "method": method, "seed": seed, **train}
    else:
        spec = {"kind": "encoder", "model_dir": str(resolve(card)), "labels": list(sampled.classes)}
    return measure_serving({**spec, "texts": texts})


def _macro_f1(data: LabeledTexts, result: CVResult) -> float:
    from sklearn.metrics import f1_score

    truth = [data.classes.index(label) for label in data.labels]
    return float(f1_score(truth, result.proba.argmax(axis=1), average="macro"))


def rank(
    rows: list[Row],
    budget_latency_ms: float | None,
    budget_memory_mb: float | None,
    skipped: list[dict[str, str]],
    n_examples: int,
    n_folds: int,
) -> Choice:
    """Order the rows, mark budget and Pareto status, pick by the one-standard-error rule, explain."""
    for row in rows:
        if budget_latency_ms is not None and row.cost.latency_ms_p50 > budget_latency_ms:
            row.over_budget.append(f"latency {row.cost.latency_ms_p50:.1f} ms > {budget_latency_ms:g} ms")
        if budget_memory_mb is not None and row.cost.peak_memory_mb > budget_memory_mb:
            row.over_budget.append(f"memory {row.cost.peak_memory_mb:.0f} MB > {budget_memory_mb:g} MB")
        row.pareto = not any(_dominates(other, row) for other in rows)
    rows = sorted(rows, key=lambda r: (bool(r.over_budget), -r.cv.accuracy, r.cost.latency_ms_p50))
    inside = [r for r in rows if not r.over_budget]
    budget = {"latency_ms": budget_latency_ms, "memory_mb": budget_memory_mb}
    if not inside:
        why = "no candidate fits the budget; " + "; ".join(
            f"{r.candidate.name}: {', '.join(r.over_budget)}" for r in rows
        )
        return Choice(rows, None, why + "; raise a budget", skipped, n_examples, n_folds, budget)
    best = inside[0]
    near = [r for r in inside if best.cv.advantage(r.cv)[0] <= best.cv.advantage(r.cv)[1]]
    pick = min(near, key=lambda r: (r.cost.latency_ms_p50, -r.cv.accuracy))
    why = (
        f"{pick.candidate.name}: {100 * pick.cv.accuracy:.1f}% cross-validated accuracy on {n_examples} examples "
        f"({n_folds} folds), {pick.cost.latency_ms_p50:.1f} ms per item, {pick.cost.peak_memory_mb:.0f} MB"
    )
    if pick is best:
        why += f"; the most accurate within budget ({len(inside)} of {len(rows)} candidates are)"
    else:
        gain, se = best.cv.advantage(pick.cv)
        why += (
            f"; {best.candidate.name} is {100 * gain:.1f} points more accurate, within the paired standard error "
            f"({100 * se:.1f}), and serves at {best.cost.latency_ms_p50:.1f} ms, so the faster one is picked "
            "(one-standard-error rule)"
        )
    baseline = next((r for r in rows if r.candidate.method == TFIDF), None)
    if baseline is not None and baseline is not pick:
        why += f"; {100 * (pick.cv.accuracy - baseline.cv.accuracy):+.1f} points over the TF-IDF baseline"
    out = [r for r in rows if r.over_budget]
    if out:
        why += f"; {len(out)} over budget ({'; '.join(f'{r.candidate.name}: {r.over_budget[0]}' for r in out[:3])})"
    return Choice(rows, pick, why, skipped, n_examples, n_folds, budget)


def _dominates(a: Row, b: Row) -> bool:
    """a is at least as accurate, fast and light as b, and strictly better in one of them."""
    mine = (a.cv.accuracy, -a.cost.latency_ms_p50, -a.cost.peak_memory_mb)
    theirs = (b.cv.accuracy, -b.cost.latency_ms_p50, -b.cost.peak_memory_mb)
    return all(x >= y for x, y in zip(mine, theirs, strict=True)) and mine != theirs


def scores_table(choice: Choice) -> list[list[str]]:
    """Rows of the printed table: rank, candidate, accuracy, macro-F1, ms/item, MB, notes."""
    table = []
    for i, row in enumerate(choice.rows):
        notes = (["pick"] if row is choice.pick else []) + (["pareto"] if row.pareto else []) + row.over_budget
        table.append(
            [
                "-" if row.over_budget else str(i + 1),
                row.candidate.name,
                f"{100 * row.cv.accuracy:.1f}±{100 * row.accuracy_se:.1f}",
                f"{100 * row.macro_f1:.1f}",
                f"{row.cost.latency_ms_p50:.1f}",
                f"{row.cost.peak_memory_mb:.0f}",
                ", ".join(notes),
            ]
        )
    return table

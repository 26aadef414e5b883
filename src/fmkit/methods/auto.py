"""auto: pick the method by cross-validation on the training data, say why, and plan the label budget.

Every candidate is scored on the same stratified folds of the user's labeled data (nothing else is looked
at). With a handful of labels per class these scores are mostly noise: on one SST-2 sample zero-shot scored
88 % on the 16 labels and 63 % on the test set, while the trained methods, fitted on 5 labels per class in
each fold, scored at chance and reached 66 to 73 % on the test set. So the pick starts from the method that
is best at this label count in fmkit's label-efficiency benchmark (docs/benchmarks.md), and the paired
cross-validation gain of every other method over it is combined with what that benchmark says about the same
gain (empirical Bayes: a normal prior with the benchmark's mean and spread over its datasets and seeds, at the
measured label count nearest to the user's, a normal likelihood with the paired standard error). auto moves to
another method only when the posterior gain is more than ``SWITCH_Z`` posterior standard deviations above zero.
Without a benchmark prior (more than ``MEASURED_UP_TO`` labels per class, or a method the benchmark did not run)
this is the plain paired test. The chosen method is then fitted on all the data, and the learning curve of a
probe on the same folds estimates what 2x, 4x and 8x the labels would buy (``fmkit.selection.curve``). With
``auto_llm`` a decoder LLM's ``llm-zero-shot`` and ``llm-prompt`` join the candidates on the same folds; if one
of them is picked, the artifact is that LLM classifier (its base model and options are kept in ``fit_info``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fmkit._progress import track
from fmkit.catalog.cards import GENERATIVE
from fmkit.errors import ConfigError
from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods._pool_prior import ClassBalanceOption
from fmkit.methods.protocol import Adapted, FitJob, Fitted
from fmkit.methods.registry import register

if TYPE_CHECKING:
    from fmkit.selection.crossval import CVResult

CHEAP = ("zero-shot", "linear-probe")  # scored first: seconds, whatever the budget
# self-train joins when an unlabeled pool is given (scored last, so auto_budget_s drops it first); lora trades
# accuracy for a small adapter, so it is compared only when named (auto_candidates=...,lora)
DEFAULT_CANDIDATES = ("zero-shot", "linear-probe", "contrastive", "finetune", "self-train")
LLM_METHODS = ("llm-zero-shot", "llm-prompt")  # candidates on the auto_llm model, not on --model
SWITCH_Z = 2.0  # leave the prior only for a lead of this many standard errors (about 2 % by chance, one-sided)
# Accuracy gain over the prior (contrastive) in fmkit's label-efficiency benchmark, by labels per class, as
# (mean, standard deviation) over its datasets x seeds, in points (MCC points on amazon_counterfactual_en):
# `python benchmarks/label_efficiency.py --prior-gains` prints them from benchmarks/results/label_efficiency.json.
# self-train at 64: 30 runs with the pool-prior shift (5 seeds on each of the six sets); before the shift its 11 runs
# gave (-2.9, 5.0)
BENCHMARK_GAINS: dict[int, dict[str, tuple[float, float]]] = {
    8: {
        "finetune": (-2.9, 4.6),
        "linear-probe": (-5.2, 4.6),
        "lora": (-3.8, 5.2),
        "self-train": (0.7, 5.0),
        "zero-shot": (-13.9, 9.8),
    },
    64: {
        "finetune": (-1.9, 3.6),
        "linear-probe": (-13.2, 13.3),
        "lora": (-2.8, 3.9),
        "self-train": (-1.8, 3.1),
        "zero-shot": (-31.2, 17.7),
    },
}
MEASURED_UP_TO = max(BENCHMARK_GAINS)  # labels per class: above, no benchmark prior and finetune is the prior


def prior_method(per_class: int) -> str:
    """The method fmkit's benchmarks found best at this label count: contrastive at 8 and at 64 labels per class
    (benchmarks/results/label_efficiency.json: at 64, finetune was 1.9 points behind on average over 6 datasets).
    Above 64 nothing compared them; finetune is the one fmkit measured on full data (SST-2, sst2_methods.json),
    and contrastive's tuning is capped at 1,000 steps, a few passes over a few thousand examples."""
    return "contrastive" if per_class <= MEASURED_UP_TO else "finetune"


def benchmark_gains(per_class: int) -> dict[str, tuple[float, float]]:
    """The benchmark's gains over the prior at the measured label count nearest to ``per_class`` (on a log scale);
    none above ``MEASURED_UP_TO``."""
    if per_class > MEASURED_UP_TO:
        return {}
    nearest = min(BENCHMARK_GAINS, key=lambda n: abs(math.log(n / max(per_class, 1))))
    return BENCHMARK_GAINS[nearest]


@dataclass(frozen=True)
class AutoConfig(ClassBalanceOption):
    """Options of ``auto`` (``class_balance`` goes to the picked method's fit, where it has a trained head)."""

    auto_candidates: tuple[str, ...] = DEFAULT_CANDIDATES  #: methods to compare (self-train needs --unlabeled)
    auto_folds: int = 3  #: cross-validation folds (fewer when the rarest class has fewer examples)
    auto_budget_s: float | None = None  #: stop scoring more candidates after this many seconds; None = all
    auto_max_cv: int = 600  #: cross-validate on a stratified sample of at most this many examples
    auto_llm: str | None = None  #: a decoder LLM (catalog id or path) whose llm-zero-shot and llm-prompt join
    auto_llm_config: dict[str, str] | None = None  #: the LLM methods' options (JSON mapping, e.g. llm_text_template)

    def problems(self) -> list[str]:
        from fmkit.methods import registry

        out = super().problems()
        known = [name for name in registry.names() if name != "auto"]
        unknown = [name for name in self.auto_candidates if name not in known]
        if unknown:
            out.append(f"auto_candidates has unknown methods {unknown}; expected some of {', '.join(known)}")
        if not self.auto_candidates:
            out.append("auto_candidates is empty; name at least one method")
        if not 2 <= self.auto_folds <= 10:
            out.append(f"auto_folds must be between 2 and 10, got {self.auto_folds}")
        if self.auto_budget_s is not None and self.auto_budget_s <= 0:
            out.append(f"auto_budget_s must be > 0 seconds, got {self.auto_budget_s}")
        if self.auto_max_cv < 20:
            out.append(f"auto_max_cv must be >= 20, got {self.auto_max_cv}")
        named = [name for name in self.auto_candidates if name in LLM_METHODS]
        if named and self.auto_llm is None:
            out.append(f"auto_candidates names {', '.join(named)}: say which LLM with auto_llm=smollm2-135m-instruct")
        return out


class Auto(EncoderMethod):
    name = "auto"
    summary = "picks among the methods by cross-validation on your labels, says why, plans the label budget"
    paper = "Kohavi, 1995, cross-validation for model selection; Figueroa et al., 2012, learning-curve fitting"
    config_type = AutoConfig

    def fit(self, job: FitJob, config: AutoConfig) -> Fitted:
        from fmkit.config import bind, to_dict
        from fmkit.data.splits import stratified_sample
        from fmkit.methods import registry
        from fmkit.selection.crossval import cross_validate, method_fitter, stratified_folds

        candidates = self._candidates(job, config)
        llm_job = _llm_job(job, config)
        per_class = min(job.train.counts().values())
        cv_data = job.train
        if len(cv_data) > config.auto_max_cv:
            cv_data = stratified_sample(cv_data, config.auto_max_cv, job.seed)
        cv_job = FitJob(job.card, job.base_dir, cv_data, None, job.seed, job.unlabeled)

        def settings(name: str) -> Any:  # cross-validation drops class_balance (crossval.method_fitter)
            method = registry.get(name)
            if name in LLM_METHODS:
                return bind(method.config_type, config.auto_llm_config or {})
            balanced = config.class_balance is not None and issubclass(method.config_type, ClassBalanceOption)
            return bind(method.config_type, {"class_balance": config.class_balance} if balanced else {})

        def on(target: FitJob, name: str) -> FitJob:  # LLM methods run on the auto_llm model, without the pool
            if name not in LLM_METHODS or llm_job is None:
                return target
            return FitJob(llm_job.card, llm_job.base_dir, target.train, target.valid, target.seed, None)

        folds = stratified_folds(cv_data, config.auto_folds, job.seed)
        started = time.perf_counter()
        results: dict[str, CVResult] = {}
        skipped: list[str] = []
        for name in track(candidates, "auto: cross-validating methods"):
            over_budget = config.auto_budget_s is not None and time.perf_counter() - started > config.auto_budget_s
            if over_budget and name not in CHEAP and results:
                skipped.append(name)
                continue
            fit = method_fitter(registry.get(name), settings(name), on(cv_job, name))
            results[name] = cross_validate(name, fit, cv_data, folds)
        prior = prior_method(per_class)
        chosen, why = decide(results, prior, len(folds), benchmark_gains(per_class))
        if skipped:
            why += f"; not scored within auto_budget_s={config.auto_budget_s:g}: {', '.join(skipped)}"
        chosen_settings = settings(chosen)
        if config.class_balance is not None and not isinstance(chosen_settings, ClassBalanceOption):
            why += f"; class_balance not applied: {chosen} has no trained head to shift"
        fitted = registry.get(chosen).fit(on(job, chosen), chosen_settings)
        info: dict[str, Any] = {
            "auto_method": chosen,
            "auto_why": why,
            "auto_cv_accuracy": results[chosen].accuracy,
            "auto_cv": {n: {"accuracy": r.accuracy, "seconds": round(r.seconds, 2)} for n, r in results.items()},
            "auto_folds": len(folds),
            "auto_skipped": skipped,
            "label_budget": _label_budget(cv_job, folds, results[chosen].accuracy, per_class),
            "chosen_info": fitted.info,
        }
        if chosen in LLM_METHODS and llm_job is not None:  # what loading the LLM classifier needs
            info["auto_base_model"] = llm_job.card.to_dict()
            info["auto_config"] = to_dict(chosen_settings)
        return Fitted(fitted.model, info)

    def load(self, directory: Path, manifest: dict[str, Any], base_dir: Path | None) -> Adapted:
        from fmkit.methods import registry

        info = manifest["fit_info"]
        chosen = registry.get(info["auto_method"])
        if "auto_base_model" in info:  # an LLM classifier over auto_llm, not over the encoder named in the manifest
            from fmkit.catalog import ModelCard, resolve

            card = ModelCard.from_dict(info["auto_base_model"])
            llm_manifest = {**manifest, "base_model": info["auto_base_model"], "config": info["auto_config"]}
            return chosen.load(directory, llm_manifest, resolve(card))
        return chosen.load(directory, manifest, base_dir)

    @staticmethod
    def _candidates(job: FitJob, config: AutoConfig) -> list[str]:
        named = list(config.auto_candidates)
        if config.auto_llm is not None:
            named += [n for n in LLM_METHODS if n not in named]
        names = [n for n in named if n != "self-train" or job.unlabeled is not None]
        if not names:
            raise ConfigError("auto has no candidate left: self-train needs --unlabeled POOL.csv; add other methods")
        prior = prior_method(min(job.train.counts().values()))
        # cheap ones first, then the prior, then the rest in the order given
        return sorted(names, key=lambda n: (n not in CHEAP, n != prior, names.index(n)))


def _llm_job(job: FitJob, config: AutoConfig) -> FitJob | None:
    """The job the LLM candidates fit on: auto_llm's card and weights, the same labels."""
    if config.auto_llm is None:
        return None
    from fmkit.catalog import Catalog, resolve

    card = Catalog().get(config.auto_llm)
    if card.family not in GENERATIVE:
        raise ConfigError(
            f"auto_llm must be a decoder LLM (smollm2-135m-instruct...), {card.id!r} has family {card.family!r}"
        )
    return FitJob(card, resolve(card), job.train, job.valid, job.seed, None)


def decide(
    results: dict[str, Any], prior: str, n_folds: int, gains: dict[str, tuple[float, float]] | None = None
) -> tuple[str, str]:
    """(chosen method, why): the prior, unless another method's posterior gain over it exceeds ``SWITCH_Z``
    posterior standard deviations. ``gains`` holds the benchmark's (mean, sd) gain over the prior, in points."""
    ranked = sorted(results, key=lambda n: -results[n].accuracy)
    scores = ", ".join(f"{n} {100 * results[n].accuracy:.1f}" for n in ranked)
    head = f"{n_folds}-fold cross-validated accuracy on your labels: {scores}"
    if prior not in results:
        return ranked[0], f"{head}; {ranked[0]} scored best"
    posterior = {n: _posterior_gain(results[n], results[prior], (gains or {}).get(n)) for n in results if n != prior}
    if not posterior:
        return prior, f"{head}; {prior} was the only candidate"
    best = max(posterior, key=lambda n: posterior[n][0] - SWITCH_Z * posterior[n][1])
    gain, sd, shrunk = posterior[best]
    basis = "; combined with fmkit's benchmark," if shrunk else ";"
    if gain > SWITCH_Z * sd:
        return best, f"{head}{basis} {best} beats {prior} by {100 * gain:.1f} points (standard error {100 * sd:.1f})"
    leader = max(posterior, key=lambda n: posterior[n][0])
    gain, sd, shrunk = posterior[leader]
    basis = "; combined with fmkit's benchmark," if shrunk else ";"
    if gain <= 0:
        return prior, f"{head}{basis} no method is expected to beat {prior}, so auto keeps it"
    reason = "the best at this label count in fmkit's benchmark" if gains else "fmkit's default at this label count"
    return prior, (
        f"{head}{basis} {leader} leads {prior} by {100 * gain:.1f} points, within {SWITCH_Z:g} standard errors "
        f"({100 * sd:.1f} each), so auto keeps {prior}, {reason}"
    )


def _posterior_gain(
    result: CVResult, prior: CVResult, benchmark: tuple[float, float] | None
) -> tuple[float, float, bool]:
    """(posterior mean gain, its standard deviation, whether a benchmark prior was used), as fractions.

    The likelihood is the paired cross-validation gain with its standard error (at least one item's worth,
    so that two identical prediction vectors do not claim certainty); the prior, the benchmark's gain."""
    gain, se = result.advantage(prior)
    se = max(se, 1 / len(result.correct))
    if benchmark is None:
        return gain, se, False
    mean, sd = benchmark[0] / 100, max(benchmark[1], 0.1) / 100
    precision = 1 / se**2 + 1 / sd**2
    return (gain / se**2 + mean / sd**2) / precision, precision**-0.5, True


def _label_budget(job: FitJob, folds: Any, method_accuracy: float, per_class: int) -> list[dict[str, Any]]:
    """Expected accuracy with more labels per class: the benchmark's prior, nudged by a probe curve on the folds."""
    from fmkit.methods.encoder_head import EncoderClassifier
    from fmkit.selection.curve import plan_budget, probe_curve

    labels = job.train.classes
    y = np.array([labels.index(label) for label in job.train.labels])
    embeddings = EncoderClassifier.from_encoder(job.base_dir, labels).embed(job.train.texts)
    curve = probe_curve(embeddings, y, folds, job.seed)
    cv_per_class = float(np.mean([np.bincount(y[train]).min() for train, _ in folds]))
    plan = plan_budget(curve, method_accuracy, cv_per_class, per_class, len(labels), len(y))
    return [p.to_dict() for p in plan]


register(Auto())

"""How good are auto's label-budget forecasts? Forecast from 8 labels per class, then measure at 16, 32, 64.

For each dataset and seed, an 8-per-class sample is split into 3 cross-validation folds exactly as ``auto``
does; the probe (logistic regression on MiniLM embeddings) gives the cross-validated accuracy and the learning
curve ``fmkit.selection.curve`` fits, and the same probe is then trained on 8, 16, 32 and 64 labels per class
and scored on the test set. The forecast rule (``plan_budget``) leans on a prior measured here, so each
dataset is forecast with the prior of the other five (leave-one-dataset-out): the errors below are out of
sample. The same rule is also checked on the method ``auto`` picks: its cross-validated accuracy at 8 labels
per class (benchmarks/label_efficiency.py's auto runs) against that method measured at 64.

    python benchmarks/label_budget.py [--dataset emotion sst5] [--seeds 0 1 2 3 4]
    python benchmarks/label_budget.py --prior      # fmkit.selection.curve.BudgetRule's defaults, from all runs
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("FMKIT_PROGRESS", "0")

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402
import label_efficiency  # noqa: E402

RESULTS = HERE / "results" / "label_budget.json"
MAX_TEST = 1000
TARGETS = (16, 32, 64)
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)  # curve_weight candidates, chosen by the gain's out-of-sample error


def run(name: str, seed: int, embed: Any) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score

    from fmkit.selection.crossval import stratified_folds
    from fmkit.selection.curve import probe_curve

    split = label_efficiency.load_dataset(name, MAX_TEST)
    labels = split.train.classes
    test_x = embed(split.test.texts)
    test_y = np.array([labels.index(label) for label in split.test.labels])
    few = label_efficiency.sample(split, name, 8, seed)
    x, y = embed(few.texts), np.array([labels.index(label) for label in few.labels])
    folds = stratified_folds(few, 3, seed)
    curve = probe_curve(x, y, folds, seed)
    assert curve is not None
    correct = np.zeros(len(y), bool)
    for train, test in folds:
        probe = LogisticRegression(C=10.0, max_iter=1000).fit(x[train], y[train])
        correct[test] = probe.predict(x[test]) == y[test]
    measured, balanced = {}, {}
    for target in (8, *TARGETS):
        more = few if target == 8 else label_efficiency.sample(split, "" if name == "ag_news" else name, target, seed)
        more_x = x if target == 8 else embed(more.texts)
        probe = LogisticRegression(C=10.0, max_iter=1000).fit(more_x, [labels.index(label) for label in more.labels])
        predicted = probe.predict(test_x)
        measured[str(target)] = float((predicted == test_y).mean())
        balanced[str(target)] = float(balanced_accuracy_score(test_y, predicted))
    return {
        "cv_accuracy_8": float(correct.mean()),
        "cv_per_class": float(np.mean([np.bincount(y[train]).min() for train, _ in folds])),
        "n_items": len(y),
        "n_classes": len(labels),
        "measured": measured,
        "balanced_accuracy": balanced,
        "curve": {"a": curve.a, "b": curve.b, "c": curve.c},
    }


def measured_log_ratio(measured: dict[str, float]) -> float:
    """The slope of log error against log2(labels per class) through 8, 16, 32 and 64: one doubling's ratio."""
    sizes = sorted(measured, key=int)
    x = np.log2([int(s) for s in sizes])
    return float(np.polyfit(x, np.log([max(1e-3, 1 - measured[s]) for s in sizes]), 1)[0])


def fit_rule(runs: dict[str, dict[str, Any]], weight: float, exclude: str | None = None) -> Any:
    """The forecast's ``BudgetRule`` from ``runs`` (all but dataset ``exclude``) for a given curve weight."""
    from fmkit.selection.curve import BudgetRule, Curve, carried, curve_log_ratio

    chosen = [r for k, r in runs.items() if k.split("/")[0] != exclude]
    slopes = np.array([measured_log_ratio(r["measured"]) for r in chosen])
    fitted = [Curve(**r["curve"], points=()) for r in chosen]
    curves = np.array([curve_log_ratio(c, r["cv_per_class"]) for c, r in zip(fitted, chosen, strict=True)])
    mean = float(np.mean(slopes - weight * curves) / (1 - weight))  # so that (1-w) mean + w curve fits on average
    spread = float(np.std(slopes - ((1 - weight) * mean + weight * curves), ddof=1))
    unit = BudgetRule(mean, spread, weight, 1.0)  # level misses in plain binomial standard errors
    misses = []
    for curve, r in zip(fitted, chosen, strict=True):
        today = carried(r["cv_accuracy_8"], unit.rate(curve, r["cv_per_class"]), r["cv_per_class"], 8)
        misses.append((r["measured"]["8"] - today) / unit.level_sd(r["cv_accuracy_8"], r["n_items"]))
    return BudgetRule(mean, spread, weight, float(np.sqrt(np.mean(np.square(misses)))))


def forecast(run_: dict[str, Any], rule: Any) -> Any:
    """``plan_budget`` for one run under ``rule`` (without a stored curve: the prior alone)."""
    from fmkit.selection.curve import Curve, plan_budget

    curve = Curve(**run_["curve"], points=()) if "curve" in run_ else None
    return plan_budget(curve, run_["cv_accuracy_8"], run_["cv_per_class"], 8, run_["n_classes"], run_["n_items"], rule)


def old_rule(run_: dict[str, Any], per_class: int) -> float:
    """The rule before the prior (the data's curve alone), for comparison: the probe's error scaled by the curve."""
    from fmkit.selection.curve import Curve

    curve = Curve(**run_["curve"], points=())
    error = (1 - run_["cv_accuracy_8"]) * (1 - curve(per_class)) / max(1e-6, 1 - curve(run_["cv_per_class"]))
    return float(np.clip(1 - error, 0.0, 1.0))


def evaluate(runs: dict[str, dict[str, Any]], weight: float, metric: str = "measured") -> dict[str, Any]:
    """Leave-one-dataset-out forecasts of every run: errors of the level and of the gain, and the range's hits."""
    rows = []
    rules = {name: fit_rule(runs, weight, exclude=name) for name in {key.split("/")[0] for key in runs}}
    for key, run_ in sorted(runs.items()):
        name = key.split("/")[0]
        for point in forecast(run_, rules[name]):
            truth = run_[metric][str(point.per_class)]
            old = old_rule(run_, point.per_class)
            rows.append(
                {
                    "dataset": name,
                    "per_class": point.per_class,
                    "forecast": point.expected_accuracy,
                    "low": point.low,
                    "high": point.high,
                    "measured": truth,
                    "error": point.expected_accuracy - truth,
                    "old_error": old - truth,
                    "old_gain_error": old - old_rule(run_, 8) - (truth - run_[metric]["8"]),
                    "gain_error": point.gain - (truth - run_[metric]["8"]),
                    "inside": point.low <= truth <= point.high,
                }
            )
    return {
        "weight": weight,
        "mean_absolute_error_points": 100 * float(np.mean([abs(r["error"]) for r in rows])),
        "mean_error_points": 100 * float(np.mean([r["error"] for r in rows])),
        "old_rule_mean_absolute_error_points": 100 * float(np.mean([abs(r["old_error"]) for r in rows])),
        "old_rule_mean_error_points": 100 * float(np.mean([r["old_error"] for r in rows])),
        "old_rule_gain_mean_absolute_error_points": 100 * float(np.mean([abs(r["old_gain_error"]) for r in rows])),
        "gain_mean_absolute_error_points": 100 * float(np.mean([abs(r["gain_error"]) for r in rows])),
        "range_80_coverage": float(np.mean([r["inside"] for r in rows])),
        "n": len(rows),
        "rows": rows,
    }


def method_check(runs: dict[str, dict[str, Any]], weight: float) -> dict[str, Any]:
    """The rule on auto's chosen method: its CV accuracy at 8 per class vs the same method measured at 64."""
    efficiency = _results.load(label_efficiency.RESULTS)["runs"]
    rows = []
    for key, auto_run in sorted(efficiency.items()):
        name, shots, seed, candidate = key.split("/")
        method = auto_run.get("auto_method")
        at_64 = efficiency.get(f"{name}/64/{seed}/{method}")
        cv = auto_run.get("auto_cv_accuracy")
        if cv is None:  # runs stored before label_efficiency.py kept it: the figure auto_why printed
            found = re.search(rf"{re.escape(str(method))} ([\d.]+)", auto_run.get("auto_why", ""))
            cv = float(found.group(1)) / 100 if found else None
        if candidate != "auto" or shots != "8" or at_64 is None or cv is None or not auto_run.get("label_budget"):
            continue
        if at_64["metric"] != "accuracy":  # amazon_counterfactual_en is scored by MCC there
            continue
        n_classes = auto_run["label_budget"][0]["labels_to_add"] // 8  # 8 more per class at 16
        stored = {"cv_accuracy_8": float(cv), "cv_per_class": 16 / 3, "n_classes": n_classes}
        point = forecast({**stored, "n_items": 8 * n_classes}, fit_rule(runs, weight, exclude=name))[-1]
        old = auto_run["label_budget"][-1]["expected_accuracy"]
        truth = at_64["score"] / 100
        rows.append(
            {
                "key": key,
                "method": method,
                "forecast": point.expected_accuracy,
                "low": point.low,
                "high": point.high,
                "old_forecast": old,
                "measured": truth,
            }
        )
    if not rows:
        return {}
    return {
        "mean_absolute_error_points": 100 * float(np.mean([abs(r["forecast"] - r["measured"]) for r in rows])),
        "old_mean_absolute_error_points": 100 * float(np.mean([abs(r["old_forecast"] - r["measured"]) for r in rows])),
        "range_80_coverage": float(np.mean([r["low"] <= r["measured"] <= r["high"] for r in rows])),
        "n": len(rows),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="*", default=list(label_efficiency.PUBLISHED))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--prior", action="store_true", help="print BudgetRule's defaults from all runs")
    parser.add_argument("--markdown", action="store_true", help="print the docs table from the stored results")
    args = parser.parse_args()
    results = _results.load(RESULTS)
    if args.prior:
        best = min(WEIGHTS, key=lambda w: evaluate(results["runs"], w)["gain_mean_absolute_error_points"])
        rule = fit_rule(results["runs"], best)
        print(
            f"log_ratio={rule.log_ratio:.3f}, spread={rule.spread:.3f}, curve_weight={best}, "
            f"level_sd_inflation={rule.level_sd_inflation:.2f}"
        )
        return
    if args.markdown:
        print(markdown(results))
        return
    if not label_efficiency.SHARED.is_dir():
        raise SystemExit(f"skipped: {label_efficiency.SHARED} is absent")
    from fmkit.catalog import Catalog, resolve
    from fmkit.methods.encoder_head import EncoderClassifier

    encoder = EncoderClassifier.from_encoder(resolve(Catalog().get("minilm-l6")), ["_"])
    for name in args.dataset:
        for seed in args.seeds:
            key = f"{name}/{seed}"
            if "balanced_accuracy" not in results["runs"].get(key, {}):  # runs before this format are redone
                print(key, "...", flush=True)
                results["runs"][key] = run(name, seed, encoder.embed)
                _results.save(RESULTS, results)
    weights = {str(w): evaluate(results["runs"], w) for w in WEIGHTS}
    best = min(weights.values(), key=lambda e: e["gain_mean_absolute_error_points"])
    results["summary"] = {
        "by_weight": {w: {k: v for k, v in e.items() if k != "rows"} for w, e in weights.items()},
        "chosen_weight": best["weight"],
        "probe": best,
        "probe_balanced_accuracy": evaluate(results["runs"], best["weight"], "balanced_accuracy"),
        "method": method_check(results["runs"], best["weight"]),
    }
    _results.save(RESULTS, results)
    plot(results)
    print(json.dumps({k: v for k, v in best.items() if k != "rows"}))
    print(json.dumps({k: v for k, v in results["summary"]["method"].items() if k != "rows"}))


def markdown(results: dict[str, Any]) -> str:
    """The docs/benchmarks.md table: per dataset, the forecasts (leave-one-dataset-out) against the measurements."""
    summary = results["summary"]
    lines = [
        "| dataset | seeds | CV acc at 8 | test acc at 8 | forecast 16 / 32 / 64 | measured 16 / 32 / 64 "
        "| level error | gain error | old rule's level error | inside the 80 % range |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = summary["probe"]["rows"]
    for name in label_efficiency.PUBLISHED:
        runs = [r for k, r in results["runs"].items() if k.split("/")[0] == name]
        mine = [r for r in rows if r["dataset"] == name]
        if not runs:
            continue

        def curve(field: str, chosen: list[dict[str, Any]] = mine) -> str:
            means = [100 * np.mean([r[field] for r in chosen if r["per_class"] == t]) for t in TARGETS]
            return " / ".join(f"{m:.1f}" for m in means)

        lines.append(
            f"| {name} | {len(runs)} | {100 * np.mean([r['cv_accuracy_8'] for r in runs]):.1f} "
            f"| {100 * np.mean([r['measured']['8'] for r in runs]):.1f} "
            f"| {curve('forecast')} | {curve('measured')} "
            f"| {100 * np.mean([abs(r['error']) for r in mine]):.1f} "
            f"| {100 * np.mean([abs(r['gain_error']) for r in mine]):.1f} "
            f"| {100 * np.mean([abs(r['old_error']) for r in mine]):.1f} "
            f"| {100 * np.mean([r['inside'] for r in mine]):.0f} % |"
        )
    probe = summary["probe"]
    lines.append(
        f"| **all** | {len(results['runs'])} | | | | | **{probe['mean_absolute_error_points']:.1f}** "
        f"| **{probe['gain_mean_absolute_error_points']:.1f}** | {probe['old_rule_mean_absolute_error_points']:.1f} "
        f"| **{100 * probe['range_80_coverage']:.0f} %** |"
    )
    return "\n".join(lines)


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = results["summary"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), dpi=110)
    rows = summary["probe"]["rows"]
    for i, name in enumerate(sorted({r["dataset"] for r in rows})):
        mine = [r for r in rows if r["dataset"] == name]
        m = [100 * r["measured"] for r in mine]
        f = [100 * r["forecast"] for r in mine]
        spread = [[100 * (r["forecast"] - r["low"]) for r in mine], [100 * (r["high"] - r["forecast"]) for r in mine]]
        axes[0].errorbar(m, f, yerr=spread, fmt="o", color=f"C{i}", alpha=0.7, label=name, elinewidth=0.8)
    for ax in axes:
        ax.set_xlabel("measured test accuracy (%)")
    axes[0].set_ylabel("forecast from 8 labels per class, 80 % range (%)")
    axes[0].set_title(
        f"probe at 16/32/64 per class: MAE {summary['probe']['mean_absolute_error_points']:.1f} points, "
        f"range holds {100 * summary['probe']['range_80_coverage']:.0f} %",
        fontsize=9,
    )
    method = summary.get("method") or {}
    if method:
        for r in method["rows"]:
            axes[1].errorbar(
                100 * r["measured"],
                100 * r["forecast"],
                yerr=[[100 * (r["forecast"] - r["low"])], [100 * (r["high"] - r["forecast"])]],
                fmt="o",
                color="C0",
                alpha=0.7,
            )
            axes[1].scatter(100 * r["measured"], 100 * r["old_forecast"], marker="x", color="C3")
        axes[1].scatter([], [], marker="x", color="C3", label="the old rule (curve only)")
        axes[1].scatter([], [], marker="o", color="C0", label="this rule")
        axes[1].set_ylabel("forecast for 64 per class (%)")
        axes[1].set_title(
            f"auto's pick at 64 per class: MAE {method['mean_absolute_error_points']:.1f} "
            f"(old rule {method['old_mean_absolute_error_points']:.1f})",
            fontsize=9,
        )
    for ax in axes:
        lo, hi = min(ax.get_xlim()[0], ax.get_ylim()[0]), max(ax.get_xlim()[1], ax.get_ylim()[1])
        ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", label="forecast = measured")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))
    plt.close(fig)


if __name__ == "__main__":
    main()

"""How many contrastive steps? Validation accuracy of ``contrastive`` against passes over the labeled data.

``contrastive`` picks its number of optimiser steps from the data size (``auto_steps``): passes over the
labeled texts or over their same-label pairs, with a floor for tiny sets and a cap. This sweep measures the
rule's input, as passes over the texts with the stopping rule off, on the **validation** splits (never the
test sets the label-efficiency tables report): for each dataset with a validation split, labels per class
and seed, the same sampled training set is tuned with several pass counts and scored on the validation set
(MCC for amazon_counterfactual_en). Results go to ``benchmarks/results/contrastive_steps.json`` (resumable)
with a plot of score against passes.

``--stop-loss`` measures the stopping rule instead (``contrastive_stop_loss``: stop at the end of the first
window of steps whose mean pair loss is below the threshold) at the default passes, on all six sets: AG News and
enron_spam have no validation split, so they are scored on held-out rows of their training pool (never the
sampled labels, never the test rows). A threshold whose rule would not fire on the full run's loss windows
reuses that run (same seed, same batches: the same model) instead of training it again, as does a threshold
that stops at the same step as one already run.

    python benchmarks/contrastive_steps.py --shots 64 --passes 4 16 32 --seeds 0 1
    python benchmarks/contrastive_steps.py --stop-loss 0.02 0.04 0.08 --seeds 0 1
    python benchmarks/contrastive_steps.py --plot-only
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Iterator
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

RESULTS = HERE / "results" / "contrastive_steps.json"
DATASETS = ("sst2", "amazon_counterfactual_en", "sst5", "emotion")  # the four with a validation split
HELD_OUT = ("ag_news", "enron_spam")  # no validation split: held-out rows of the training pool instead
MAX_VALID = 2000
COLORS = dict(zip((*DATASETS, *HELD_OUT), ("C0", "C1", "C2", "C3", "C4", "C5"), strict=True))  # same in both panels


def validation(name: str, split: Any, train: Any) -> Any:
    """The validation set capped at MAX_VALID rows, or held-out rows of ``split``'s pool (none of ``train``'s)."""
    from fmkit.data import load_labeled

    if name in HELD_OUT:
        seen = set(train.texts)
        return label_efficiency.capped(
            split.train.subset([i for i, t in enumerate(split.train.texts) if t not in seen]), MAX_VALID
        )
    valid = load_labeled(
        str(label_efficiency.SHARED / name / "validation.csv"), label_col="label_text", known_labels=split.train.classes
    )
    return label_efficiency.capped(valid, MAX_VALID)


def fit_and_score(metric: str, train: Any, valid: Any, seed: int, config: dict[str, Any]) -> dict[str, Any]:
    """Tune ``contrastive`` with ``config`` and score it on ``valid`` with ``metric``: the stored run."""
    import fmkit

    started = time.perf_counter()
    model = fmkit.adapt(train, method="contrastive", seed=seed, config=config)
    seconds = time.perf_counter() - started
    value = label_efficiency.score(metric, list(valid.labels), model.predict(list(valid.texts)))
    info = model.manifest["fit_info"]
    print(f"  {metric} {value:.1f} in {seconds:.0f} s ({info['steps']} steps)", flush=True)
    return {
        "score": value,
        "metric": metric,
        "steps": info["steps"],
        "seconds": seconds,
        "loss_windows": info["loss_windows"],
    }


def stop_step(windows: list[float], threshold: float, planned: int) -> int:
    """Where contrastive's stopping rule (``converged``) would stop, given the loss windows of a full run."""
    from fmkit.methods.contrastive import WINDOW, converged

    for i, loss in enumerate(windows):
        done = min((i + 1) * WINDOW, planned)
        if converged([loss] * WINDOW, done, threshold):  # a window with that mean
            return done
    return planned


def training_sets(
    names: list[str], shots: list[int], seeds: list[int]
) -> Iterator[tuple[str, str, int, int, Any, Any]]:
    """(dataset, metric, labels per class, seed, the sampled training set, its validation rows), every combination."""
    for name in names:
        split = label_efficiency.load_dataset(name, MAX_VALID)
        for n in shots:
            for seed in seeds:
                train = label_efficiency.sample(split, name, n, seed)
                yield name, split.metric, n, seed, train, validation(name, split, train)


def stored_run_stopping_at(runs: dict[str, Any], base: str, stop: int) -> str | None:
    """The key of a trained (not reused) run of ``base`` that took ``stop`` steps, if there is one."""
    same = [key for key, run in runs.items() if key.startswith(f"{base}/") and run["steps"] == stop]
    return next((key for key in same if "reused" not in runs[key]), None)


def sweep_stop_loss(
    results: dict[str, Any], names: list[str], shots: list[int], seeds: list[int], thresholds: list[float]
) -> None:
    """Per (dataset, shots, seed): the full run (rule off), then the run with each threshold, default passes."""
    for name, metric, n, seed, train, valid in training_sets(names, shots, seeds):
        base = f"stop/{name}/{n}/{seed}"
        if f"{base}/none" not in results["runs"]:
            print(f"{base}/none: full run on {len(train)} labels ...", flush=True)
            results["runs"][f"{base}/none"] = fit_and_score(metric, train, valid, seed, {"contrastive_stop_loss": None})
            _results.save(RESULTS, results)
        full = results["runs"][f"{base}/none"]
        for threshold in thresholds:
            key = f"{base}/{threshold:g}"
            if key in results["runs"]:
                continue
            stop = stop_step(full["loss_windows"], threshold, full["steps"])
            same = stored_run_stopping_at(results["runs"], base, stop)
            if same:  # the rule stops where a stored run stopped: the same model
                results["runs"][key] = {**results["runs"][same], "reused": same}
            else:
                print(f"{key}: ...", flush=True)
                config = {"contrastive_stop_loss": threshold}
                results["runs"][key] = fit_and_score(metric, train, valid, seed, config)
            _results.save(RESULTS, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="*", choices=[*DATASETS, *HELD_OUT], help="default: all that apply")
    parser.add_argument("--shots", nargs="*", type=int, default=[64])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1])
    parser.add_argument("--passes", nargs="*", type=int, default=[4, 16, 32])
    parser.add_argument("--stop-loss", nargs="*", type=float, help="sweep the stopping rule's thresholds instead")
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args()
    results = _results.load(RESULTS)
    if not args.plot_only:
        if not label_efficiency.SHARED.is_dir():
            raise SystemExit(f"skipped: {label_efficiency.SHARED} is absent")
        if args.stop_loss is not None:
            sweep_stop_loss(results, args.dataset or [*DATASETS, *HELD_OUT], args.shots, args.seeds, args.stop_loss)
        else:
            sweep_passes(results, args.dataset or list(DATASETS), args.shots, args.seeds, args.passes)
    plot(results)


def sweep_passes(
    results: dict[str, Any], names: list[str], shots: list[int], seeds: list[int], passes: list[int]
) -> None:
    """One run per pass count, with the stopping rule off."""
    from fmkit.methods.contrastive import ContrastiveConfig

    batch = ContrastiveConfig().contrastive_batch_size  # the sweep varies passes at contrastive's batch size
    for name, metric, n, seed, train, valid in training_sets(names, shots, seeds):
        for p in passes:
            key = f"{name}/{n}/{seed}/{p}"
            if key in results["runs"]:
                continue
            steps = max(1, math.ceil(p * len(train) / batch))
            print(f"{key}: {steps} steps on {len(train)} labels ...", flush=True)
            config = {"contrastive_steps": steps, "contrastive_stop_loss": None}
            results["runs"][key] = fit_and_score(metric, train, valid, seed, config)
            _results.save(RESULTS, results)


def table(results: dict[str, Any]) -> dict[tuple[str, int], dict[int, list[float]]]:
    """(dataset, shots) -> passes -> scores over seeds."""
    out: dict[tuple[str, int], dict[int, list[float]]] = {}
    for key, run in results["runs"].items():
        if key.startswith("stop/"):
            continue
        name, shots, _, passes = key.split("/")
        out.setdefault((name, int(shots)), {}).setdefault(int(passes), []).append(run["score"])
    return out


def stop_table(results: dict[str, Any]) -> dict[tuple[str, int], dict[str, list[tuple[float, float]]]]:
    """(dataset, shots) -> threshold -> (score change, share of the steps) against the same seed's full run."""
    runs = results["runs"]
    out: dict[tuple[str, int], dict[str, list[tuple[float, float]]]] = {}
    for key, run in runs.items():
        if key.startswith("stop/") and not key.endswith("/none"):
            _, name, shots, seed, threshold = key.split("/")
            full = runs[f"stop/{name}/{shots}/{seed}/none"]
            change = (run["score"] - full["score"], run["steps"] / full["steps"])
            out.setdefault((name, int(shots)), {}).setdefault(threshold, []).append(change)
    return out


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid, stops = table(results), stop_table(results)
    if not grid:
        return
    fig, axes = plt.subplots(1, 2 if stops else 1, figsize=(12 if stops else 6, 4), squeeze=False)
    ax = axes[0, 0]
    for (name, shots), by_passes in sorted(grid.items()):
        passes = sorted(by_passes)
        means = [float(np.mean(by_passes[p])) for p in passes]
        style = "-" if shots >= 64 else ":"  # the same dataset's colour at every label count
        ax.plot(passes, means, marker="o", ls=style, color=COLORS.get(name), label=f"{name} ({shots}/class)")
        print(f"{name} {shots}/class: " + ", ".join(f"{p} passes {m:.1f}" for p, m in zip(passes, means, strict=True)))
    ax.set_xscale("log", base=2)
    ticks = sorted({p for by_passes in grid.values() for p in by_passes})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_xlabel("passes over the labeled examples")
    ax.set_ylabel("validation score (accuracy, MCC for amazon)")
    ax.set_title("contrastive: validation score vs tuning passes")
    ax.legend(fontsize=7)
    if stops:
        plot_stops(axes[0, 1], stops)
    fig.tight_layout()
    fig.savefig(HERE / "results" / "contrastive_steps.png", dpi=120)


def plot_stops(ax: Any, stops: dict[tuple[str, int], dict[str, list[tuple[float, float]]]]) -> None:
    """Score change against the share of the steps kept (paired with each seed's full run), one point per threshold.

    Only thresholds run on every seed of a dataset are drawn (the first sweep tried 0.01 and 0.02 on one seed).
    """
    for (name, shots), by_threshold in sorted(stops.items()):
        seeds = max(len(changes) for changes in by_threshold.values())
        points = [(1.0, 0.0, "off")]  # the full run
        for threshold in sorted(by_threshold, key=float):
            changes = np.array(by_threshold[threshold])  # [seeds, (score change, share of steps)]
            delta, kept = changes.mean(0)
            print(
                f"{name} {shots}/class stop {threshold}: {kept:.0%} of the steps, {delta:+.1f} ({len(changes)} seeds)"
            )
            if len(changes) == seeds:
                points.append((float(kept), float(delta), threshold))
        xs, ys, _ = zip(*points, strict=True)
        ax.plot(xs, ys, marker="o", color=COLORS.get(name), label=f"{name} ({shots}/class, {seeds} seeds)")
        for x, y, label in points[1:]:
            ax.annotate(label, (x, y), fontsize=6, color=COLORS.get(name), xytext=(3, 3), textcoords="offset points")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("steps taken / steps of the full run (mean over seeds)")
    ax.set_ylabel("validation score change vs the full run")
    ax.set_title("contrastive: stopping on the pair loss (labels: threshold)")
    low, high = ax.get_ylim()
    ax.set_ylim(low - (high - low), high)  # room for the legend below the points
    ax.legend(fontsize=7, loc="lower left")


if __name__ == "__main__":
    main()

"""How many contrastive steps? Validation accuracy of ``contrastive`` against passes over the labeled data.

``contrastive`` picks its number of optimiser steps from the data size (``auto_steps``): a number of passes
over the labeled examples, with a floor for tiny sets and a cap. This sweep measures the rule's input on the
**validation** splits (never the test sets the label-efficiency tables report): for each dataset with a
validation split, labels per class and seed, the same sampled training set is tuned with several pass counts
and scored on the validation set (MCC for amazon_counterfactual_en). Results go to
``benchmarks/results/contrastive_steps.json`` (resumable) with a plot of score against passes.

    python benchmarks/contrastive_steps.py --shots 64 --passes 4 16 32 --seeds 0 1
    python benchmarks/contrastive_steps.py --plot-only
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
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
MAX_VALID = 2000


def validation(name: str) -> Any:
    """(the label-efficiency split: its training pool and metric, the validation set capped at MAX_VALID)."""
    from fmkit.data import load_labeled

    split = label_efficiency.load_dataset(name, MAX_VALID)
    valid = load_labeled(
        str(label_efficiency.SHARED / name / "validation.csv"), label_col="label_text", known_labels=split.train.classes
    )
    return split, label_efficiency.capped(valid, MAX_VALID)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="*", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--shots", nargs="*", type=int, default=[64])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1])
    parser.add_argument("--passes", nargs="*", type=int, default=[4, 16, 32])
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args()
    results = _results.load(RESULTS)
    if not args.plot_only:
        if not label_efficiency.SHARED.is_dir():
            raise SystemExit(f"skipped: {label_efficiency.SHARED} is absent")
        import fmkit
        from fmkit.methods.contrastive import ContrastiveConfig

        batch = ContrastiveConfig().contrastive_batch_size  # the sweep varies passes at contrastive's batch size
        for name in args.dataset:
            split, valid = validation(name)
            for shots in args.shots:
                for seed in args.seeds:
                    train = label_efficiency.sample(split, name, shots, seed)
                    for passes in args.passes:
                        key = f"{name}/{shots}/{seed}/{passes}"
                        if key in results["runs"]:
                            continue
                        steps = max(1, math.ceil(passes * len(train) / batch))
                        print(f"{key}: {steps} steps on {len(train)} labels ...", flush=True)
                        started = time.perf_counter()
                        model = fmkit.adapt(train, method="contrastive", seed=seed, config={"contrastive_steps": steps})
                        seconds = time.perf_counter() - started
                        metric = split.metric
                        value = label_efficiency.score(metric, list(valid.labels), model.predict(list(valid.texts)))
                        results["runs"][key] = {"score": value, "metric": metric, "steps": steps, "seconds": seconds}
                        print(f"  {metric} {value:.1f} in {seconds:.0f} s", flush=True)
                        _results.save(RESULTS, results)
    plot(results)


def table(results: dict[str, Any]) -> dict[tuple[str, int], dict[int, list[float]]]:
    """(dataset, shots) -> passes -> scores over seeds."""
    out: dict[tuple[str, int], dict[int, list[float]]] = {}
    for key, run in results["runs"].items():
        name, shots, _, passes = key.split("/")
        out.setdefault((name, int(shots)), {}).setdefault(int(passes), []).append(run["score"])
    return out


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = table(results)
    if not grid:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for (name, shots), by_passes in sorted(grid.items()):
        passes = sorted(by_passes)
        means = [float(np.mean(by_passes[p])) for p in passes]
        ax.plot(passes, means, marker="o", label=f"{name} ({shots}/class)")
        print(f"{name} {shots}/class: " + ", ".join(f"{p} passes {m:.1f}" for p, m in zip(passes, means, strict=True)))
    ax.set_xscale("log", base=2)
    ticks = sorted({p for by_passes in grid.values() for p in by_passes})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_xlabel("passes over the labeled examples")
    ax.set_ylabel("validation score (accuracy, MCC for amazon)")
    ax.set_title("contrastive: validation score vs tuning passes")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "results" / "contrastive_steps.png", dpi=120)


if __name__ == "__main__":
    main()

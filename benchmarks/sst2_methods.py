"""Every fmkit method on SST-2: 8 and 64 labels per class (3 seeds) and the full training set.

Reads ../shared/datasets/sst2 (train.csv for training, validation.csv for evaluation, `label_text` labels).
The anchor is published: all-MiniLM-L6 fine-tuned on full SST-2 reaches about 91.5 on validation; the
few-label runs compare the methods with each other on the same splits in the same run.

    python benchmarks/sst2_methods.py                 # everything (about 30 minutes on 2 cores)
    python benchmarks/sst2_methods.py --only few      # the few-label grid only
    python benchmarks/sst2_methods.py --only full     # finetune and lora on the full training set
    python benchmarks/sst2_methods.py --only glue     # finetune and lora on GLUE's 67k-phrase training set

Resumable: finished runs are kept in benchmarks/results/sst2_methods.json and skipped next time.
Writes that JSON and benchmarks/results/sst2_methods.png.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402

SST2 = HERE.parent.parent / "shared" / "datasets" / "sst2"
RESULTS = HERE / "results" / "sst2_methods.json"
PUBLISHED_FULL = 91.5
SHOTS = (8, 64)
SEEDS = (0, 1, 2)
FULL_METHODS = ("finetune", "lora")


def _run(method: str, train: Any, valid: Any, seed: int, config: dict[str, Any]) -> dict[str, Any]:
    import fmkit

    started = time.perf_counter()
    model = fmkit.adapt(train, method=method, seed=seed, config=config)
    train_seconds = time.perf_counter() - started
    result = fmkit.evaluate(model, valid)
    return {
        "method": method,
        "n_train": len(train),
        "seed": seed,
        "accuracy": result.accuracy,
        "macro_f1": result.macro_f1,
        "ece": result.metrics["ece"],
        "train_seconds": round(train_seconds, 2),
        "items_per_second": result.performance["items_per_second"],
        "fit_info": {k: v for k, v in model.manifest["fit_info"].items() if k != "history"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("few", "full", "glue", "all"), default="all")
    args = parser.parse_args()
    if not SST2.is_dir():
        raise SystemExit(f"skipped: {SST2} is absent")
    from fmkit.data import load_labeled, sample_per_class
    from fmkit.methods import registry

    train = load_labeled(str(SST2 / "train.csv"), label_col="label_text")
    valid = load_labeled(str(SST2 / "validation.csv"), label_col="label_text", known_labels=train.classes)
    results = _results.load(RESULTS)
    zero_shot = {
        "zero_shot_descriptions": {"negative": "a negative movie review", "positive": "a positive movie review"}
    }
    plan: list[tuple[str, Any, int, dict[str, Any]]] = []
    if args.only in ("few", "all"):
        for method in registry.names():
            for shots in SHOTS:
                for seed in SEEDS:
                    config = zero_shot if method == "zero-shot" else {}
                    plan.append((f"{method}/{shots}/{seed}", method, seed, {"shots": shots, "config": config}))
    if args.only in ("full", "all"):
        plan += [(f"{method}/full/0", method, 0, {"shots": None, "config": {}}) for method in FULL_METHODS]
    if args.only in ("glue", "all"):
        # The published MiniLM numbers train on GLUE SST-2: 67k phrases. One pass, batch 32, fits 2 cores.
        glue = {
            "finetune": {"finetune_epochs": 1, "finetune_batch_size": 32},
            "lora": {"lora_epochs": 1, "lora_batch_size": 32},
        }
        plan += [(f"{m}/glue/0", m, 0, {"shots": "glue", "config": glue[m]}) for m in FULL_METHODS]
    for key, method, seed, spec in plan:
        if key in results["runs"]:
            continue
        if spec["shots"] == "glue":
            subset = load_labeled(str(SST2 / "glue_train_phrases.csv"), label_col="label_text")
        else:
            subset = train if spec["shots"] is None else sample_per_class(train, spec["shots"], seed)
        print(f"running {key} on {len(subset)} examples ...", flush=True)
        results["runs"][key] = _run(method, subset, valid, seed, spec["config"])
        print(
            f"  accuracy {results['runs'][key]['accuracy']:.4f} in {results['runs'][key]['train_seconds']:.0f} s",
            flush=True,
        )
        _results.save(RESULTS, results)
    results["summary"] = summarise(results["runs"])
    results["published_full_data_accuracy"] = PUBLISHED_FULL
    _results.save(RESULTS, results)
    plot(results)
    print(json.dumps(results["summary"], indent=2))


def summarise(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    import numpy as np

    groups: dict[str, list[dict[str, Any]]] = {}
    for key, run in runs.items():
        method, shots, _ = key.split("/")
        groups.setdefault(f"{method}/{shots}", []).append(run)
    return {
        key: {
            "accuracy_mean": float(np.mean([r["accuracy"] for r in rs])),
            "accuracy_std": float(np.std([r["accuracy"] for r in rs])),
            "train_seconds_mean": float(np.mean([r["train_seconds"] for r in rs])),
            "n_runs": len(rs),
        }
        for key, rs in sorted(groups.items())
    }


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = results["summary"]
    methods = sorted({k.split("/")[0] for k in summary})
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    for method in methods:
        xs, ys, es = [], [], []
        for shots in SHOTS:
            row = summary.get(f"{method}/{shots}")
            if row:
                xs.append(shots)
                ys.append(100 * row["accuracy_mean"])
                es.append(100 * row["accuracy_std"])
        left.errorbar(xs, ys, yerr=es, marker="o", capsize=3, label=method)
        points = [
            (row["train_seconds_mean"], 100 * row["accuracy_mean"])
            for k, row in summary.items()
            if k.startswith(method + "/")
        ]
        right.scatter(*zip(*points, strict=True), label=method, s=40)
    left.axhline(PUBLISHED_FULL, ls="--", color="gray", label="published full-data MiniLM-L6")
    left.set_xscale("log", base=2)
    left.set_xticks(list(SHOTS), [str(s) for s in SHOTS])
    left.set_xlabel("labels per class")
    left.set_ylabel("SST-2 validation accuracy (%)")
    left.set_title("Accuracy vs labels (mean ± std over 3 seeds)")
    left.legend(fontsize=8)
    right.axhline(PUBLISHED_FULL, ls="--", color="gray")
    right.set_xscale("log")
    right.set_xlabel("training wall-clock (s, 2 CPU cores)")
    right.set_ylabel("accuracy (%)")
    right.set_title("Accuracy vs training time (incl. full data)")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))


if __name__ == "__main__":
    main()

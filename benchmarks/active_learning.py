"""Active learning: every fmkit selection strategy vs random selection, in simulated labeling loops.

For each dataset and seed: start from 8 labels per class (seeded), then ``--rounds`` rounds; each round fits
the model on the labels so far, scores the held-out test set, asks the strategy for ``--batch`` items of
the unlabeled pool and "labels" them with their gold labels. Every strategy starts from the same seed set
in the same run. The model is fmkit's linear probe (logistic regression, C by cross-validation) on the
bundled MiniLM's sentence embeddings, which are computed once per text and cached, so a round costs the
probe fit and the strategy, not the encoder.

Pools and holdouts (from ../shared/datasets, never copied here):
- ag_news: the 10,000-row train slice is the pool, a seeded sample of ``--max-test`` test rows the holdout;
- sst2: a seeded sample of ``--pool`` GLUE training phrases is the pool, the 872-row validation split the
  holdout (the phrases come from the training sentences only).

Reported: accuracy vs labels per strategy (mean and s.d. over seeds) with a plot, and how many labels each
strategy needs to reach random selection's final accuracy (linear interpolation between rounds; "> N"
when it never does).

    python benchmarks/active_learning.py                      # 2 datasets x 3 seeds x 5 rounds x 32 labels
    python benchmarks/active_learning.py --dataset sst2 --seeds 0 1 2 3 4
    python benchmarks/active_learning.py --plot-only
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("FMKIT_PROGRESS", "0")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402

RESULTS = HERE / "results" / "active_learning.json"
SHARED = HERE.parents[1] / "shared" / "datasets"
CACHE = Path(os.environ.get("FMKIT_BENCH_CACHE", Path.home() / ".cache" / "fmkit-bench"))


def main() -> None:
    from fmkit.improve.strategies import names

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="*", default=["ag_news", "sst2"], choices=["ag_news", "sst2"])
    parser.add_argument("--strategies", nargs="*", default=names(), choices=names())
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--start-per-class", type=int, default=8)
    parser.add_argument("--pool", type=int, default=10_000, help="sst2: GLUE phrases sampled as the pool")
    parser.add_argument("--max-test", type=int, default=2000, help="ag_news: test rows sampled as the holdout")
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args()

    if not SHARED.exists():
        raise SystemExit(f"{SHARED} not found: the benchmark reads the shared datasets")
    results = _results.load(RESULTS)
    if not args.plot_only:
        for dataset in args.dataset:
            data = _data(dataset, args.pool, args.max_test)
            for seed in args.seeds:
                for strategy in args.strategies:
                    key = f"{dataset}/{seed}/{strategy}/{args.rounds}x{args.batch}"
                    if key in results["runs"]:
                        continue
                    started = time.perf_counter()
                    run = _loop(data, strategy, seed, args.rounds, args.batch, args.start_per_class)
                    run["seconds"] = round(time.perf_counter() - started, 2)
                    results["runs"][key] = run
                    print(f"{key}: {run['accuracy']} ({run['seconds']} s)", flush=True)
                    _results.save(RESULTS, results)
    results["summary"] = _summarise(results["runs"])
    _results.save(RESULTS, results)
    _plot(results["summary"])
    for dataset, rows in results["summary"].items():
        for name, row in rows.items():
            print(f"{dataset:8s} {name:17s} final {row['final_mean']:.1f} +- {row['final_sd']:.1f}  "
                  f"labels to random's final: {row['labels_to_random_final']}")  # fmt: skip


def _data(name: str, pool_size: int, max_test: int) -> dict[str, Any]:
    import pandas as pd

    rng = np.random.default_rng(1234)  # the pool and holdout are fixed across seeds and strategies
    if name == "ag_news":
        pool = pd.read_csv(SHARED / "ag_news" / "train_10k.csv")
        test = pd.read_csv(SHARED / "ag_news" / "test.csv")
        test = test.iloc[np.sort(rng.choice(len(test), size=min(max_test, len(test)), replace=False))]
    else:
        pool = pd.read_csv(SHARED / "sst2" / "glue_train_phrases.csv")
        pool = pool[pool["text"].str.split().str.len() >= 3]  # single words and pairs are not traffic
        pool = pool.iloc[np.sort(rng.choice(len(pool), size=min(pool_size, len(pool)), replace=False))]
        test = pd.read_csv(SHARED / "sst2" / "validation.csv")
    pool = pool.drop_duplicates("text")
    labels = sorted(set(pool["label"]))
    return {
        "name": name,
        "pool_x": _embed(name, "pool", pool["text"].astype(str).tolist()),
        "pool_y": np.array([labels.index(v) for v in pool["label"]]),
        "test_x": _embed(name, "test", test["text"].astype(str).tolist()),
        "test_y": np.array([labels.index(v) for v in test["label"]]),
        "n_classes": len(labels),
    }


def _embed(dataset: str, part: str, texts: list[str]) -> np.ndarray:
    import hashlib

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"minilm-{dataset}-{part}-{digest}.npy"
    if path.exists():
        return np.load(path)
    import fmkit
    from fmkit.data.labeled import LabeledTexts

    seed_set = LabeledTexts(texts=("good", "bad"), labels=("a", "b"))
    encoder = fmkit.adapt(seed_set, method="zero-shot", min_per_class=1).adapted
    vectors = encoder.embed(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _loop(
    data: dict[str, Any], strategy_name: str, seed: int, rounds: int, batch: int, per_class: int
) -> dict[str, Any]:
    from fmkit.improve.strategies import Pool, get
    from fmkit.methods.linear_probe import LinearProbeConfig, fit_probe

    rng = np.random.default_rng(seed)
    y = data["pool_y"]
    labeled = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(data["n_classes"])]
    )
    strategy = get(strategy_name)
    accuracy, n_labels = [], []
    for round_ in range(rounds + 1):
        weight, bias, _, _ = fit_probe(
            data["pool_x"][labeled], y[labeled], data["n_classes"], LinearProbeConfig(), seed
        )
        test_pred = (data["test_x"] @ weight.T + bias).argmax(1)
        accuracy.append(round(100 * float((test_pred == data["test_y"]).mean()), 2))
        n_labels.append(len(labeled))
        if round_ == rounds:
            break
        unlabeled = np.setdiff1d(np.arange(len(y)), labeled)
        logits = data["pool_x"][unlabeled] @ weight.T + bias
        proba = np.exp(logits - logits.max(1, keepdims=True))
        proba /= proba.sum(1, keepdims=True)
        pool = Pool.build(proba, data["pool_x"][unlabeled], data["pool_x"][labeled])
        chosen = unlabeled[strategy.select(pool, batch, seed=seed * 1000 + round_)]
        labeled = np.concatenate([labeled, chosen])
    return {"labels": n_labels, "accuracy": accuracy}


def _summarise(runs: dict[str, Any]) -> dict[str, Any]:
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for key, run in runs.items():
        dataset, _, strategy, _ = key.split("/")
        grouped.setdefault(dataset, {}).setdefault(strategy, []).append(run)
    summary: dict[str, Any] = {}
    for dataset, by_strategy in grouped.items():
        if "random" not in by_strategy:
            continue
        n = min(len(r) for r in by_strategy.values())
        curves = {s: np.array([r["accuracy"] for r in rs[:n]]) for s, rs in by_strategy.items()}
        labels = by_strategy["random"][0]["labels"]
        target = float(curves["random"].mean(0)[-1])
        summary[dataset] = {}
        for strategy, curve in curves.items():
            mean = curve.mean(0)
            summary[dataset][strategy] = {
                "labels": labels,
                "mean": [round(float(v), 2) for v in mean],
                "sd": [round(float(v), 2) for v in curve.std(0, ddof=1)] if n > 1 else [0.0] * len(mean),
                "final_mean": round(float(mean[-1]), 2),
                "final_sd": round(float(curve[:, -1].std(ddof=1)), 2) if n > 1 else 0.0,
                "seeds": n,
                "labels_to_random_final": _labels_to_reach(labels, mean, target),
            }
    return summary


def _labels_to_reach(labels: list[int], curve: np.ndarray, target: float) -> str:
    for i, value in enumerate(curve):
        if value >= target - 1e-9:
            if i == 0:
                return str(labels[0])
            fraction = (target - curve[i - 1]) / (value - curve[i - 1])
            return str(round(labels[i - 1] + fraction * (labels[i] - labels[i - 1])))
    return f"> {labels[-1]}"


def _plot(summary: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not summary:
        return
    fig, axes = plt.subplots(1, len(summary), figsize=(5.5 * len(summary), 4), dpi=110, squeeze=False)
    for ax, (dataset, rows) in zip(axes[0], summary.items(), strict=True):
        for strategy, row in rows.items():
            style = {"color": "black", "linestyle": "--", "linewidth": 2} if strategy == "random" else {}
            ax.plot(row["labels"], row["mean"], marker="o", markersize=3, label=strategy, **style)
            low = np.array(row["mean"]) - np.array(row["sd"])
            high = np.array(row["mean"]) + np.array(row["sd"])
            ax.fill_between(row["labels"], low, high, alpha=0.08)
        ax.set_title(f"{dataset} ({next(iter(rows.values()))['seeds']} seeds)")
        ax.set_xlabel("labels")
        ax.set_ylabel("holdout accuracy, %")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))
    plt.close(fig)


if __name__ == "__main__":
    main()

"""LLM label scoring vs the encoder methods at the same label count: SST-2 validation and AG News test.

With 8 labels per class (the same seeded samples as benchmarks/label_efficiency.py), the bundled SmolLM2-135M
classifies by verbalizer log-likelihood zero-shot (``llm-zero-shot``) and with 8 in-context demonstrations
(``llm-prompt``, chosen per query by similarity), beside the bundled MiniLM encoder's ``zero-shot``,
``linear-probe`` and ``contrastive`` in the same run. ``distill`` then lets the zero-shot LLM label
``--pool`` unlabeled training texts and trains a MiniLM linear probe on its most confident half plus the human
labels: the student is compared with its teacher (``llm-zero-shot``) and with the same probe on the human labels
alone (``linear-probe``). Accuracy and items/s (batched prediction over the whole test set, model loading
excluded) are recorded; the anchors are the encoder methods.

    python benchmarks/llm_label_scoring.py                    # both datasets, seeds 0 1 2
    python benchmarks/llm_label_scoring.py --dataset sst2 --seeds 0

Resumable: each finished run is kept in benchmarks/results/llm_label_scoring.json and skipped next time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("FMKIT_PROGRESS", "0")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402
import label_efficiency  # noqa: E402

RESULTS = HERE / "results" / "llm_label_scoring.json"
LLM = "smollm2-135m-instruct"
PROMPTS: dict[str, dict[str, str]] = {  # how each dataset's texts are shown to the LLM
    "sst2": {"llm_text_template": "Review: {text}", "llm_answer_prefix": "Sentiment:"},
    "ag_news": {"llm_text_template": "Article: {text}", "llm_answer_prefix": "Topic:"},
}
METHODS = ("llm-zero-shot", "llm-prompt", "zero-shot", "linear-probe", "contrastive", "distill")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="*", default=list(PROMPTS), choices=list(PROMPTS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--shots", type=int, default=8, help="labels per class")
    parser.add_argument("--max-test", type=int, default=1000)
    parser.add_argument("--pool", type=int, default=2000, help="unlabeled texts the distill teacher labels")
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=METHODS)
    args = parser.parse_args()
    if not label_efficiency.SHARED.is_dir():
        raise SystemExit(f"skipped: {label_efficiency.SHARED} is absent")
    import numpy as np

    import fmkit
    from fmkit.data import LabeledTexts, load_labeled

    results = _results.load(RESULTS)
    for name in args.dataset:
        split = label_efficiency.load_dataset(name, args.max_test)
        test = split.test
        if name == "sst2":  # the anchor set: SST-2 validation
            test = load_labeled(str(label_efficiency.SHARED / "sst2" / "validation.csv"), label_col="label_text")
        for seed in args.seeds:
            train = label_efficiency.sample(split, name, args.shots, seed)
            for method in args.methods:
                key = f"{name}/{args.shots}/{seed}/{method}"
                if key in results["runs"]:
                    continue
                config: dict[str, Any] = dict(PROMPTS[name]) if method.startswith("llm") else {}
                if method == "llm-prompt":
                    config["llm_shots"] = max(1, 8 // len(train.classes))  # 8 demonstrations in all
                unlabeled = None
                if method == "distill":
                    config = {
                        "distill_teacher": LLM,
                        "distill_teacher_config": PROMPTS[name],
                        "distill_student": "linear-probe",
                        "distill_pool_size": args.pool,
                        "distill_keep": 0.5,
                    }
                    pool = split.train.subset(np.flatnonzero(~np.isin(split.train.hashes(), train.hashes())))
                    unlabeled = LabeledTexts(pool.texts, (), pool.source)
                print(f"{key} ...", flush=True)
                started = time.perf_counter()
                model = fmkit.adapt(train, model=LLM if method.startswith("llm") else "minilm-l6", method=method,
                                    config=config, unlabeled=unlabeled, seed=seed)  # fmt: skip
                fit_seconds = time.perf_counter() - started
                started = time.perf_counter()
                predicted = model.predict(list(test.texts))
                seconds = time.perf_counter() - started
                accuracy = 100 * sum(p == t for p, t in zip(predicted, test.labels, strict=True)) / len(test)
                results["runs"][key] = {
                    "accuracy": round(accuracy, 2),
                    "items_per_second": round(len(test) / seconds, 2),
                    "fit_seconds": round(fit_seconds, 1),
                    "n_test": len(test),
                    "n_train": len(train),
                    "config": config,
                }
                print(f"  accuracy {accuracy:.1f}, {len(test) / seconds:.1f} items/s", flush=True)
                _results.save(RESULTS, results)
    results["summary"] = summarise(results["runs"])
    _results.save(RESULTS, results)
    plot(results)
    print(markdown(results["summary"]))


def summarise(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    import numpy as np

    groups: dict[str, list[dict[str, Any]]] = {}
    for key, run in runs.items():
        name, shots, _, method = key.split("/")
        groups.setdefault(f"{name}/{shots}/{method}", []).append(run)
    return {
        key: {
            "accuracy_mean": round(float(np.mean([r["accuracy"] for r in rs])), 2),
            "accuracy_std": round(float(np.std([r["accuracy"] for r in rs])), 2),
            "items_per_second": round(float(np.median([r["items_per_second"] for r in rs])), 2),
            "n_seeds": len(rs),
        }
        for key, rs in sorted(groups.items())
    }


def markdown(summary: dict[str, dict[str, float]]) -> str:
    """The docs table: one row per dataset and method, mean +- std over the seeds run."""
    lines = ["| dataset | method | accuracy % | seeds | items/s |", "|---|---|---|---|---|"]
    for key, row in summary.items():
        name, _, method = key.split("/")
        accuracy = f"{row['accuracy_mean']:.1f} ± {row['accuracy_std']:.1f}"
        lines.append(f"| {name} | {method} | {accuracy} | {row['n_seeds']:.0f} | {row['items_per_second']:.1f} |")
    return "\n".join(lines)


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = sorted({key.split("/")[0] for key in results["summary"]})
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.5 * len(datasets), 4), dpi=110, squeeze=False)
    for ax, name in zip(axes[0], datasets, strict=True):
        for key, row in results["summary"].items():
            if key.startswith(f"{name}/"):
                method = key.split("/")[-1]
                ax.scatter(row["items_per_second"], row["accuracy_mean"], s=40)
                ax.annotate(method, (row["items_per_second"], row["accuracy_mean"]), fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("items/s (log)")
        ax.set_ylabel("accuracy, 8 labels per class")
        ax.set_title(name)
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))
    plt.close(fig)


if __name__ == "__main__":
    main()

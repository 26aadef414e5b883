"""Dialogue summarization with the bundled SmolLM2-135M-Instruct: prompted vs LoRA-tuned (llm-sft), ROUGE on SAMSum.

Trains on the first ``--train`` dialogues of ../shared/datasets/samsum/validation.jsonl (SAMSum's training
split is not in ../shared) and scores the first ``--test`` dialogues of test.jsonl. The anchor is the same
model before tuning, in the same run: ``llm-instruct`` zero-shot on the transformers engine (the very weights
llm-sft starts from, dequantized) and on llama.cpp (the Q4_1 GGUF as shipped); then ``llm-sft`` (LoRA on the
attention projections, loss on the summary only, merged). Reported: ROUGE-1/2/L/Lsum (rouge-score, stemmed,
x 100), output length against the reference length, training wall-clock, loss per epoch, items/s.
Published full-data fine-tuned BART-large reaches ROUGE-L 49.6 (../shared/datasets/samsum/README.md).
``--dataset dialogsum`` does the same on DialogSum (train on its validation split, score against the first of
the three test references, ``summary1``; the published BART-large baseline is ROUGE-L 44.9).

    python benchmarks/llm_sft.py                       # 200 training dialogues, 100 test dialogues
    python benchmarks/llm_sft.py --train 64 --test 40 --epochs 1

Resumable: each finished run is kept in benchmarks/results/llm_sft.json and skipped next time.
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

DATASETS = HERE.parent.parent / "shared" / "datasets"
RESULTS = HERE / "results" / "llm_sft.json"
TEST_TARGET = {"samsum": "summary", "dialogsum": "summary1"}  # dialogsum's test split has three references


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--test", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=512, help="prompt + summary tokens per training example")
    parser.add_argument("--dataset", default="samsum", choices=list(TEST_TARGET))
    args = parser.parse_args()
    folder = DATASETS / args.dataset
    if not folder.is_dir():
        raise SystemExit(f"skipped: {folder} is absent")

    from fmkit.generation.api import adapt_generator, evaluate_generator
    from fmkit.generation.pairs import load_pairs

    train = load_pairs(folder / "validation.jsonl", input_col="dialogue", target_col="summary")
    train = train.subset(range(args.train))
    test = load_pairs(folder / "test.jsonl", input_col="dialogue", target_col=TEST_TARGET[args.dataset])
    test = test.subset(range(args.test))
    results = _results.load(RESULTS)
    generation = {"gen_max_tokens": 64}
    runs: dict[str, tuple[str, dict[str, Any]]] = {
        "prompted/llama.cpp": ("llm-instruct", {**generation, "gen_engine": "llama.cpp"}),
        "prompted/transformers": ("llm-instruct", {**generation, "gen_engine": "transformers"}),
        f"sft/{args.train}x{args.epochs}": (
            "llm-sft",
            {**generation, "sft_epochs": args.epochs, "sft_max_length": args.max_length},
        ),
    }
    for name, (method, config) in runs.items():
        key = f"{name}/test{args.test}" if args.dataset == "samsum" else f"{args.dataset}/{name}/test{args.test}"
        if key in results["runs"]:
            continue
        print(f"{key} ...", flush=True)
        started = time.perf_counter()
        model = adapt_generator(train, task="summarize", method=method, config=config)
        train_seconds = time.perf_counter() - started
        scored = evaluate_generator(model, test)
        results["runs"][key] = {
            **{k: scored[k] for k in ("rouge1", "rouge2", "rougeL", "rougeLsum", "n", "lengths", "performance")},
            "method": method,
            "config": config,
            "n_train": len(train) if method == "llm-sft" else 0,
            "train_seconds": round(train_seconds, 1),
            "fit_info": {k: v for k, v in model.manifest["fit_info"].items() if k != "input_budget_tokens"},
            "examples": scored["examples"][:3],
        }
        print(f"  ROUGE-L {scored['rougeL']:.2f} ({train_seconds:.0f} s to adapt)", flush=True)
        _results.save(RESULTS, results)
    plot(results)


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = sorted(results["runs"])
    runs = list(results["runs"].values())
    metrics = ("rouge1", "rouge2", "rougeL")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), dpi=110)
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        values = [results["runs"][name][m] for m in metrics]
        left.bar(np.arange(len(metrics)) + i * width, values, width, label=name)
    left.set_xticks(np.arange(len(metrics)) + width * (len(names) - 1) / 2, ["ROUGE-1", "ROUGE-2", "ROUGE-L"])
    left.set_ylabel("F1 x 100, test split")
    left.legend(fontsize=7)
    for name in names:
        lengths = results["runs"][name]["lengths"]
        right.scatter(lengths["references"]["median"], lengths["outputs"]["median"], label=name)
    top = max(max(r["lengths"]["outputs"]["median"], r["lengths"]["references"]["median"]) for r in runs)
    right.plot([0, top * 1.2], [0, top * 1.2], color="gray", linestyle="--", label="output = reference")
    right.set_xlabel("reference words (median)")
    right.set_ylabel("output words (median)")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))
    plt.close(fig)


if __name__ == "__main__":
    main()

"""How good are auto's label-budget forecasts? Forecast from 8 labels per class, then measure at 16, 32, 64.

For each dataset and seed, the probe learning curve is fitted on the 3 cross-validation folds of an 8-per-class
sample exactly as ``auto`` does (``fmkit.selection.curve``), the forecasts for 16, 32 and 64 labels per class
are made from the probe's own cross-validated accuracy, and the same probe is then trained on 16, 32 and 64
labels per class and scored on the test set. The probe is the model whose error the forecast extrapolates,
so this checks the curve fit and its extrapolation; how well another method follows the probe's rate is
a separate assumption (docs/methods.md).

    python benchmarks/label_budget.py [--dataset emotion sst5] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import os
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


def run(name: str, seed: int, embed: Any) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    from fmkit.selection.crossval import stratified_folds
    from fmkit.selection.curve import plan_budget, probe_curve

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
    cv_per_class = float(np.mean([np.bincount(y[train]).min() for train, _ in folds]))
    forecast = plan_budget(curve, float(correct.mean()), cv_per_class, 8, len(labels))
    measured = {}
    for target in TARGETS:
        more = label_efficiency.sample(split, "" if name == "ag_news" else name, target, seed)
        probe = LogisticRegression(C=10.0, max_iter=1000).fit(
            embed(more.texts), [labels.index(label) for label in more.labels]
        )
        measured[target] = float((probe.predict(test_x) == test_y).mean())
    probe8 = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    return {
        "cv_accuracy_8": float(correct.mean()),
        "test_accuracy_8": float((probe8.predict(test_x) == test_y).mean()),
        "forecast": {str(p.per_class): p.expected_accuracy for p in forecast},
        "measured": {str(k): v for k, v in measured.items()},
        "curve": {"a": curve.a, "b": curve.b, "c": curve.c},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="*", default=list(label_efficiency.PUBLISHED))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    if not label_efficiency.SHARED.is_dir():
        raise SystemExit(f"skipped: {label_efficiency.SHARED} is absent")
    from fmkit.catalog import Catalog, resolve
    from fmkit.methods.encoder_head import EncoderClassifier

    encoder = EncoderClassifier.from_encoder(resolve(Catalog().get("minilm-l6")), ["_"])
    results = _results.load(RESULTS)
    for name in args.dataset:
        for seed in args.seeds:
            key = f"{name}/{seed}"
            if key not in results["runs"]:
                print(key, "...", flush=True)
                results["runs"][key] = run(name, seed, encoder.embed)
                _results.save(RESULTS, results)
    errors = [
        100 * (run_["forecast"][t] - run_["measured"][t]) for run_ in results["runs"].values() for t in run_["forecast"]
    ]
    results["summary"] = {
        "mean_forecast_minus_measured_points": float(np.mean(errors)),
        "mean_absolute_error_points": float(np.mean(np.abs(errors))),
        "n": len(errors),
    }
    _results.save(RESULTS, results)
    plot(results)
    print(results["summary"])


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=110)
    for i, name in enumerate(sorted({k.split("/")[0] for k in results["runs"]})):
        runs = [r for k, r in results["runs"].items() if k.startswith(f"{name}/")]
        f = [100 * r["forecast"][t] for r in runs for t in r["forecast"]]
        m = [100 * r["measured"][t] for r in runs for t in r["forecast"]]
        ax.scatter(m, f, label=name, color=f"C{i}")
    lo, hi = ax.get_xlim()
    ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", label="forecast = measured")
    ax.set_xlabel("measured test accuracy at 16/32/64 labels per class (%)")
    ax.set_ylabel("forecast from 8 labels per class (%)")
    ax.set_title("label-budget forecasts vs measurements (probe)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))
    plt.close(fig)


if __name__ == "__main__":
    main()

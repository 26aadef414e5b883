"""Label efficiency: every fmkit method vs TF-IDF + logistic regression vs the `setfit` package, same splits.

For each dataset and N labels per class (8, 64) over 5 seeds, the same sampled training set goes to every
candidate in the same run; accuracy (MCC x 100 for amazon_counterfactual_en, as in the SetFit paper),
training wall-clock and peak memory are recorded. The `setfit` package (benchmark-only dependency:
`pip install -c constraints.txt -e ".[bench]"`) runs its default recipe on the same bundled MiniLM.

    python benchmarks/label_efficiency.py --dataset emotion --shots 8 --seeds 0 1 2 3 4
    python benchmarks/label_efficiency.py --dataset sst5 --candidates contrastive setfit tfidf
    python benchmarks/label_efficiency.py --plot-only
    python benchmarks/label_efficiency.py --prior-gains   # auto's BENCHMARK_GAINS, from the stored runs

auto's decision leans on a prior fitted to this benchmark (fmkit.methods.auto.BENCHMARK_GAINS); so that auto
is not scored on the data its prior saw, each auto run here uses the gains of the other datasets only
(leave-one-dataset-out), recorded with the run.

``self-train+valid`` is self-train given 8 more labels per class as a validation set, which its round guard
scores every round on (from the dataset's validation split; for AG News and enron_spam, which have none,
held-out rows of the training pool, removed from the unlabeled pool). It uses more labels than the other
candidates, so it is compared only with self-train on the same seeds and stays out of auto's prior.

``contrastive+pool`` is contrastive given the unlabeled pool with ``pool_prior=true``: the same fit, then its head
shifted to the pool's class balance estimated by EM (fmkit.methods._pool_prior; off by default because of what
this candidate measured). ``contrastive+balance`` is contrastive given ``class_balance``: the label shares of the
training split (the labels' source, less the sampled ones), as a user who knows the base rate would give them; no
estimate. Both stay out of auto's prior. ``self-train+unshifted`` is self-train with ``pool_prior=false``: the same
rounds (the same seeds), without the final shift to the pool's estimated balance, so the pair says what that default
shift buys; it stays out of auto's prior too.

Test sets: emotion's and SST-5's whole test splits; a fixed seeded sample of 1,000 rows of AG News's and
SST-2's (``TEST_ROWS``); amazon_counterfactual_en's 670; enron_spam has no split, the first 1,000 rows of a
seeded shuffle are its test set and the rest its training pool. ``--max-test`` overrides the cap everywhere.

Resumable: each finished run is stored in benchmarks/results/label_efficiency.json with its ``n_test`` and
skipped later, unless it was scored on another number of test rows (another ``--max-test``): such a run is not
paired with the others on their splits, so it is run again and replaced.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("FMKIT_PROGRESS", "0")

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402

SHARED = HERE.parent.parent / "shared" / "datasets"
RESULTS = HERE / "results" / "label_efficiency.json"
FMKIT_METHODS = ("zero-shot", "linear-probe", "finetune", "lora", "contrastive", "self-train", "auto")
GUARDED = "self-train+valid"  # self-train with a validation set for its round guard (more labels: see above)
POOLED = "contrastive+pool"  # contrastive given the pool: its head shifted to the pool's class balance
BALANCED = "contrastive+balance"  # contrastive given the base rate: its head shifted to the training split's balance
UNSHIFTED = "self-train+unshifted"  # self-train with pool_prior off: what its default shift to the pool's balance buys
CANDIDATES = (*FMKIT_METHODS, POOLED, BALANCED, GUARDED, UNSHIFTED, "tfidf", "setfit")
VALID_PER_CLASS = 8  # the guard's validation labels per class
# Published numbers quoted in each dataset's README / the issue: (setfit-minilm, setfit-mpnet) at N=8 and N=64.
PUBLISHED: dict[str, dict[str, float | None]] = {
    "ag_news": {"setfit_minilm_8": 83.1, "setfit_mpnet_8": 82.9, "setfit_mpnet_64": 88.0},
    "emotion": {"setfit_minilm_8": 39.1, "setfit_mpnet_8": 48.8, "setfit_mpnet_64": 76.2},
    "sst5": {"setfit_minilm_8": 29.8, "setfit_mpnet_8": 43.6, "setfit_mpnet_64": 51.9},
    "enron_spam": {"setfit_mpnet_8": 90.1, "setfit_mpnet_64": 96.1},
    "amazon_counterfactual_en": {"setfit_mpnet_8": 40.3, "setfit_mpnet_64": 61.9},
    "sst2": {},
}


TEST_ROWS = {"ag_news": 1000, "sst2": 1000, "enron_spam": 1000}  # test rows scored; other sets: all of them


@dataclass
class Split:
    train: Any  # LabeledTexts: the pool labels are sampled from
    test: Any
    metric: str  # "accuracy" or "mcc"


def load_dataset(name: str, max_test: int | None = None) -> Split:
    """``name``'s training pool and test set, the test set capped at ``max_test`` rows (default ``TEST_ROWS``)."""
    from fmkit.data import LabeledTexts, load_labeled

    folder = SHARED / name
    if max_test is None:
        max_test = TEST_ROWS.get(name, sys.maxsize)
    if name == "enron_spam":
        import io

        import pandas as pd

        frame = pd.read_csv(io.StringIO(gzip.decompress((folder / "enron_spam_all.csv.gz").read_bytes()).decode()))
        frame = frame[frame["text"].str.strip().astype(bool)].sample(frac=1.0, random_state=0)
        data = LabeledTexts.of(frame["text"].str.slice(0, 4000).tolist(), frame["label_text"].tolist(), str(folder))
        return Split(data.subset(range(max_test, len(data))), data.subset(range(max_test)), "accuracy")
    train_file = "train_10k.csv" if name == "ag_news" else "train.csv"
    train = load_labeled(str(folder / train_file), label_col="label_text")
    test = load_labeled(str(folder / "test.csv"), label_col="label_text", known_labels=train.classes)
    return Split(train, capped(test, max_test), "mcc" if name == "amazon_counterfactual_en" else "accuracy")


def capped(data: Any, max_rows: int) -> Any:
    """``data``, or a fixed seeded sample of ``max_rows`` of its rows (in their order) when it has more."""
    if len(data) <= max_rows:
        return data
    return data.subset(np.sort(np.random.default_rng(0).choice(len(data), max_rows, replace=False)))


def sample(split: Split, name: str, shots: int, seed: int) -> Any:
    from fmkit.data import load_labeled, sample_per_class

    folders = sorted((SHARED / "ag_news" / "16-shot").glob("seed*")) if name == "ag_news" else []
    if folders and shots <= 16 and seed < len(folders):  # the published 16-shot folds, down-sampled
        fold = load_labeled(str(folders[seed] / "train.csv"), label_col="label_text")
        return sample_per_class(fold, shots, seed)
    return sample_per_class(split.train, shots, seed)


def score(metric: str, truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import accuracy_score, matthews_corrcoef

    return 100 * float(matthews_corrcoef(truth, predicted) if metric == "mcc" else accuracy_score(truth, predicted))


CHOSEN: dict[str, Any] = {}  # what auto picked in the last run


def prior_gains(runs: dict[str, dict[str, Any]], shots: int = 8, exclude: str | None = None) -> dict[str, Any]:
    """Each method's score gain over contrastive at ``shots`` labels per class: (mean, sd) over datasets x seeds."""
    gains: dict[str, list[float]] = {}
    for key, run in runs.items():
        name, n, seed, method = key.split("/")
        anchor = runs.get(f"{name}/{n}/{seed}/contrastive")
        if (
            n != str(shots)
            or name == exclude
            or anchor is None
            or method in ("contrastive", POOLED, BALANCED, "auto", GUARDED, UNSHIFTED, "tfidf", "setfit")
        ):
            continue
        gains.setdefault(method, []).append(run["score"] - anchor["score"])
    return {m: (round(float(np.mean(g)), 1), round(float(np.std(g, ddof=1)), 1)) for m, g in gains.items() if g[1:]}


def guard_valid(name: str, pool: Any, seed: int) -> tuple[Any, Any]:
    """(validation labels for self-train's round guard, the unlabeled pool without them)."""
    from fmkit.data import load_labeled, sample_per_class

    file = SHARED / name / "validation.csv"
    if file.exists():
        return sample_per_class(load_labeled(str(file), label_col="label_text"), VALID_PER_CLASS, seed), pool
    valid = sample_per_class(pool, VALID_PER_CLASS, seed + 1000)  # not the seed the training labels came from
    return valid, pool.subset(np.flatnonzero(~np.isin(pool.hashes(), valid.hashes())))


def run_fmkit(
    method: str, train: Any, unlabeled: Any, test: Any, seed: int, valid: Any = None, config: Any = None
) -> tuple[list[str], float]:
    import fmkit

    started = time.perf_counter()
    model = fmkit.adapt(train, method=method, seed=seed, unlabeled=unlabeled, valid=valid, config=config)
    seconds = time.perf_counter() - started
    if method == "auto":
        CHOSEN["auto_method"] = model.manifest["fit_info"]["auto_method"]
        CHOSEN["auto_why"] = model.manifest["fit_info"]["auto_why"]
        CHOSEN["auto_cv_accuracy"] = model.manifest["fit_info"]["auto_cv_accuracy"]  # label_budget.py checks it
        CHOSEN["label_budget"] = model.manifest["fit_info"]["label_budget"]  # forecasts, checked against N=64
    info = model.manifest["fit_info"]
    if method == "self-train":  # which round its guard kept, and the scores it judged them by
        CHOSEN.update(
            {f"self_train_{k}": info[k] for k in ("kept_round", "stopped", "valid_accuracy", "valid_log_likelihood")}
        )
    for key in ("pool_prior", "class_balance"):  # the class balance the head was shifted to
        if info.get(key):
            CHOSEN[key] = info[key]
    return model.predict(list(test.texts)), seconds


def run_tfidf(train: Any, test: Any, seed: int) -> tuple[list[str], float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        LogisticRegression(C=10.0, max_iter=2000, random_state=seed),
    )
    started = time.perf_counter()
    model.fit(list(train.texts), list(train.labels))
    seconds = time.perf_counter() - started
    return [str(p) for p in model.predict(list(test.texts))], seconds


def run_setfit(train: Any, test: Any, seed: int) -> tuple[list[str], float]:
    """The setfit package's default recipe on the same bundled MiniLM (its own docs' quick-start arguments)."""
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    from fmkit.catalog import Catalog, resolve

    started = time.perf_counter()
    model = SetFitModel.from_pretrained(str(resolve(Catalog().get("minilm-l6"))))
    data = Dataset.from_dict({"text": list(train.texts), "label": list(train.labels)})
    with tempfile.TemporaryDirectory(prefix="setfit-") as output_dir:  # its checkpoints, never in the repo
        args = TrainingArguments(output_dir=output_dir, seed=seed, report_to="none", show_progress_bar=False)
        Trainer(model=model, args=args, train_dataset=data).train()
    seconds = time.perf_counter() - started
    return [str(p) for p in model.predict(list(test.texts))], seconds


def run_candidate(
    candidate: str, train: Any, pool: Any, test: Any, seed: int, name: str = ""
) -> tuple[list[str], float]:
    """Predictions on ``test`` and the training wall-clock (model loading included, prediction excluded)."""
    if candidate == "tfidf":
        return run_tfidf(train, test, seed)
    if candidate == "setfit":
        return run_setfit(train, test, seed)
    if candidate == GUARDED:
        valid, pool = guard_valid(name, pool, seed)
        return run_fmkit("self-train", train, pool, test, seed, valid)
    if candidate == UNSHIFTED:
        return run_fmkit("self-train", train, pool, test, seed, config={"pool_prior": False})
    if candidate == POOLED:
        return run_fmkit("contrastive", train, pool, test, seed, config={"pool_prior": True})
    if candidate == BALANCED:  # the base rate a user would know: the shares of the labels' source
        return run_fmkit("contrastive", train, None, test, seed, config={"class_balance": pool.counts()})
    return run_fmkit(candidate, train, pool if candidate == "self-train" else None, test, seed)


def measure(fn: Callable[[], tuple[list[str], float]]) -> tuple[list[str], float, float]:
    """Predictions, training seconds, and the peak resident memory of the whole run (training and prediction)."""
    from fmkit.evaluation.measure import PeakMemory

    with PeakMemory(interval_s=0.05) as memory:
        predicted, seconds = fn()
    return predicted, seconds, memory.peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", nargs="*", default=list(PUBLISHED))
    parser.add_argument("--shots", nargs="*", type=int, default=[8, 64])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES), choices=CANDIDATES)
    parser.add_argument("--max-test", type=int, help="test rows scored (default: TEST_ROWS)")
    parser.add_argument("--plot-only", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="print the docs tables from the stored results")
    parser.add_argument("--prior-gains", action="store_true", help="print auto's benchmark prior from the results")
    args = parser.parse_args()
    if args.prior_gains:
        from fmkit.methods.auto import BENCHMARK_GAINS

        runs = _results.load(RESULTS)["runs"]
        for shots in BENCHMARK_GAINS:  # the label counts auto keeps a table for
            print(f"    {shots}: {{")
            for method, (mean, sd) in sorted(prior_gains(runs, shots).items()):
                print(f'        "{method}": ({mean}, {sd}),')
            print("    },")
        return
    if args.markdown:
        print(markdown(_results.load(RESULTS)))
        return
    if not SHARED.is_dir():
        raise SystemExit(f"skipped: {SHARED} is absent")
    results = _results.load(RESULTS)
    if not args.plot_only:
        for name in args.dataset:
            split = load_dataset(name, args.max_test)
            for shots in args.shots:
                for seed in args.seeds:
                    train = sample(split, name, shots, seed)
                    pool = split.train.subset(np.flatnonzero(~np.isin(split.train.hashes(), train.hashes())))
                    for candidate in args.candidates:
                        key = f"{name}/{shots}/{seed}/{candidate}"
                        if done(results["runs"].get(key), len(split.test)):
                            continue
                        fn = functools.partial(run_candidate, candidate, train, pool, split.test, seed, name)
                        CHOSEN.clear()
                        if candidate == "auto":  # leave-one-dataset-out prior (see the module docstring)
                            from fmkit.methods import auto

                            counts = auto.BENCHMARK_GAINS  # the label counts auto keeps a table for
                            auto.BENCHMARK_GAINS = {n: prior_gains(results["runs"], n, name) for n in counts}
                            CHOSEN["prior_gains"] = auto.benchmark_gains(shots)
                        print(f"{key} ({len(train)} labels) ...", flush=True)
                        predicted, seconds, peak = measure(fn)
                        value = score(split.metric, list(split.test.labels), predicted)
                        results["runs"][key] = {
                            "score": value,
                            "metric": split.metric,
                            "seconds": round(seconds, 2),
                            "peak_memory_mb": round(peak),
                            "n_train": len(train),
                            "n_test": len(split.test),
                            **CHOSEN,
                        }
                        print(f"  {split.metric} {value:.1f} in {seconds:.0f} s", flush=True)
                        _results.save(RESULTS, results)
    results["summary"] = summarise(results["runs"])
    results["published"] = PUBLISHED
    _results.save(RESULTS, results)
    plot(results)


def done(run: dict[str, Any] | None, n_test: int) -> bool:
    """Whether a stored run stands: it exists and was scored on the same test rows (runs stored before ``n_test``
    was recorded were all scored on their whole test split: emotion's and SST-5's)."""
    return run is not None and run.get("n_test", n_test) == n_test


def summarise(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, run in runs.items():
        name, shots, _, candidate = key.split("/")
        groups.setdefault(f"{name}/{shots}/{candidate}", []).append(run)
    return {
        key: {
            "score_mean": float(np.mean([r["score"] for r in rs])),
            "score_std": float(np.std([r["score"] for r in rs])),
            "seconds_mean": float(np.mean([r["seconds"] for r in rs])),
            "peak_memory_mb_mean": float(np.mean([r["peak_memory_mb"] for r in rs])),
            "n_seeds": len(rs),
        }
        for key, rs in sorted(groups.items())
    }


LABELS = {"tfidf": "tfidf + LR", "setfit": "setfit package"}
SINGLE = ("zero-shot", "linear-probe", "finetune", "lora", "contrastive")  # auto is compared with these


# run on fewer seeds: compared on their own seeds, with the same splits
EXTRA = ("auto", "self-train", POOLED, BALANCED, GUARDED, UNSHIFTED)
OWN_SEEDS = (*EXTRA, "setfit")  # shown on the seeds they ran (setfit at 64 on SST-5: 66 min a run here)
PAIRED = (
    ("contrastive", "setfit"),
    ("self-train", "contrastive"),
    (POOLED, "contrastive"),
    (BALANCED, "contrastive"),
    (GUARDED, "self-train"),
    ("self-train", UNSHIFTED),
)  # (fmkit's, its anchor), on the seeds both ran


def _mean(runs: dict[str, dict[str, Any]], prefix: str, candidate: str, seeds: set[str], field: str) -> float:
    # in seed order: a set's order changes between processes, and with it the last bit of the sum and its rounding
    return float(np.mean([runs[f"{prefix}/{seed}/{candidate}"][field] for seed in sorted(seeds)]))


def markdown(results: dict[str, Any]) -> str:
    """The docs/benchmarks.md tables: every candidate per dataset and N; auto vs the best single method; contrastive
    vs the setfit package and self-train vs its labeled-only start, each on the seeds both ran.

    The main table uses, per dataset and N, the seeds every main candidate ran, so its rows share their splits;
    auto, self-train and the setfit package (fewer seeds) are shown on their own seeds and compared with the
    other methods on the seeds both ran (the paired tables).
    """
    all_runs = results["runs"]
    lines = [
        "| dataset | N/class | candidate | score | seeds | training s | vs setfit time | peak MB | published |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    gaps: list[tuple[Any, ...]] = []
    paired: dict[tuple[str, str], list[tuple[Any, ...]]] = {pair: [] for pair in PAIRED}
    for name, quoted in PUBLISHED.items():
        for shots in (8, 64):
            prefix = f"{name}/{shots}"
            mine = {k: v for k, v in all_runs.items() if k.startswith(f"{prefix}/")}
            if not mine:
                continue
            seeds_of = {c: {k.split("/")[2] for k in mine if k.endswith(f"/{c}")} for c in CANDIDATES}
            main = [c for c in CANDIDATES if seeds_of[c] and c not in OWN_SEEDS]
            common = set.intersection(*(seeds_of[c] for c in main)) if main else set()
            runs = {k: v for k, v in mine.items() if k.split("/")[2] in common or k.split("/")[3] in OWN_SEEDS}
            rows = {k.split("/")[2]: v for k, v in summarise(runs).items()}
            setfit_s = rows.get("setfit", {}).get("seconds_mean")
            published = ", ".join(f"{k} {v}" for k, v in quoted.items() if k.endswith(f"_{shots}"))
            for candidate in CANDIDATES:
                if candidate not in rows:
                    continue
                v = rows[candidate]
                ratio = f"{v['seconds_mean'] / setfit_s:.2f}x" if setfit_s and candidate != "setfit" else ""
                lines.append(
                    f"| {name} | {shots} | {LABELS.get(candidate, candidate)} | {v['score_mean']:.1f} ± "
                    f"{v['score_std']:.1f} | {v['n_seeds']} | {v['seconds_mean']:.1f} | {ratio} | "
                    f"{v['peak_memory_mb_mean']:,.0f} | {published if candidate == 'setfit' else ''} |"
                )
            auto_seeds = seeds_of["auto"] & set.intersection(*(seeds_of[c] for c in SINGLE if seeds_of[c]))
            if auto_seeds:
                singles = {c: _mean(mine, prefix, c, auto_seeds, "score") for c in SINGLE if seeds_of[c]}
                best = max(singles, key=lambda c: singles[c])
                auto = _mean(mine, prefix, "auto", auto_seeds, "score")
                chosen = [mine[f"{prefix}/{seed}/auto"].get("auto_method", "?") for seed in sorted(auto_seeds)]
                gaps.append((name, shots, len(auto_seeds), best, singles[best], auto, chosen))
            for ours, anchor in PAIRED:
                both = seeds_of[ours] & seeds_of[anchor]
                if both:
                    means = [_mean(mine, prefix, c, both, f) for c in (ours, anchor) for f in ("score", "seconds")]
                    paired[ours, anchor].append((name, shots, len(both), *means))
    if gaps:
        lines += [
            "",
            "| dataset | N/class | seeds | best single method | its score | auto | auto − best | auto picked |",
        ]
        lines.append("|---|---|---|---|---|---|---|---|")
        for name, shots, n, best, best_score, auto_score, chosen in gaps:
            picks = ", ".join(f"{c} ×{chosen.count(c)}" for c in sorted(set(chosen)))
            gap = auto_score - best_score
            lines.append(
                f"| {name} | {shots} | {n} | {best} | {best_score:.1f} | {auto_score:.1f} | {gap:+.1f} | {picks} |"
            )
        for shots in sorted({g[1] for g in gaps}):  # the target is per label count: one mean each
            mean_gap = float(np.mean([g[5] - g[4] for g in gaps if g[1] == shots]))
            lines.append(f"| **mean** | {shots} | | | | | **{mean_gap:+.1f}** | |")
    for (ours, anchor), rows in paired.items():
        if not rows:
            continue
        head = f"| dataset | N/class | seeds | {ours} | {anchor} | {ours} − {anchor} | {ours} time / {anchor}'s |"
        lines += ["", head]
        lines.append("|---|---|---|---|---|---|---|")
        for name, shots, n, score_a, seconds_a, score_b, seconds_b in rows:
            lines.append(
                f"| {name} | {shots} | {n} | {score_a:.1f} | {score_b:.1f} | {score_a - score_b:+.1f} | "
                f"{seconds_a / seconds_b:.2f}x |"
            )
    return "\n".join(lines)


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = results["summary"]
    for name in sorted({k.split("/")[0] for k in summary}):
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
        for candidate in CANDIDATES:
            rows = sorted(
                (int(k.split("/")[1]), v)
                for k, v in summary.items()
                if k.startswith(f"{name}/") and k.endswith(f"/{candidate}")
            )
            if not rows:
                continue
            shots = [s for s, _ in rows]
            left.errorbar(
                shots,
                [v["score_mean"] for _, v in rows],
                yerr=[v["score_std"] for _, v in rows],
                marker="o",
                capsize=3,
                label=candidate,
            )
            right.scatter([v["seconds_mean"] for _, v in rows], [v["score_mean"] for _, v in rows], label=candidate)
        metric = "MCC x 100" if name == "amazon_counterfactual_en" else "accuracy (%)"
        left.set_xscale("log", base=2)
        left.set_xlabel("labels per class")
        left.set_ylabel(metric)
        left.set_title(f"{name}: {metric} vs labels")
        left.legend(fontsize=7)
        right.set_xscale("log")
        right.set_xlabel("training wall-clock (s, 2 cores)")
        right.set_title(f"{name}: {metric} vs seconds")
        fig.tight_layout()
        fig.savefig(RESULTS.parent / f"label_efficiency_{name}.png")
        plt.close(fig)


if __name__ == "__main__":
    main()

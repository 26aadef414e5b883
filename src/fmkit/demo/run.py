"""The README's main job: adapt the bundled encoder to a few labels of the demo tickets, evaluate, report;
then serve the best model and take it once around the improvement loop (``fmkit.demo.loop``)."""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path
from typing import Any

from fmkit.data import load_labeled, sample_per_class
from fmkit.demo.tickets import write_tickets

DESCRIPTIONS = {
    "billing": "a question about a payment, a charge, an invoice or a refund",
    "delivery": "a question about shipping, a parcel or a late delivery",
    "account": "a question about logging in, a password or a user profile",
    "technical": "a bug report: the app or the website is not working",
}
METHOD_CONFIGS: dict[str, dict[str, Any]] = {
    "zero-shot": {"zero_shot_descriptions": DESCRIPTIONS},
    "linear-probe": {},
    "finetune": {},
    "lora": {"lora_rank": 8},
    "contrastive": {},
}


def run_demo(
    out: Path,
    *,
    n_per_class: int = 8,
    seed: int = 0,
    methods: tuple[str, ...] = tuple(METHOD_CONFIGS),
    overwrite: bool = False,
    loop: bool = True,
) -> dict[str, Any]:
    """Run every stage, writing under ``out``; returns a JSON-ready record of each stage. With ``loop``, the
    best model then goes through the improvement loop (serve, traffic, select, label, retrain, gate, promote)."""
    from fmkit.api import adapt
    from fmkit.errors import ConfigError
    from fmkit.evaluation import evaluate

    if out.exists():
        if not overwrite:
            raise ConfigError(f"demo output {out} already exists; pass --overwrite or another --out")
        shutil.rmtree(out)
    stages: list[dict[str, Any]] = []
    started = time.perf_counter()
    paths = write_tickets(out / "data")
    pool = load_labeled(str(paths["train"]))
    few = sample_per_class(pool, n_per_class, seed)
    few_path = out / "data" / f"labeled_{n_per_class}_per_class.csv"
    with few_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(few.texts, few.labels, strict=True))
    stages.append(
        {
            "stage": "data",
            "train_pool": len(pool),
            "labeled": len(few),
            "test": str(paths["test"]),
            "labels": list(few.classes),
        }
    )
    results = []
    for method in methods:
        model = adapt(
            few_path, method=method, out=out / "models" / method, config=METHOD_CONFIGS.get(method, {}), seed=seed
        )
        scored = evaluate(model, paths["test"])
        results.append((scored.macro_f1, method, model))
        stages.append(
            {
                "stage": "adapt+eval",
                "method": method,
                "artifact": str(model.path),
                "train_seconds": model.manifest["metrics"]["train_seconds"],
                "accuracy": scored.accuracy,
                "macro_f1": scored.macro_f1,
                "ece": scored.metrics["ece"],
                "items_per_second": scored.performance["items_per_second"],
            }
        )
    best_f1, best_method, best_model = max(results, key=lambda r: r[0])
    report = out / "report.html"
    evaluate(best_model, paths["test"], report=report, json_path=out / "report.json")
    example = "my card was charged twice"
    stages.append(
        {
            "stage": "report",
            "best_method": best_method,
            "macro_f1": best_f1,
            "report": str(report),
            "example": {"text": example, "label": best_model.predict([example])[0]},
        }
    )
    if loop:
        import random

        from fmkit.data.labeled import LabeledTexts
        from fmkit.demo.loop import run_loop_demo

        labeled = set(few.texts)
        unseen = [(t, y) for t, y in zip(pool.texts, pool.labels, strict=True) if t not in labeled]
        random.Random(seed).shuffle(unseen)
        traffic = LabeledTexts.of([t for t, _ in unseen], [y for _, y in unseen], source="simulated traffic")
        assert best_model.path is not None
        stages += run_loop_demo(best_model.path, traffic, load_labeled(str(paths["test"])), out)
    return {"out": str(out), "seconds": round(time.perf_counter() - started, 1), "stages": stages}

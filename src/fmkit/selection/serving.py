"""What a candidate costs to serve: per-item latency, throughput and peak memory, in a fresh process.

Memory is a property of the serving process (interpreter, libraries, weights, activations), so each
measurement runs in its own Python process that loads only what that candidate needs and reports its peak
resident set. Every encoder method serves the same thing (the encoder and a linear head, merged for LoRA),
so encoder candidates are measured once per model; the TF-IDF baseline is measured on its own. A decoder
LLM's cost depends on its method (in-context demonstrations lengthen every prompt), so each LLM candidate is
fitted on the sample in the child (kind "fitted") and measured as it would serve.

    python -m fmkit.selection.serving < spec.json    # the child; prints one JSON line
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fmkit.errors import FmkitError

WARMUP = 3
SINGLE = 40  # items predicted one at a time for the latency percentiles
BATCHED = 256  # items predicted in batches of 64 for throughput


@dataclass(frozen=True)
class ServingCost:
    latency_ms_p50: float  #: one item per call
    latency_ms_p95: float
    items_per_s: float  #: batches of 64
    peak_memory_mb: float  #: peak resident memory of the serving process

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in self.__dict__.items()}


def measure_serving(spec: dict[str, Any], timeout_s: float = 900) -> ServingCost:
    """Run the child on ``spec`` and return what it measured. ``spec`` holds "texts" to predict and a "kind":
    "encoder" with "model_dir" and "labels"; "tfidf" with "train_texts" and "train_labels"; or "fitted" with
    "model" (catalog id), "method", "seed", "train_texts" and "train_labels"."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fmkit.selection.serving"],
            input=json.dumps(spec),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        what = f"measuring {spec['kind']} serving took over {timeout_s:.0f} s"
        raise FmkitError(f"{what}; pass a smaller --sample") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FmkitError(f"measuring {spec['kind']} serving failed: {last}")
    return ServingCost(**json.loads(done.stdout.strip().splitlines()[-1]))


def _load(spec: dict[str, Any]) -> Any:
    if spec["kind"] == "tfidf":
        from fmkit.data.labeled import LabeledTexts
        from fmkit.selection.tfidf import TfidfClassifier

        return TfidfClassifier.fit(LabeledTexts.of(spec["train_texts"], spec["train_labels"]))
    if spec["kind"] == "fitted":
        import fmkit
        from fmkit.data.labeled import LabeledTexts

        train = LabeledTexts.of(spec["train_texts"], spec["train_labels"])
        return fmkit.adapt(train, model=spec["model"], method=spec["method"], seed=spec["seed"])
    from fmkit.methods.encoder_head import EncoderClassifier

    return EncoderClassifier.from_encoder(Path(spec["model_dir"]), spec["labels"])


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its
    parent's peak (it is carried across fork and exec), which would charge every candidate for the parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child() -> None:
    spec = json.loads(sys.stdin.read())
    model = _load(spec)
    texts: list[str] = spec["texts"]
    for text in texts[:WARMUP]:
        model.predict_proba([text])
    timings = []
    for text in (texts * (1 + SINGLE // max(1, len(texts))))[:SINGLE]:
        started = time.perf_counter()
        model.predict_proba([text])
        timings.append(1000 * (time.perf_counter() - started))
    batch = (texts * (1 + BATCHED // max(1, len(texts))))[:BATCHED]
    started = time.perf_counter()
    model.predict_proba(batch, batch_size=64)
    seconds = time.perf_counter() - started
    cost = ServingCost(
        latency_ms_p50=float(np.percentile(timings, 50)),
        latency_ms_p95=float(np.percentile(timings, 95)),
        items_per_s=len(batch) / seconds,
        peak_memory_mb=peak_rss_mb(),
    )
    print(json.dumps(cost.to_dict()))


if __name__ == "__main__":
    import os

    os.environ.setdefault("FMKIT_PROGRESS", "0")
    _child()

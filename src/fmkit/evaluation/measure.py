"""Measure a model's prediction cost: latency per item (batched and one at a time) and peak memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import psutil
from numpy.typing import NDArray


class PeakMemory:
    """Samples this process's resident memory in a background thread; ``peak_mb`` is the highest seen."""

    def __init__(self, interval_s: float = 0.01) -> None:
        self.interval_s = interval_s
        self._process = psutil.Process()
        self._stop = threading.Event()
        self.baseline_mb = self.peak_mb = self._rss()

    def _rss(self) -> float:
        return float(self._process.memory_info().rss) / 2**20

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_mb = max(self.peak_mb, self._rss())

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self._rss())


def measure_predictions(
    predict_proba: Callable[[Sequence[str]], NDArray[np.float32]], texts: Sequence[str], n_single: int = 32
) -> tuple[NDArray[np.float32], dict[str, Any]]:
    """Probabilities for ``texts`` and the cost of computing them."""
    with PeakMemory() as memory:
        start = time.perf_counter()
        proba = predict_proba(texts)
        batched_s = time.perf_counter() - start
    singles = []
    for text in texts[:n_single]:
        start = time.perf_counter()
        predict_proba([text])
        singles.append((time.perf_counter() - start) * 1000)
    perf = {
        "items_per_second": len(texts) / batched_s if batched_s else float("inf"),
        "latency_ms_per_item_batched": 1000 * batched_s / max(len(texts), 1),
        "latency_ms_single_p50": float(np.percentile(singles, 50)) if singles else None,
        "latency_ms_single_p95": float(np.percentile(singles, 95)) if singles else None,
        "peak_memory_mb": round(memory.peak_mb, 1),
        "peak_memory_increase_mb": round(memory.peak_mb - memory.baseline_mb, 1),
    }
    return proba, perf

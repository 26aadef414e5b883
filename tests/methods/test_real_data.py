"""Quality floors on real benchmark data (../shared/datasets; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

import fmkit
from fmkit.data import load_labeled, sample_per_class


@pytest.mark.needs_shared
def test_linear_probe_on_sst2_with_64_labels_per_class(shared_datasets: Path) -> None:
    sst2 = shared_datasets / "sst2"
    train = sample_per_class(load_labeled(str(sst2 / "train.csv"), label_col="label_text"), 64, seed=0)
    model = fmkit.adapt(train, method="linear-probe", seed=0)
    result = fmkit.evaluate(model, sst2 / "validation.csv", label_col="label_text")
    # measured 73.2 +- 1.2 over 3 seeds (docs/benchmarks.md); chance is 50
    assert result.accuracy >= 0.70
    assert result.metrics["n"] == 872

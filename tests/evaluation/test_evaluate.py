"""fmkit.evaluate end to end: metrics, cost, the HTML report with its plots, warnings."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

import fmkit
from fmkit.data import DataWarning, LabeledTexts
from fmkit.errors import DataError


@pytest.fixture(scope="module")
def model(few_tickets: LabeledTexts, tmp_path_factory: pytest.TempPathFactory) -> fmkit.AdaptedModel:
    return fmkit.adapt(few_tickets, method="linear-probe", out=tmp_path_factory.mktemp("m") / "probe")


def test_report_and_json(model: fmkit.AdaptedModel, tickets: dict[str, Path], tmp_path: Path) -> None:
    result = fmkit.evaluate(model, tickets["test"], report=tmp_path / "r.html", json_path=tmp_path / "r.json")
    assert result.accuracy > 0.6
    perf = result.performance
    assert perf["items_per_second"] > 0 and perf["latency_ms_single_p50"] > 0 and perf["peak_memory_mb"] > 100
    html = (tmp_path / "r.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 4
    assert all(base64.b64decode(img).startswith(b"\x89PNG") for img in images)
    assert f"{100 * result.accuracy:.1f}%" in html
    assert "<script" not in html  # self-contained, static
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["accuracy"] == result.accuracy and "macro_f1" in saved and "per_class" in saved["metrics"]


def test_leakage_between_training_and_evaluation_warns(model: fmkit.AdaptedModel, tickets: dict[str, Path]) -> None:
    with pytest.warns(DataWarning, match="32 of 32 evaluation texts also occur in the training data"):
        result = fmkit.evaluate(model, tickets["few"])
    assert result.warnings


def test_unknown_labels_are_an_error(model: fmkit.AdaptedModel, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("text,label\nmy parcel is late,delivery\nwhere is my refund,refunds\n")
    with pytest.raises(DataError, match=r"label unknown to the model .* at line 3"):
        fmkit.evaluate(model, path)

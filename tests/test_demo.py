"""The README's main job, end to end on the embedded default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.cli.main import main


@pytest.mark.slow
def test_demo_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "demo"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    evaluated = [s for s in record["stages"] if s["stage"] == "adapt+eval"]
    assert [s["method"] for s in evaluated] == ["zero-shot", "linear-probe", "finetune", "lora", "contrastive"]
    assert all(s["accuracy"] > 0.7 for s in evaluated)
    report = record["stages"][-1]
    assert Path(report["report"]).stat().st_size > 10_000
    assert report["example"]["label"] == "billing"
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 2  # exists, no --overwrite

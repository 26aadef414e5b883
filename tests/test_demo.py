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
    stages = {s["stage"]: s for s in record["stages"]}
    report = stages["report"]
    assert Path(report["report"]).stat().st_size > 10_000
    assert report["example"]["label"] == "billing"
    # the improvement loop: served, traffic logged, queued, labeled, retrained, gated, promoted (or not)
    assert stages["serve"]["model_version"] == "tickets:1" and stages["traffic"]["predictions"] == 240
    assert stages["select"]["queued"] == 60 and stages["select"]["loop"] == "waiting"
    assert stages["label"]["labeled"] == 60
    gated, promoted = stages["retrain+gate"], stages["promote"]
    assert gated["challenger"] == "tickets:2" and gated["trained_on"] > 32
    assert promoted["promoted"] == gated["promote"]
    assert promoted["champion"] == ("tickets:2" if gated["promote"] else "tickets:1")
    assert promoted["server_swapped"] == gated["promote"]
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 2  # exists, no --overwrite

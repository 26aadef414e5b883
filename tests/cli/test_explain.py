"""After ``fmkit adapt``: self-train says which round it kept, whether anything judged the rounds, and the shift."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.cli._explain import self_train_lines, shift_lines
from fmkit.cli.main import main


def adapt_self_train(tickets: dict[str, Path], out: Path, *extra: str) -> None:
    args = ["adapt", "--data", str(tickets["few"]), "--unlabeled", str(tickets["train"]), "--out", str(out)]
    options = ["--method", "self-train", "--set", "self_train_base=linear-probe", "--set", "self_train_rounds=1"]
    assert main([*args, *options, *extra]) == 0


def test_self_train_says_whether_its_rounds_were_judged(
    tickets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapt_self_train(tickets, tmp_path / "unjudged")
    unjudged = capsys.readouterr().out
    assert "self-train: 1 pseudo-labeling round(s)" in unjudged and "kept the model of round 1" in unjudged
    assert "not judged (no --valid)" in unjudged and "head shifted to the pool's estimated balance" in unjudged
    adapt_self_train(tickets, tmp_path / "judged", "--valid", str(tickets["test"]))
    judged = capsys.readouterr().out
    assert "rounds judged on the validation labels (accuracy % by round: " in judged
    assert "not judged" not in judged


def test_the_lines_follow_fit_info() -> None:
    info = {"rounds": [], "kept_round": 0, "stopped": "no pseudo-labels", "guard": "no validation set"}
    assert self_train_lines(info) == [
        "self-train: no pseudo-labeling round; kept the model of round 0 (0 = labeled only); "
        "stopped: no pool text was confident enough"
    ]  # nothing was pseudo-labeled, so there were no rounds to judge
    assert shift_lines({"class_balance": {"spam": 0.2, "ham": 0.8}, "pool_prior": None}) == [
        "head shifted to the given class balance: spam 20%, ham 80%"
    ]
    assert shift_lines({"pool_prior": None}) == []

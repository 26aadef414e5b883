"""``fmkit choose`` end to end: real cross-validation, real serving measurements in child processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fmkit.cli.main import main


@pytest.fixture(scope="module")
def ranked(tickets: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    plot = tmp_path_factory.mktemp("choose") / "pareto.png"
    args = ["choose", "--data", str(tickets["few"]), "--methods", "zero-shot,linear-probe,tfidf"]
    args += ["--budget-memory-mb", "400", "--plot", str(plot), "--json"]
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(args)
    assert code == 0
    return json.loads(buffer.getvalue()), plot


def test_json_ranks_every_candidate_with_quality_latency_and_memory(ranked: tuple[dict[str, Any], Path]) -> None:
    result, plot = ranked
    candidates = result["candidates"]
    assert {(c["model"], c["method"]) for c in candidates} == {
        ("minilm-l6", "zero-shot"),
        ("minilm-l6", "linear-probe"),
        ("-", "tfidf"),
    }
    for c in candidates:
        assert 0 <= c["accuracy"] <= 1 and c["latency_ms_p50"] > 0 and c["peak_memory_mb"] > 0
    inside = [c for c in candidates if c["within_budget"]]
    assert [c["rank"] for c in inside] == list(range(1, len(inside) + 1))
    assert [c["accuracy"] for c in inside] == sorted((c["accuracy"] for c in inside), reverse=True)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_memory_budget_is_measured_per_serving_process(ranked: tuple[dict[str, Any], Path]) -> None:
    result, _ = ranked
    by_method = {c["method"]: c for c in result["candidates"]}
    # the encoder process (torch + MiniLM) is well over 400 MB; the TF-IDF process (sklearn) is under it
    assert by_method["tfidf"]["peak_memory_mb"] < 400 < by_method["linear-probe"]["peak_memory_mb"]
    assert not by_method["linear-probe"]["within_budget"]
    assert "memory" in by_method["linear-probe"]["over_budget"][0]
    assert result["pick"]["method"] == "tfidf"
    assert "over budget" in result["why"]


def test_models_without_a_method_are_listed_as_skipped(ranked: tuple[dict[str, Any], Path]) -> None:
    result, _ = ranked
    reasons = {s["model"]: s["reason"] for s in result["skipped"]}
    assert "no registered method adapts decoder models" in reasons["smollm2-135m-instruct"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--budget-latency-ms", "-1"], "--budget-latency-ms must be > 0"),
        (["--methods", "linear-probe,nope"], "nope is not a candidate"),
        (["--task", "generate"], "not supported yet"),
        (["--plot", "pareto.svg"], "--plot must end in .png"),
        (["--methods", "self-train"], "pass --unlabeled"),
    ],
)
def test_bad_options_are_one_line_errors(
    extra: list[str], message: str, tickets: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["choose", "--data", str(tickets["few"]), *extra])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert message in err


def test_the_llm_methods_are_candidates_beside_the_encoder(
    tickets: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["choose", "--data", str(tickets["few"]), "--models", "smollm2-135m-instruct,minilm-l6"]
    args += ["--plot", str(tmp_path / "choose.png")]
    code = main([*args, "--methods", "llm-zero-shot,linear-probe", "--folds", "2", "--json"])
    assert code == 0
    rows = {(c["model"], c["method"]): c for c in json.loads(capsys.readouterr().out)["candidates"]}
    llm = rows[("smollm2-135m-instruct", "llm-zero-shot")]
    assert ("minilm-l6", "linear-probe") in rows
    assert 0 <= llm["accuracy"] <= 1 and llm["latency_ms_p50"] > 0 and llm["peak_memory_mb"] > 0

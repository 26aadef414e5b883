"""``fmkit monitor`` on logs written by a real model into SQLite and a real PostgreSQL: latency, errors,
accuracy from feedback, confidence and input drift, alerts and the exit code, the HTML report."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import fmkit
from fmkit.cli.main import main
from fmkit.data import load_labeled
from fmkit.monitoring.monitor import Thresholds, monitor, parse_since
from fmkit.workspace import Workspace
from fmkit.workspace.logs import write_records

FOODS = ["bread", "lasagna", "salmon", "carrot cake", "chicken thighs", "focaccia", "apple pie", "meatballs"]
STEPS = ["Preheat the oven to {t} degrees and bake the {f} for {m} minutes.",
         "Whisk the eggs, fold them into the flour and let the {f} rest for {m} minutes.",
         "Season the {f} with thyme, garlic and olive oil, then roast it at {t} degrees."]  # fmt: skip


def _recipes(n: int) -> list[str]:
    return [STEPS[i % 3].format(t=160 + 10 * (i % 7), f=FOODS[i % 8], m=10 + 5 * (i % 9)) for i in range(n)]


def _log(ws: Workspace, number: int, texts: list[str], start: datetime, truth: list[str] | None = None) -> list[float]:
    """Serve ``texts`` with version ``number`` of tickets, log them as the server does; return the latencies."""
    info = ws.version("tickets", number=number)
    model = fmkit.load(ws.artifact("tickets", number=number))
    proba = model.predict_proba(texts)
    latencies = [5.0 + (i % 20) * 2.5 for i in range(len(texts))]
    records: list[dict[str, Any]] = []
    for i, (text, row) in enumerate(zip(texts, proba, strict=True)):
        pid, moment = str(uuid.uuid4()), (start + timedelta(seconds=30 * i)).isoformat()
        records.append({"kind": "prediction", "id": pid, "version_id": info.id, "request_id": f"r{number}-{i}",
                        "input": text, "output": model.labels[int(np.argmax(row))],
                        "probabilities": {lab: float(p) for lab, p in zip(model.labels, row, strict=True)},
                        "latency_ms": latencies[i], "created_at": moment})  # fmt: skip
        if truth is not None:
            records.append({"kind": "feedback", "id": str(uuid.uuid4()), "prediction_id": pid, "label": truth[i],
                            "source": "test", "created_at": moment})  # fmt: skip
    write_records(ws.engine, records)
    return latencies


@pytest.fixture
def logged(
    db_url: str, tmp_path: Path, artifacts: list[Path], tickets: dict[str, Path]
) -> tuple[Workspace, dict[str, Any]]:
    ws = Workspace.open(db_url, home=tmp_path / "home")
    ws.add(artifacts[0], name="tickets")
    ws.add(artifacts[1], name="tickets")
    test = load_labeled(str(tickets["test"]))
    start = datetime.now(UTC) - timedelta(hours=3)
    latencies = _log(ws, 1, list(test.texts), start, truth=list(test.labels))
    _log(ws, 2, _recipes(80), start)
    errors = [{"kind": "error", "id": str(uuid.uuid4()), "request_id": f"bad{i}", "route": "/v1/predict",
               "status": 422, "error_type": "invalid_request", "version_id": ws.version("tickets", number=1).id,
               "created_at": start.isoformat()} for i in range(5)]  # fmt: skip
    write_records(ws.engine, errors)
    predicted = fmkit.load(ws.artifact("tickets", number=1)).predict(list(test.texts))
    accuracy = float(np.mean([p == t for p, t in zip(predicted, test.labels, strict=True)]))
    expected = {"latencies": latencies, "accuracy": accuracy, "n_test": len(test)}
    return ws, expected


def test_the_report_measures_the_logs(logged: tuple[Workspace, dict[str, Any]]) -> None:
    ws, expected = logged
    report = monitor(ws, "tickets", thresholds=Thresholds(min_accuracy=0.99, max_p99_ms=40, max_error_rate=0.2))
    assert report["n_predictions"] == expected["n_test"] + 80 and report["n_feedback"] == expected["n_test"]
    v1, v2 = report["versions"]["tickets:1"], report["versions"]["tickets:2"]
    assert v1["latency_ms"]["p99"] == pytest.approx(np.percentile(expected["latencies"], 99), abs=1e-3)
    assert v1["error_rate"] == pytest.approx(5 / (5 + expected["n_test"]))
    assert (
        v1["accuracy"]["accuracy"] == pytest.approx(expected["accuracy"]) and v1["accuracy"]["n"] == expected["n_test"]
    )
    assert v1["throughput_per_min"] == pytest.approx(2.0, rel=0.05)  # one prediction every 30 s
    # the same kind of tickets as the training data: no drift; cooking recipes: drift
    assert v1["input_drift"]["drifted"] is False and v1["input_drift"]["p_value"] > 0.01
    assert v2["input_drift"]["drifted"] is True and v2["input_drift"]["p_value"] < 0.01
    alerts = " | ".join(report["alerts"])
    assert "tickets:2: input drift" in alerts and "tickets:1: input drift" not in alerts
    assert f"tickets:1: p99 latency {np.percentile(expected['latencies'], 99):.1f} ms > 40 ms" in alerts
    assert f"tickets:1: accuracy from {expected['n_test']} feedback items" in alerts
    assert "tickets:1: error rate" not in alerts  # 5 / 105 < 0.2


def test_cli_json_exit_code_and_html(
    logged: tuple[Workspace, dict[str, Any]], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FMKIT_DB_URL", db_url)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["monitor", "--model", "tickets", "--json", "--report", str(tmp_path / "m.html")])
    assert code == 8  # the recipes drifted
    report = json.loads(buffer.getvalue())
    assert report["n_predictions"] > 0 and set(report["versions"]) == {"tickets:1", "tickets:2"}
    assert "_latency" not in report["versions"]["tickets:1"]
    html = (tmp_path / "m.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "input drift" in html
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["monitor", "--model", "tickets", "--since", "1m"]) == 0  # nothing logged in the last minute


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "3 weeks"], "--since '3 weeks': expected a positive number and a unit"),
        (["--min-accuracy", "80"], "--min-accuracy must be a fraction in [0, 1], got 80.0"),
        (["--drift-alpha", "0"], "--drift-alpha must be in (0, 1)"),
    ],
)
def test_bad_flags(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "--model", "tickets", *args]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_parse_since() -> None:
    assert parse_since("30m") == timedelta(minutes=30) and parse_since("7d") == timedelta(days=7)

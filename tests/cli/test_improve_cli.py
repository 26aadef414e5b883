"""``fmkit improve select`` and ``fmkit label`` end to end on the private FMKIT_HOME: select, label by keyboard
(label, skip, undo, a wrong key), list, conflicts, Label Studio export and import (and a corrupt import)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from fmkit.data import load_labeled
from fmkit.improve import queue
from fmkit.workspace import Workspace
from fmkit.workspace.schema import Feedback
from tests.cli._invoke import cli_json, run_cli
from tests.improve.conftest import log_traffic


@pytest.fixture
def ws(file_trained: Path, tickets: dict[str, Path]) -> Workspace:
    ws = Workspace.open()
    ws.add(file_trained, name="tickets")
    ws.set_alias("tickets", "champion", 1)
    log_traffic(ws, "tickets", list(load_labeled(str(tickets["test"])).texts)[:40])
    return ws


def _feedback(ws: Workspace) -> list[tuple[str, str | None, str]]:
    with ws.session() as s:
        return [(f.label, f.labeled_by, f.source) for f in s.scalars(select(Feedback).order_by(Feedback.created_at))]


def test_select_then_label_by_keyboard(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli_json("improve", "select", "--model", "tickets", "--budget", "6", "--strategy", "margin")
    assert result["queued"] == 6 and result["queue"] == {"pending": 6, "labeled": 0, "skipped": 0}
    listed = cli_json("label", "--model", "tickets", "--list")
    first, second, third = listed["pending"][:3]
    monkeypatch.setattr("sys.stdin", io.StringIO("1\ns\nu\n2\nbogus\nq\n"))
    code, output = run_cli("label", "--model", "tickets", "--who", "ana")
    assert code == 0, output
    assert first["text"] in output and f"model says: {first['guess']}" in output
    assert f"undid task {second['id']}" in output
    assert _feedback(ws) == [("account", "ana", "queue"), ("billing", "ana", "queue")]
    assert queue.counts(ws, "tickets") == {"pending": 4, "labeled": 2, "skipped": 0}
    assert queue.pending(ws, "tickets")[0].id == third["id"]  # the wrong key labeled nothing
    code, output = run_cli("label", "--model", "tickets", "--who", "ana", "--undo")
    assert code == 0 and f"task {second['id']} is pending again" in output


def test_label_studio_round_trip_and_a_corrupt_import(ws: Workspace, tmp_path: Path) -> None:
    cli_json("improve", "select", "--model", "tickets", "--budget", "3", "--strategy", "entropy")
    exported = tmp_path / "tasks.json"
    code, output = run_cli("label", "--model", "tickets", "--export-label-studio", str(exported))
    assert code == 0 and "wrote 3 task(s)" in output
    tasks = json.loads(exported.read_text())
    assert '<Choice value="billing"/>' in exported.with_suffix(".xml").read_text()
    guess = tasks[0]["predictions"][0]["result"][0]["value"]["choices"][0]
    assert guess in ("account", "billing", "delivery", "technical")
    # what Label Studio's JSON export looks like after two people annotated the first task, one the second
    tasks[0]["annotations"] = [
        {"completed_by": {"email": "ana@example.com"}, "result": [{"value": {"choices": ["billing"]}}]},
        {"completed_by": {"email": "bo@example.com"}, "result": [{"value": {"choices": ["account"]}}]},
    ]
    tasks[1]["annotations"] = [{"completed_by": 7, "result": [{"value": {"choices": ["delivery"]}}]}]
    bad = tmp_path / "bad.json"
    refund = {"annotations": [{"result": [{"value": {"choices": ["refund"]}}]}]}
    bad.write_text(json.dumps([tasks[0], tasks[1] | refund]))
    assert run_cli("label", "--model", "tickets", "--import-label-studio", str(bad))[0] == 2
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('[{"data": ')
    assert run_cli("label", "--model", "tickets", "--import-label-studio", str(corrupt))[0] == 3
    assert _feedback(ws) == []  # neither bad file wrote anything

    answers = tmp_path / "export.json"
    answers.write_text(json.dumps(tasks))
    code, output = run_cli("label", "--model", "tickets", "--import-label-studio", str(answers))
    assert code == 0 and json.loads(output) == {"labels": 3, "tasks_not_pending": 0, "tasks_without_annotation": 1}
    assert sorted(_feedback(ws)) == [
        ("account", "label-studio:bo@example.com", "label-studio"),
        ("billing", "label-studio:ana@example.com", "label-studio"),
        ("delivery", "label-studio:7", "label-studio"),
    ]
    conflicts = cli_json("label", "--model", "tickets", "--conflicts")
    assert len(conflicts) == 1 and conflicts[0]["text"] == tasks[0]["data"]["text"]


def test_retrain_gate_promote_and_rollback(
    ws: Workspace, tickets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test = load_labeled(str(tickets["test"]))
    gold = dict(zip(test.texts, test.labels, strict=True))
    cli_json("improve", "select", "--model", "tickets", "--budget", "40", "--strategy", "random")
    tasks = queue.pending(ws, "tickets", limit=100)
    queue.label_many(ws, [(t.id, gold[t.text], "ana") for t in tasks])
    holdout = tmp_path / "holdout.csv"
    rows = enumerate(zip(test.texts[40:], test.labels[40:], strict=True))
    holdout.write_text("text,label,half\n" + "".join(f'"{t}",{y},{"a" if i % 2 else "b"}\n' for i, (t, y) in rows))
    retrained = cli_json("improve", "retrain", "--model", "tickets", "--holdout", str(holdout))
    assert retrained["version"] == "tickets:2"
    assert retrained["from_traffic"] + retrained["traffic_kept_for_the_gate"] == 40
    report = tmp_path / "gate.html"
    record = cli_json("improve", "gate", "--model", "tickets", "--holdout", str(holdout), "--group-col", "half",
                   "--tolerance", "100", "--promote", "--report", str(report))  # fmt: skip
    assert {"group=a", "group=b", "class=billing"} <= set(record["scores"]["champion"]["slices"])
    assert report.is_file()
    gained = record["scores"]["challenger"]["holdout"]["accuracy"] > record["scores"]["champion"]["holdout"]["accuracy"]
    assert record["promote"] == gained and record.get("promoted", False) == gained
    assert ws.version("tickets", alias="champion").number == (2 if gained else 1)
    if gained:
        assert cli_json("registry", "rollback", "tickets")["version"] == 1  # one command back
    capsys.readouterr()
    code, _ = run_cli("improve", "gate", "--model", "tickets", "--holdout", str(holdout), "--group-col", "region")
    assert code == 3 and "no column 'region' for --group-col (columns: text, label, half)" in capsys.readouterr().err

"""``fmkit registry`` end to end on the private FMKIT_HOME: add, alias, promote, rollback, list, show."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from fmkit.cli.main import main


def _run(*args: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(list(args))
    return code, buffer.getvalue()


def _json(*args: str) -> Any:
    code, output = _run(*args, "--json")
    assert code == 0, output
    return json.loads(output)


def test_the_registry_workflow(artifacts: list[Path]) -> None:
    first = _json("registry", "add", str(artifacts[0]), "--name", "tickets", "--alias", "champion")
    assert (first["version"], first["aliases"], first["method"]) == (1, ["champion"], "linear-probe")
    second = _json("registry", "add", str(artifacts[1]), "--name", "tickets", "--parent", "tickets:1")
    assert (second["version"], second["parent"]) == (2, "tickets:1")
    assert _json("registry", "alias", "tickets", "challenger")["version"] == 2
    assert _json("registry", "promote", "tickets")["aliases"] == ["challenger", "champion"]
    assert _json("registry", "rollback", "tickets")["version"] == 1
    listed = _json("registry", "list")
    assert listed == [
        {
            "name": "tickets",
            "task": "classify",
            "n_versions": 2,
            "latest": 2,
            "aliases": {"challenger": 2, "champion": 1},
        }
    ]
    shown = _json("registry", "show", "tickets")
    assert [v["method"] for v in shown["versions"]] == ["linear-probe", "zero-shot"]
    assert [e["action"] for e in shown["alias_history"]] == ["alias", "alias", "promote", "rollback"]
    code, text = _run("registry", "show", "tickets")
    assert code == 0 and "linear-probe" in text and "rollback" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["registry", "show", "nope"], 6, "no model named 'nope'"),
        (["registry", "add", "/no/such/dir", "--name", "x"], 5, "is not a directory"),
        (["registry", "alias", "nope", "champion"], 6, "register one with `fmkit registry add DIR --name`"),
        (["registry", "rollback", "nope"], 6, "no model named"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == code
    err = capsys.readouterr().err
    assert message in " ".join(err.split())

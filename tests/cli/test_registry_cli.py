"""``fmkit registry`` end to end on the private FMKIT_HOME: add, alias, promote, rollback, list, show."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.cli.main import main
from tests.cli._invoke import cli_json, run_cli


def test_the_registry_workflow(artifacts: list[Path]) -> None:
    first = cli_json("registry", "add", str(artifacts[0]), "--name", "tickets", "--alias", "champion")
    assert (first["version"], first["aliases"], first["method"]) == (1, ["champion"], "linear-probe")
    second = cli_json("registry", "add", str(artifacts[1]), "--name", "tickets", "--parent", "tickets:1")
    assert (second["version"], second["parent"]) == (2, "tickets:1")
    assert cli_json("registry", "alias", "tickets", "challenger")["version"] == 2
    assert cli_json("registry", "promote", "tickets")["aliases"] == ["challenger", "champion"]
    assert cli_json("registry", "rollback", "tickets")["version"] == 1
    listed = cli_json("registry", "list")
    assert listed == [
        {
            "name": "tickets",
            "task": "classify",
            "n_versions": 2,
            "latest": 2,
            "aliases": {"challenger": 2, "champion": 1},
        }
    ]
    shown = cli_json("registry", "show", "tickets")
    assert [v["method"] for v in shown["versions"]] == ["linear-probe", "zero-shot"]
    assert [e["action"] for e in shown["alias_history"]] == ["alias", "alias", "promote", "rollback"]
    code, text = run_cli("registry", "show", "tickets")
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

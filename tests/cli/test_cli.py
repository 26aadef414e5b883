"""The CLI: the issue's four commands, JSON output, exit codes and one-line errors on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fmkit.cli.main import main

COMMANDS = [
    ["models", "list"],
    ["models", "show"],
    ["models", "add"],
    ["methods", "list"],
    ["methods", "show"],
    ["adapt"],
    ["eval"],
    ["predict"],
    ["demo"],
    ["choose"],
    ["generate"],
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*command, "--help"], capsys)
    assert code == 0
    assert "Example: fmkit" in " ".join(out.split())


def test_models_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["models", "list", "--json"], capsys)
    assert code == 0
    assert {"minilm-l6", "smollm2-135m-instruct", "mpnet-base"} <= {c["id"] for c in json.loads(out)}
    code, out, _ = run(["models", "show", "minilm-l6", "--json"], capsys)
    assert json.loads(out)["available"] is True
    code, out, _ = run(["models", "show", "mpnet-base", "--json"], capsys)
    assert json.loads(out)["available"] is False and "hf download" in json.loads(out)["how_to_get"]


def test_methods_show_says_what_each_option_means(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["methods", "show", "lora", "--json"], capsys)
    options = {o["name"]: o for o in json.loads(out)["options"]}
    assert code == 0 and options["lora_rank"]["type"] == "int" and options["lora_epochs"]["type"] == "int | None"
    assert options["lora_rank"]["help"] == "rank r of each update"
    assert "share" in options["class_balance"]["help"] and "EM" in options["pool_prior"]["help"]  # from the base


def test_models_add_local_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fmkit.catalog import Catalog, resolve

    local = resolve(Catalog().get("minilm-l6"))
    assert run(["models", "add", "my-minilm", str(local)], capsys)[0] == 0
    code, _, err = run(["models", "add", "bad", str(tmp_path)], capsys)
    assert code == 2 and "neither a model directory" in err


def test_adapt_eval_predict(tickets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    code, _, err = run(
        ["adapt", "--data", str(tickets["few"]), "--model", "minilm-l6", "--method", "linear-probe", "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    code, stdout, _ = run(
        ["eval", str(out), "--data", str(tickets["test"]), "--json", "--report", str(tmp_path / "r.html")], capsys
    )
    assert code == 0
    result = json.loads(stdout)
    assert result["accuracy"] > 0.6 and 0 < result["macro_f1"] <= 1
    assert (tmp_path / "r.html").stat().st_size > 10_000
    code, stdout, _ = run(["predict", str(out), "my card was charged twice", "--json"], capsys)
    assert json.loads(stdout)[0]["label"] == "billing"
    code, stdout, _ = run(["predict", str(out), "the app crashes with an error on startup"], capsys)
    assert code == 0 and "technical" in stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["adapt", "--data", "{few}", "--out", "{tmp}/o", "--text-col", "body"], 3, "no column 'body'"),
        (["adapt", "--data", "{few}", "--out", "{tmp}/o", "--method", "magic"], 2, "unknown method 'magic'"),
        (["adapt", "--data", "{few}", "--out", "{tmp}/o", "--model", "gpt9"], 2, "unknown model 'gpt9'"),
        (["adapt", "--data", "{few}", "--out", "{tmp}/o", "--model", "mpnet-base"], 4, "not available offline"),
        (
            [
                "adapt",
                "--data",
                "{few}",
                "--out",
                "{tmp}/o",
                "--method",
                "lora",
                "--set",
                "lora_rank=-1",
                "--set",
                "lora_dropot=0.2",
            ],
            2,
            "unknown field 'lora_dropot'",
        ),
        (
            ["adapt", "--data", "{few}", "--out", "{tmp}/o", "--method", "lora", "--set", "lora_target_modules=nope"],
            2,
            r"lora_target_modules \['nope'\] do not exist",
        ),
        (
            ["adapt", "--data", "{few}", "--out", "{tmp}/o", "--method", "lora", "--set", "class_balance=x=1,y=3"],
            2,
            r"class_balance must give a share for each training label .*; unknown \['x', 'y'\]",
        ),
        (["adapt", "--data", "{tmp}/missing.csv", "--out", "{tmp}/o"], 3, "does not exist"),
        (["adapt", "--data", "{few}", "--out", "{tmp}/o", "--config", "{tmp}/nope.yaml"], 2, "does not exist"),
        (["eval", "{tmp}", "--data", "{few}"], 5, "no fmkit.json"),
        (["predict", "{tmp}"], 2, "no texts given"),
        (["demo", "--n-per-class", "0"], 2, "--n-per-class must be >= 1"),
    ],
)
def test_bad_input_is_one_line_and_a_meaningful_exit_code(
    args: list[str],
    code: int,
    message: str,
    tickets: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import re

    filled = [a.format(few=tickets["few"], tmp=tmp_path) for a in args]
    got, _, err = run(filled, capsys)
    assert got == code, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and re.search(message, lines[0]), err
    assert not (tmp_path / "o").exists()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["adapt"], capsys)[0] == 2
    assert run(["no-such-command"], capsys)[0] == 2


def test_console_script_and_module_entry_points(tickets: dict[str, Path], tmp_path: Path) -> None:
    fmkit_bin = Path(sys.executable).parent / "fmkit"
    done = subprocess.run(
        [str(fmkit_bin), "eval", str(tmp_path), "--data", str(tickets["few"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 5 and done.stderr.startswith("error:")
    done = subprocess.run(
        [sys.executable, "-m", "fmkit", "methods", "list", "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and json.loads(done.stdout)[0]["name"] == "zero-shot"

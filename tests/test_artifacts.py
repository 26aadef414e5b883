"""Artifacts: written atomically, verified on load, refused when tampered or mismatched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fmkit
from fmkit.artifacts import write_artifact
from fmkit.data import LabeledTexts
from fmkit.errors import ArtifactError, ConfigError


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def test_failure_during_save_leaves_nothing(tmp_path: Path) -> None:
    def save(directory: Path) -> None:
        (directory / "half.bin").write_bytes(b"x" * 10)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_artifact(tmp_path / "out", save, {"method": "m"})
    assert _leftovers(tmp_path) == []


def test_ctrl_c_during_save_leaves_nothing(tmp_path: Path) -> None:
    def save(directory: Path) -> None:
        (directory / "half.bin").write_bytes(b"x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_artifact(tmp_path / "out", save, {"method": "m"})
    assert _leftovers(tmp_path) == []


def test_bad_data_leaves_no_out_dir(tmp_path: Path) -> None:
    bad = LabeledTexts.of(["only one class", "still one"], ["a", "a"])
    with pytest.raises(Exception):  # noqa: B017 - any failure; the point is what is left behind
        fmkit.adapt(bad, method="linear-probe", out=tmp_path / "out")
    assert _leftovers(tmp_path) == []


def test_existing_out_is_refused_before_any_work(tmp_path: Path, few_tickets: LabeledTexts) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(ConfigError, match="already exists; choose another --out or pass --overwrite"):
        fmkit.adapt(few_tickets, out=tmp_path / "out")
    with pytest.raises(ConfigError, match="not an fmkit artifact"):
        fmkit.adapt(few_tickets, out=tmp_path / "out", overwrite=True)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory, few_tickets: LabeledTexts) -> Path:
    out = tmp_path_factory.mktemp("art") / "probe"
    fmkit.adapt(few_tickets, method="linear-probe", out=out)
    return out


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    return Path(shutil.copytree(src, dst))


def test_manifest_records_what_was_done(artifact: Path, few_tickets: LabeledTexts) -> None:
    manifest = json.loads((artifact / "fmkit.json").read_text())
    assert manifest["method"] == "linear-probe"
    assert manifest["base_model"]["id"] == "minilm-l6"
    assert manifest["labels"] == list(few_tickets.classes)
    assert manifest["data"]["fingerprint"] == few_tickets.fingerprint()
    assert {"torch", "transformers", "python"} <= set(manifest["versions"])
    assert "head.safetensors" in manifest["files"] and "encoder/model.safetensors" in manifest["files"]
    assert not list(artifact.rglob("*.pkl")) and not list(artifact.rglob("*.bin"))


def test_overwrite_replaces_atomically(artifact: Path, tmp_path: Path, few_tickets: LabeledTexts) -> None:
    copy = _copy(artifact, tmp_path / "a")
    fmkit.adapt(few_tickets, method="zero-shot", out=copy, overwrite=True)
    assert json.loads((copy / "fmkit.json").read_text())["method"] == "zero-shot"
    assert _leftovers(tmp_path) == ["a"]


def test_tampered_weights_are_refused(artifact: Path, tmp_path: Path) -> None:
    copy = _copy(artifact, tmp_path / "a")
    head = copy / "head.safetensors"
    data = bytearray(head.read_bytes())
    data[-1] ^= 0xFF
    head.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"does not match its fmkit.json \(modified \['head.safetensors'\]\)"):
        fmkit.load(copy)


def test_missing_and_extra_files_are_refused(artifact: Path, tmp_path: Path) -> None:
    copy = _copy(artifact, tmp_path / "a")
    (copy / "encoder" / "tokenizer.json").unlink()
    (copy / "stray.txt").write_text("x")
    with pytest.raises(ArtifactError, match=r"missing \['encoder/tokenizer.json'\]; unexpected \['stray.txt'\]"):
        fmkit.load(copy)


def test_mismatched_labels_are_refused(artifact: Path, tmp_path: Path) -> None:
    copy = _copy(artifact, tmp_path / "a")
    manifest = json.loads((copy / "fmkit.json").read_text())
    manifest["labels"] = [*manifest["labels"], "extra"]
    (copy / "fmkit.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="head has shape .* lists 5 labels"):
        fmkit.load(copy)


def test_not_an_artifact(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="has no fmkit.json"):
        fmkit.load(tmp_path)
    (tmp_path / "fmkit.json").write_text("{oops")
    with pytest.raises(ArtifactError, match="is corrupt"):
        fmkit.load(tmp_path)
    (tmp_path / "fmkit.json").write_text(json.dumps({"format": "other/9"}))
    with pytest.raises(ArtifactError, match="has format 'other/9'"):
        fmkit.load(tmp_path)

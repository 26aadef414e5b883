from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.errors import DataError
from fmkit.generation.pairs import TextPairs, load_pairs


def _jsonl(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_reads_mapped_columns_and_normalises_line_breaks(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "d.jsonl", ['{"dialogue": "A: hi\\r\\nB: yo", "summary": "A greets B."}'])
    pairs = load_pairs(path, input_col="dialogue", target_col="summary")
    assert pairs.inputs == ("A: hi\nB: yo",)
    assert pairs.targets == ("A greets B.",)
    assert len(pairs.subset([0])) == 1


def test_a_missing_column_names_the_flag(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "d.jsonl", ['{"dialogue": "A: hi", "summary": "x"}'])
    with pytest.raises(DataError, match=r"no column 'target'.*found columns \['dialogue', 'summary'\].*--target-col"):
        load_pairs(path, input_col="dialogue")


def test_an_empty_target_names_its_line(tmp_path: Path) -> None:
    rows = ['{"text": "one", "target": "1"}', '{"text": "two", "target": " "}']
    with pytest.raises(DataError, match="empty target in column 'target' at line 2"):
        load_pairs(_jsonl(tmp_path / "d.jsonl", rows))


def test_an_empty_input_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,target\nhello,hi\n,nothing\n", encoding="utf-8")
    with pytest.raises(DataError, match="empty input in column 'text' at line 3"):
        load_pairs(path)


def test_inputs_without_targets(tmp_path: Path) -> None:
    pairs = load_pairs(_jsonl(tmp_path / "d.jsonl", ['{"text": "one"}']), require_targets=False)
    assert pairs.targets == ()


def test_fingerprint_ignores_order() -> None:
    a = TextPairs.of(["x", "y"], ["1", "2"])
    b = TextPairs.of(["y", "x"], ["2", "1"])
    assert a.fingerprint() == b.fingerprint() != TextPairs.of(["x", "y"], ["2", "1"]).fingerprint()

"""Reading tables and validating labeled texts: every bad-input case a user can hit, with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fmkit.data import DataWarning, LabeledTexts, load_labeled, read_table, warn_leakage
from fmkit.errors import DataError, DataFormatError
from tests.conftest import write_rows

GOOD = ["hello there,a", "good morning,b", "see you,a", "bye now,b"]


def test_reads_every_format(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["x one", "y two", "z three"], "label": ["a", "b", "a"]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_csv(tmp_path / "d.tsv", index=False, sep="\t")
    frame.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "d.parquet")
    (tmp_path / "d.json").write_text(frame.to_json(orient="records"))
    import datasets

    datasets.Dataset.from_pandas(frame).save_to_disk(str(tmp_path / "ds"))
    for name in ("d.csv", "d.tsv", "d.jsonl", "d.parquet", "d.json", "ds"):
        data = load_labeled(str(tmp_path / name))
        assert data.texts == ("x one", "y two", "z three"), name
        assert data.labels == ("a", "b", "a"), name


def test_column_mapping(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "body,intent", GOOD)
    data = load_labeled(str(path), text_col="body", label_col="intent")
    assert data.classes == ("a", "b")


def test_missing_column_names_found_columns_and_flag(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "body,label", GOOD)
    with pytest.raises(DataError, match=r"no column 'text'.*found columns \['body', 'label'\].*--text-col"):
        load_labeled(str(path))


def test_empty_text_reports_exact_lines_even_after_multiline_quotes(tmp_path: Path) -> None:
    rows = ['"first line\nsecond line",a', "ok,b", ",a", "fine,b", "   ,a"]
    path = write_rows(tmp_path / "d.csv", "text,label", rows)
    with pytest.raises(DataError, match=r"empty text .* at line 5, line 7;"):
        load_labeled(str(path))


def test_missing_label(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "text,label", ["one,a", "two,", "three,b"])
    with pytest.raises(DataError, match=r"missing label .* at line 3"):
        load_labeled(str(path))


def test_class_with_too_few_examples(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "text,label", [*GOOD, "lonely,c"])
    with pytest.raises(DataError, match=r"fewer than 2 examples: \{'c': 1\}"):
        load_labeled(str(path), min_per_class=2)


def test_single_class_is_an_error(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "text,label", ["one,a", "two,a"])
    with pytest.raises(DataError, match="at least 2 classes"):
        load_labeled(str(path))


def test_unknown_label_in_eval_data(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "text,label", ["one,a", "two,zebra"])
    with pytest.raises(DataError, match=r"label unknown to the model .* at line 3"):
        load_labeled(str(path), known_labels=["a", "b"])


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"text,label\nfine,a\ncaf\xe9 au lait,b\n")
    with pytest.raises(DataFormatError, match=r"not valid UTF-8: byte 0xe9 at line 3; .*iconv"):
        load_labeled(str(path))


def test_hundred_megabyte_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w") as handle:
        handle.write("text,label\nsmall,a\n")
        handle.write("x" * 100_000_000 + ",b\n")
    with pytest.raises(DataError, match=r"longer than 1,000,000 characters .* at line 3.*--max-chars"):
        load_labeled(str(path))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("d.csv", b"", "is empty"),
        ("d.jsonl", b'{"text": "a", "label": "x"}\n{broken\n', r"line 2 is not valid JSON"),
        ("d.jsonl", b'["a", "b"]\n', "expected an object per line"),
        ("d.parquet", b"PAR1 not really parquet", "not a readable Parquet file"),
        ("d.xlsx", b"whatever", "expected one of .csv"),
        ("d.csv", b'text,label\n"unterminated,a\n', "not a valid CSV"),
    ],
)
def test_corrupt_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=message):
        read_table(path)


def test_missing_file_and_non_dataset_dir(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataFormatError, match="not a `datasets` save_to_disk directory"):
        read_table(tmp_path)


def test_header_only(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "text,label", [])
    with pytest.raises(DataError, match="no rows"):
        load_labeled(str(path))


def test_duplicates_warn_with_conflicts(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.csv", "text,label", [*GOOD, "Hello  there,b"])
    with pytest.warns(DataWarning, match=r"1 duplicate texts \(first at line 6\), 1 of them with conflicting labels"):
        load_labeled(str(path))


def test_leakage_warns() -> None:
    train = LabeledTexts.of(["a b", "c d"], ["x", "y"], source="train.csv")
    other = LabeledTexts.of(["A  B", "e f"], ["x", "y"], source="test.csv")
    with pytest.warns(DataWarning, match="1 of 2 evaluation texts in test.csv also occur"):
        assert warn_leakage(train, other) == 1


def test_jsonl_line_numbers_skip_blank_lines(tmp_path: Path) -> None:
    rows = [{"text": "a", "label": "x"}, {"text": "", "label": "y"}]
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(rows[0]) + "\n\n" + json.dumps(rows[1]) + "\n")
    with pytest.raises(DataError, match="at line 3"):
        load_labeled(str(path))


def test_in_memory_data_gets_the_same_checks() -> None:
    from fmkit.data.validate import validate_labeled

    with pytest.raises(DataError, match=r"empty text .* at row 2"):
        validate_labeled(LabeledTexts.of(["fine", " ", "ok"], ["a", "b", "b"]))
    with pytest.raises(DataError, match=r"fewer than 2 examples: \{'a': 1\}"):
        validate_labeled(LabeledTexts.of(["x", "y", "z"], ["a", "b", "b"]), min_per_class=2)

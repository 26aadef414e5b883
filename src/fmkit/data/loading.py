"""Read a table of examples from CSV, TSV, JSONL, Parquet or a ``datasets`` directory, with exact line numbers.

Errors name the file and the line (for text formats) so a user can jump straight to the problem.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fmkit.errors import DataFormatError

TEXT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json")
SUFFIXES = (*TEXT_SUFFIXES, ".parquet")


@dataclass
class Table:
    """Rows read from ``path``; ``where(i)`` names row ``i`` as a user finds it (``line 12`` or ``row 12``)."""

    frame: pd.DataFrame
    path: Path
    _lines: Callable[[], list[int]] | None = None
    _cache: list[int] | None = None

    def where(self, row: int) -> str:
        if self._lines is None:
            return f"row {row + 1}"
        if self._cache is None:
            self._cache = self._lines()
        return f"line {self._cache[row]}" if row < len(self._cache) else f"row {row + 1}"


def read_table(path: str | Path) -> Table:
    """Read ``path`` into a Table of strings; raises DataFormatError with the reason and a fix."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DataFormatError(f"data file {path} does not exist; check the path")
    if path.is_dir():
        return _read_dataset_dir(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataFormatError(
            f"data file {path} has suffix {suffix!r}; expected one of {', '.join(SUFFIXES)} or a `datasets` directory"
        )
    if suffix == ".parquet":
        return _read_parquet(path)
    text = _decode(path)
    if not text.strip():
        raise DataFormatError(f"data file {path} is empty; expected a header row and at least one example")
    if suffix in (".jsonl", ".ndjson") or (suffix == ".json" and text.lstrip().startswith("{")):
        return _read_jsonl(path, text)
    if suffix == ".json":
        return _read_json_array(path, text)
    return _read_delimited(path, text, "\t" if suffix == ".tsv" else ",")


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataFormatError(
            f"{path} is not valid UTF-8: byte 0x{raw[exc.start]:02x} at line {line}; re-save the file as UTF-8 "
            f"(e.g. `iconv -f latin1 -t utf-8 {path.name} > fixed{path.suffix}`)"
        ) from None


def _read_delimited(path: Path, text: str, sep: str) -> Table:
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFormatError(f"{path} is not a valid {'TSV' if sep == chr(9) else 'CSV'} file: {exc}") from None
    return Table(frame, path, lambda: _record_lines(text, sep))


def _record_lines(text: str, sep: str) -> list[int]:
    """Line number where each data record starts (records may span lines inside quotes)."""
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        starts, previous_end = [], 0
        for _ in reader:
            starts.append(previous_end + 1)
            previous_end = reader.line_num
        return starts[1:]  # drop the header
    finally:
        csv.field_size_limit(old)


def _read_jsonl(path: Path, text: str) -> Table:
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFormatError(
                f"{path} line {number} is not valid JSON ({exc.msg}); fix or remove that line"
            ) from None
        if not isinstance(row, dict):
            raise DataFormatError(f"{path} line {number} is a JSON {type(row).__name__}; expected an object per line")
        rows.append(row)
        lines.append(number)
    return Table(_frame(rows), path, lambda: lines)


def _read_json_array(path: Path, text: str) -> Table:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{path} is not valid JSON at line {exc.lineno} ({exc.msg})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataFormatError(f"{path} must hold a JSON array of objects (or one object per line as .jsonl)")
    return Table(_frame(rows), path)


def _read_parquet(path: Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataFormatError(f"{path} is not a readable Parquet file ({exc}); re-export it") from None
    return Table(frame, path)


def _read_dataset_dir(path: Path) -> Table:
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise DataFormatError(
            f"{path} is a directory but not a `datasets` save_to_disk directory ({exc}); "
            "pass a CSV, JSONL or Parquet file"
        ) from None
    if isinstance(loaded, datasets.DatasetDict):
        splits = ", ".join(f"{path}/{name}" for name in loaded)
        raise DataFormatError(f"{path} holds several splits; pass one of: {splits}")
    return Table(loaded.to_pandas(), path)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows) if rows else pd.DataFrame()

"""TextPairs: validated (input, target) examples for generation tasks, read with line-numbered errors.

A summarization file has a dialogue or document column and a reference-summary column (SAMSum: ``dialogue``
and ``summary``); an instruction file has a prompt column and a response column. Targets may be absent for
data that is only generated from (``require_targets=False``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fmkit.data.loading import read_table
from fmkit.data.validate import DEFAULT_MAX_CHARS, check_rows
from fmkit.errors import DataError


@dataclass(frozen=True)
class TextPairs:
    """Inputs with their reference outputs (``targets`` empty for unlabeled inputs)."""

    inputs: tuple[str, ...]
    targets: tuple[str, ...] = ()
    source: str = "<memory>"

    def __post_init__(self) -> None:
        if self.targets and len(self.targets) != len(self.inputs):
            raise ValueError(f"{len(self.inputs)} inputs but {len(self.targets)} targets")

    @classmethod
    def of(cls, inputs: Sequence[str], targets: Sequence[str] = (), source: str = "<memory>") -> TextPairs:
        return cls(tuple(inputs), tuple(targets), source)

    def __len__(self) -> int:
        return len(self.inputs)

    def subset(self, index: Sequence[int]) -> TextPairs:
        idx = [int(i) for i in index]
        targets = tuple(self.targets[i] for i in idx) if self.targets else ()
        return TextPairs(tuple(self.inputs[i] for i in idx), targets, self.source)

    def fingerprint(self) -> str:
        """sha256 of the multiset of (input, target) rows."""
        rows = sorted(
            hashlib.sha256(f"{i}\x1f{t}".encode()).hexdigest()
            for i, t in zip(self.inputs, self.targets or [""] * len(self), strict=True)
        )
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def load_pairs(
    path: str | Path,
    *,
    input_col: str = "text",
    target_col: str = "target",
    require_targets: bool = True,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> TextPairs:
    """Read and validate ``path``: both columns present, no empty input, no empty target, no huge text."""
    table = read_table(path)
    have = [str(c) for c in table.frame.columns]
    wanted = {input_col: "--text-col"} | ({target_col: "--target-col"} if require_targets else {})
    missing = [c for c in wanted if c not in have]
    if missing:
        hint = " and ".join(f"{wanted[c]} NAME" for c in missing)
        raise DataError(
            f"{table.path} has no column {' or '.join(repr(c) for c in missing)}; found columns {have}; "
            f"rename them or map yours with {hint}"
        )
    if len(table.frame) == 0:
        raise DataError(f"{table.path} has a header but no rows; expected at least one example")
    inputs = [_cell(v) for v in table.frame[input_col].tolist()]
    fix = "fill in or remove those rows"
    check_rows(table, inputs, lambda t: not t.strip(), f"empty input in column {input_col!r}", fix)
    check_rows(
        table,
        inputs,
        lambda t: len(t) > max_chars,
        f"input longer than {max_chars:,} characters in column {input_col!r}",
        "split or truncate those inputs",
    )
    targets: list[str] = []
    if require_targets:
        targets = [_cell(v) for v in table.frame[target_col].tolist()]
        check_rows(table, targets, lambda t: not t.strip(), f"empty target in column {target_col!r}", fix)
    return TextPairs(tuple(inputs), tuple(targets), str(table.path))


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).replace("\r\n", "\n")

"""Turn a Table into LabeledTexts, checking everything a user can get wrong, with line-numbered errors.

Errors (``DataError``) stop the run: a missing column, empty or oversized text, a missing label, a class
with too few examples, a label the model does not know. Warnings (``DataWarning``) do not: duplicate rows,
the same text with different labels, texts shared between training and evaluation data.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fmkit.data.labeled import LabeledTexts
from fmkit.data.loading import Table, read_table
from fmkit.errors import DataError

DEFAULT_MAX_CHARS = 1_000_000
_SHOW = 5


class DataWarning(UserWarning):
    """Something suspicious in the data that does not stop the run."""


def load_labeled(
    path: str,
    *,
    text_col: str = "text",
    label_col: str | None = "label",
    known_labels: Sequence[str] | None = None,
    min_per_class: int = 1,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> LabeledTexts:
    """Read and validate ``path``. ``label_col=None`` reads unlabeled texts.

    ``known_labels``: the labels a model was trained on; any other label in the file is an error.
    ``min_per_class``: the fewest examples a class may have (training data needs at least one).
    """
    return validate_table(
        read_table(path),
        text_col=text_col,
        label_col=label_col,
        known_labels=known_labels,
        min_per_class=min_per_class,
        max_chars=max_chars,
    )


def validate_table(
    table: Table,
    *,
    text_col: str = "text",
    label_col: str | None = "label",
    known_labels: Sequence[str] | None = None,
    min_per_class: int = 1,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> LabeledTexts:
    frame, name = table.frame, table.path
    _check_columns(table, [text_col] + ([label_col] if label_col else []))
    if len(frame) == 0:
        raise DataError(f"{name} has a header but no rows; expected at least one example")
    texts = [_cell(v) for v in frame[text_col].tolist()]
    check_rows(
        table, texts, lambda t: not t.strip(), f"empty text in column {text_col!r}", "fill in or remove those rows"
    )
    check_rows(
        table,
        texts,
        lambda t: len(t) > max_chars,
        f"text longer than {max_chars:,} characters in column {text_col!r}",
        "split or truncate those texts, or raise the limit with --max-chars",
    )
    labels: list[str] = []
    if label_col:
        labels = [_cell(v).strip() for v in frame[label_col].tolist()]
        check_rows(
            table, labels, lambda s: not s, f"missing label in column {label_col!r}", "label or remove those rows"
        )
        _check_labels(table, labels, label_col, known_labels, min_per_class)
    data = LabeledTexts(tuple(texts), tuple(labels), str(name))
    _warn_duplicates(table, data)
    return data


def validate_labeled(
    data: LabeledTexts,
    *,
    known_labels: Sequence[str] | None = None,
    min_per_class: int = 1,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> LabeledTexts:
    """Run the file checks on in-memory data (problems are reported by row number)."""
    frame = pd.DataFrame({"text": list(data.texts), "label": list(data.labels) or [""] * len(data)})
    table = Table(frame, Path(data.source))
    return validate_table(
        table,
        known_labels=known_labels,
        min_per_class=min_per_class,
        max_chars=max_chars,
        label_col="label" if data.labels else None,
    )


def warn_leakage(train: LabeledTexts, other: LabeledTexts, what: str = "evaluation") -> int:
    """Warn when texts of ``other`` also occur in ``train``; returns how many do."""
    shared = int(np.isin(other.hashes(), train.hashes()).sum())
    if shared:
        warnings.warn(
            f"{shared} of {len(other)} {what} texts in {other.source} also occur in the training data "
            f"{train.source}: the {what} score will be optimistic; remove them from one side",
            DataWarning,
            stacklevel=2,
        )
    return shared


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _check_columns(table: Table, wanted: list[str]) -> None:
    have = [str(c) for c in table.frame.columns]
    missing = [c for c in wanted if c not in have]
    if missing:
        flags = {wanted[0]: "--text-col"} | ({wanted[1]: "--label-col"} if len(wanted) > 1 else {})
        hint = " and ".join(f"{flags[c]} NAME" for c in missing)
        raise DataError(
            f"{table.path} has no column {' or '.join(repr(c) for c in missing)}; found columns {have}; "
            f"rename them or map yours with {hint}"
        )


def check_rows(table: Table, values: list[str], bad: object, problem: str, fix: str) -> None:
    assert callable(bad)
    rows = [i for i, v in enumerate(values) if bad(v)]
    if rows:
        where = ", ".join(table.where(i) for i in rows[:_SHOW]) + (
            f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
        )
        raise DataError(f"{table.path}: {problem} at {where}; {fix}")


def _check_labels(
    table: Table, labels: list[str], label_col: str, known: Sequence[str] | None, min_per_class: int
) -> None:
    if known is not None:
        known_set = set(known)
        check_rows(
            table,
            labels,
            lambda s: s not in known_set,
            f"label unknown to the model in column {label_col!r} (the model knows {sorted(known_set)})",
            "fix those labels or evaluate a model trained on them",
        )
        return
    counts = Counter(labels)
    if len(counts) < 2:
        raise DataError(
            f"{table.path} has only the label {next(iter(counts))!r} in column {label_col!r}; "
            "classification needs at least 2 classes (is --label-col right?)"
        )
    few = {label: n for label, n in sorted(counts.items()) if n < min_per_class}
    if few:
        raise DataError(
            f"{table.path}: classes with fewer than {min_per_class} examples: {few}; "
            f"add examples for them or remove those rows"
        )


def _warn_duplicates(table: Table, data: LabeledTexts) -> None:
    hashes = data.hashes()
    _, counts = np.unique(hashes, return_counts=True)
    n_dup = int((counts - 1).sum())
    if not n_dup:
        return
    frame = pd.DataFrame({"h": hashes, "y": list(data.labels) or [""] * len(data)})
    conflicting = int((frame.groupby("h")["y"].nunique() > 1).sum())
    example = table.where(int(np.flatnonzero(pd.Series(hashes).duplicated())[0]))
    message = f"{table.path}: {n_dup} duplicate texts (first at {example})"
    if conflicting:
        message += f", {conflicting} of them with conflicting labels"
    warnings.warn(message + "; de-duplicate the file unless the repetition is intended", DataWarning, stacklevel=3)

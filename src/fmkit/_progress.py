"""Progress bars for long work: shown on a terminal, silent otherwise (logs, tests, pipes)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def _enabled() -> bool:
    if os.environ.get("FMKIT_PROGRESS", "").lower() in ("0", "false", "no"):
        return False
    from rich.console import Console

    return Console(stderr=True).is_terminal


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` showing a progress bar on stderr when it is a terminal."""
    with bar(description, total) as progress:
        for item in items:
            yield item
            progress.advance()


class Bar:
    """A progress bar to advance by hand; does nothing when progress is disabled."""

    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self._progress, self._task = progress, task

    def advance(self, steps: int = 1) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=steps)

    def describe(self, description: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=description)


@contextlib.contextmanager
def bar(description: str, total: int | None) -> Iterator[Bar]:
    """One bar for a long loop whose description changes (e.g. epoch and loss of a training run)."""
    if not _enabled():
        yield Bar()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Bar(progress, progress.add_task(description, total=total))

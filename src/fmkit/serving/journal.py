"""A write-ahead journal for the prediction and feedback logs: durable before the response, in the
database soon after, exactly once.

The request path appends each micro-batch's records to an append-only JSONL segment and fsyncs once per
batch (group commit: one disk flush for the whole batch) before the server answers. A background shipper
reads the journal in order, inserts the records into the workspace database in batches with
"insert, ignore if the id exists", commits, and only then records how far it got (an offset file written
atomically). A crash anywhere (``kill -9`` included) loses nothing acknowledged: on restart the shipper
resumes from the last recorded offset, and records it had already inserted are skipped by their primary
key, so each lands exactly once. A partial last line (the crash hit mid-write, before the fsync and so
before any acknowledgement) is dropped.

Segments rotate at ``segment_bytes``; a segment is deleted once fully shipped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("fmkit.serve")
Record = dict[str, Any]  # {"kind": "prediction" | "feedback", ...the row's columns}
Sink = Callable[[list[Record]], None]  # writes records to the database, idempotently, in one transaction


@dataclass(frozen=True)
class Position:
    segment: int
    offset: int


class Journal:
    """Append-only, fsynced JSONL segments in ``directory``; safe to share between threads."""

    def __init__(self, directory: Path, *, segment_bytes: int = 64 << 20) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        segments = self.segments()
        self._segment = segments[-1] if segments else 0
        self._handle = self._open(self._segment)

    def segments(self) -> list[int]:
        return segments(self.directory)

    def path(self, segment: int) -> Path:
        return segment_path(self.directory, segment)

    def append(self, records: list[Record]) -> None:
        """Write ``records`` and flush them to disk; when this returns they survive a crash."""
        if not records:
            return
        payload = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=str) + "\n" for r in records)
        data = payload.encode("utf-8")
        with self._lock:
            if self._handle.tell() > 0 and self._handle.tell() + len(data) > self.segment_bytes:
                self._handle.close()
                self._segment += 1
                self._handle = self._open(self._segment)
            self._handle.write(data)
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            self._handle.close()

    def _open(self, segment: int) -> Any:
        path = self.path(segment)
        handle = path.open("ab")
        if handle.tell() > 0:  # a crash may have left a partial (never acknowledged) last line
            _drop_partial_tail(path, handle)
        return handle


def segments(directory: Path) -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in directory.glob("segment-*.jsonl"))


def segment_path(directory: Path, segment: int) -> Path:
    return directory / f"segment-{segment:08d}.jsonl"


def _drop_partial_tail(path: Path, handle: Any) -> None:
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end != len(data):
        handle.truncate(end)
        handle.seek(end)


class Shipper:
    """Moves the records of the journal in ``directory`` into the database in order, in batches, from a
    background thread. It only reads: the writer may be this process's :class:`Journal` or another's.
    The newest segment file is the one being written; every older one is final."""

    def __init__(self, directory: Path, sink: Sink, *, batch_size: int = 500, interval_s: float = 0.2) -> None:
        self.directory = directory
        self.sink = sink
        self.batch_size = batch_size
        self.interval_s = interval_s
        self._offset_file = directory / "shipped.json"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors = 0
        self.last_error: str | None = None

    def position(self) -> Position:
        try:
            saved = json.loads(self._offset_file.read_text(encoding="utf-8"))
            return Position(int(saved["segment"]), int(saved["offset"]))
        except (FileNotFoundError, ValueError, KeyError):
            existing = segments(self.directory)
            return Position(existing[0] if existing else 0, 0)

    def ship_once(self) -> int:
        """Ship every complete record written so far; return how many were shipped."""
        shipped = 0
        position = self.position()
        while True:
            later = [s for s in segments(self.directory) if s > position.segment]
            batch, end = self._read(position)  # with a later segment listed before the read, this one is final
            if batch:
                self.sink(batch)
                shipped += len(batch)
            if end != position:
                self._save(end)
                position = end
                if self._stop.is_set() and self._thread is threading.current_thread():
                    return shipped  # stopping: the rest waits in the journal for the next start
                continue
            if not later:
                return shipped
            finished, position = position.segment, Position(later[0], 0)
            self._save(position)
            segment_path(self.directory, finished).unlink(missing_ok=True)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fmkit-log-shipper", daemon=True)
        self._thread.start()

    def stop(self, *, drain: bool = True) -> None:
        """Stop the thread; with ``drain``, ship what is left first (a graceful shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if drain:
            self.ship_once()

    def backlog_bytes(self) -> int:
        """Journal bytes written but not yet in the database."""
        position = self.position()
        total = 0
        for segment in segments(self.directory):
            if segment >= position.segment:
                with contextlib.suppress(FileNotFoundError):
                    total += segment_path(self.directory, segment).stat().st_size
        return max(0, total - position.offset)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.ship_once()
            except Exception as exc:  # the database is down: keep the journal, retry later
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}".splitlines()[0]
                log.warning(
                    "could not ship the logs to the database; they stay in the journal and are retried",
                    extra={"event": "ship_error", "error": self.last_error, "journal": str(self.directory)},
                )
                self._stop.wait(min(5.0, self.interval_s * 10))
                continue
            self._stop.wait(self.interval_s)

    def _read(self, position: Position) -> tuple[list[Record], Position]:
        path = segment_path(self.directory, position.segment)
        if not path.exists():
            return [], position
        records: list[Record] = []
        offset = position.offset
        with path.open("rb") as handle:
            handle.seek(offset)
            for line in _complete_lines(handle):
                offset += len(line)
                with contextlib.suppress(ValueError):  # a line that cannot be parsed was never acknowledged
                    records.append(json.loads(line))
                if len(records) >= self.batch_size:
                    break
        return records, Position(position.segment, offset)

    def _save(self, position: Position) -> None:
        tmp = self._offset_file.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"segment": position.segment, "offset": position.offset}), encoding="utf-8")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        tmp.replace(self._offset_file)


def _complete_lines(handle: Any) -> Iterator[bytes]:
    for line in handle:
        if not line.endswith(b"\n"):
            return  # being written right now, or cut by a crash: not acknowledged yet
        yield line

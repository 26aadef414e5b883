"""Dynamic micro-batching: concurrent requests are merged into one model call of at most ``max_batch``
inputs, waiting at most ``max_wait_s`` for company after the first one arrives.

One worker runs batches one at a time in a single thread: on a CPU the model call already uses every core,
so two batches in parallel would only fight over them, while one larger batch amortises the per-call cost.
A request larger than ``max_batch`` runs as its own batch (the server caps request size separately).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Job(Generic[T]):
    texts: list[str]
    future: asyncio.Future[list[T]]
    context: dict[str, str] = field(default_factory=dict)


class MicroBatcher(Generic[T]):
    """``await submit(texts)`` returns ``run(all texts of the batch)`` sliced back to this request."""

    def __init__(self, run: Callable[[list[str], list[dict[str, str]]], list[T]], *, max_batch: int, max_wait_s: float):
        self.run = run
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._queue: asyncio.Queue[_Job[T]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fmkit-batch")
        self.batch_sizes: list[int] = []  # read by the metrics, then cleared

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._loop(), name="fmkit-batcher")

    async def stop(self) -> None:
        """Finish the queued requests, then stop."""
        if self._queue is not None:
            await self._queue.join()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._executor.shutdown(wait=True)

    async def submit(self, texts: list[str], context: dict[str, str] | None = None) -> list[T]:
        if self._queue is None:
            raise RuntimeError("MicroBatcher.start() was not called")
        future: asyncio.Future[list[T]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(texts, future, context or {}))
        return await future

    async def run_alone(self, fn: Callable[..., R], *args: Any) -> R:
        """Run ``fn(*args)`` on the batch thread, between batches (for work that is not micro-batched)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _loop(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size, deadline = len(jobs[0].texts), loop.time() + self.max_wait_s
            while size < self.max_batch:
                try:
                    job = await asyncio.wait_for(self._queue.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                jobs.append(job)
                size += len(job.texts)
            await self._run(loop, jobs)

    async def _run(self, loop: asyncio.AbstractEventLoop, jobs: list[_Job[T]]) -> None:
        assert self._queue is not None
        texts = [t for job in jobs for t in job.texts]
        contexts = [job.context for job in jobs for _ in job.texts]
        self.batch_sizes.append(len(texts))
        try:
            results = await loop.run_in_executor(self._executor, self.run, texts, contexts)
        except Exception as exc:
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
        else:
            start = 0
            for job in jobs:
                if not job.future.done():  # the client may have gone away
                    job.future.set_result(results[start : start + len(job.texts)])
                start += len(job.texts)
        finally:
            for _ in jobs:
                self._queue.task_done()

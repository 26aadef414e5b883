"""The labeling page and its API, served by ``fmkit serve`` next to the model (classifiers only).

``GET /label`` is a one-page app: the next queued input, the model's guess and confidence, a button per
label. Keys: 1-9 choose a label, s skips, u undoes the last action, and the labeler's name is asked once
(kept in the browser). The page calls ``GET /v1/label/next``, ``POST /v1/label``, ``/v1/label/skip`` and
``/v1/label/undo``, which need the ``feedback`` scope when the server runs with ``--auth``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Query
from fastapi.responses import HTMLResponse

from fmkit.errors import ConfigError, WorkspaceError
from fmkit.improve import queue
from fmkit.serving.schemas import (
    LabelDone,
    LabelRequest,
    LabelTaskOut,
    NextTasks,
    QueueCounts,
    SkipRequest,
    UndoRequest,
)

if TYPE_CHECKING:
    from fmkit.serving.app import Server


def add_routes(app: FastAPI, server: Server, errors: dict[int | str, dict[str, Any]]) -> None:
    from fmkit.serving.app import ApiError

    name = server.settings.name
    scoped = [Depends(server.require("feedback"))]
    page = resources.files("fmkit.serving").joinpath("templates/label.html").read_text(encoding="utf-8")

    async def call(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
        except ConfigError as exc:
            raise ApiError(422, "invalid_label", str(exc)) from None
        except WorkspaceError as exc:
            status = 404 if "no labeling task" in str(exc) else 409
            raise ApiError(status, "not_found" if status == 404 else "conflict", str(exc)) from None

    async def counts() -> QueueCounts:
        return QueueCounts(**await call(queue.counts, server.ws, name))

    async def label_page() -> HTMLResponse:
        return HTMLResponse(page.replace("{{ model }}", name))

    async def next_tasks(n: int = Query(1, ge=1, le=50)) -> NextTasks:
        tasks = await call(queue.pending, server.ws, name, n)
        return NextTasks(tasks=[LabelTaskOut(**t.to_dict()) for t in tasks], counts=await counts())

    async def give_label(body: LabelRequest) -> LabelDone:
        await call(queue.label, server.ws, body.task_id, body.label, body.who)
        return LabelDone(task_id=body.task_id, status="labeled", counts=await counts())

    async def skip(body: SkipRequest) -> LabelDone:
        await call(queue.skip, server.ws, body.task_id, body.who)
        return LabelDone(task_id=body.task_id, status="skipped", counts=await counts())

    async def undo(body: UndoRequest) -> LabelDone:
        task = await call(queue.undo, server.ws, name, body.who)
        if task is None:
            raise ApiError(404, "nothing_to_undo", f"{body.who!r} has no label or skip to undo on {name!r}")
        return LabelDone(task_id=task.id, status="pending", counts=await counts())

    app.get("/label", response_class=HTMLResponse, include_in_schema=False)(label_page)
    app.get("/v1/label/next", response_model=NextTasks, responses=errors, dependencies=scoped)(next_tasks)
    app.post("/v1/label", response_model=LabelDone, responses=errors, dependencies=scoped)(give_label)
    app.post("/v1/label/skip", response_model=LabelDone, responses=errors, dependencies=scoped)(skip)
    app.post("/v1/label/undo", response_model=LabelDone, responses=errors, dependencies=scoped)(undo)

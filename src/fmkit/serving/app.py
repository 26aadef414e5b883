"""The HTTP server: a FastAPI app over the served model, the micro-batcher, the journal and the workspace.

Routes: ``GET /health`` (the process is up), ``GET /ready`` (a model is loaded), ``POST /v1/predict``,
``POST /v1/feedback``, OpenAI-compatible ``POST /v1/embeddings`` (encoder models) and
``POST /v1/chat/completions`` (generation models, with streaming), ``GET /metrics`` (Prometheus),
``GET /docs`` and ``/openapi.json``.

A prediction is acknowledged only after its log record is on disk (the journal's group commit, once per
micro-batch); a background shipper moves the records into the workspace database. Every error is a JSON
``{"error": {"type", "message"}}`` with a 4xx status and a one-line message saying what to send instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import socket
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fmkit._home import fmkit_home
from fmkit.errors import FmkitError, WorkspaceError
from fmkit.serving import labeling
from fmkit.serving.batcher import MicroBatcher
from fmkit.serving.holder import ModelHolder, Served
from fmkit.serving.journal import Journal, Shipper
from fmkit.serving.metrics import ServerMetrics
from fmkit.serving.redact import redact
from fmkit.serving.schemas import (
    BLANK_PATTERNS,
    ChatChoice,
    ChatRequest,
    ChatResponse,
    Embedding,
    EmbeddingsRequest,
    EmbeddingsResponse,
    ErrorResponse,
    FeedbackRequest,
    FeedbackResponse,
    Health,
    Prediction,
    PredictRequest,
    PredictResponse,
    Readiness,
    Usage,
    chat_request,
    embeddings_request,
    predict_request,
)
from fmkit.serving.security import KeyCache, RateLimiter
from fmkit.serving.settings import ServeSettings
from fmkit.workspace.keys import KeyInfo
from fmkit.workspace.logs import write_records
from fmkit.workspace.registry import Workspace
from fmkit.workspace.schema import Prediction as PredictionRow
from fmkit.workspace.schema import Version

log = logging.getLogger("fmkit.serve")
ERROR_TYPES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "bad_method",
    413: "too_large", 422: "invalid_request", 429: "rate_limited", 500: "internal", 503: "unavailable",
}  # fmt: skip
TEXT_FIELDS = ("inputs", "input", "messages")  # request fields whose length limit is --max-chars
SIBLING_WAIT_S = 3.0  # how long feedback waits for another replica's prediction to be shipped
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 422, 429, 503)
}


class ApiError(Exception):
    def __init__(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.headers = status, kind, message, headers


@dataclass
class Runtime:
    """What the lifespan builds and the routes use."""

    holder: ModelHolder
    journal: Journal
    shipper: Shipper
    batcher: MicroBatcher[tuple[str, str, dict[str, float], str]]
    recent: OrderedDict[str, tuple[str, ...]]  # prediction id -> its model's labels, for feedback checks
    errors: deque[dict[str, Any]]  # error records waiting for the next journal write (no fsync of their own)


def journal_dir(settings: ServeSettings) -> Path:
    return settings.journal or fmkit_home() / "journal" / f"{settings.name}-{settings.port}"


class Server:
    """The state the routes share: settings, workspace, metrics, key cache, rate limiter, and the runtime
    that the lifespan builds."""

    def __init__(self, settings: ServeSettings, ws: Workspace) -> None:
        self.settings, self.ws = settings, ws
        self.metrics = ServerMetrics()
        self.keys = KeyCache(ws, settings.key_cache_s)
        self.limiter = RateLimiter(settings.rate_limit)
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise ApiError(503, "not_ready", "the model is still loading; retry in a moment")
        return self._runtime

    @contextlib.asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        runtime, lock = _start(self.settings, self.ws, self.metrics)
        self._runtime = runtime
        watcher = asyncio.get_running_loop().create_task(_watch(runtime, self.settings.poll_s))
        log.info("serving", extra={"event": "start", "model_version": runtime.holder.current.version})
        try:
            yield
        finally:
            watcher.cancel()
            await runtime.batcher.stop()
            runtime.journal.append(_drain(runtime.errors))
            runtime.shipper.stop(drain=True)
            runtime.journal.close()
            lock.close()
            log.info("stopped", extra={"event": "stop"})

    def require(self, scope: str) -> Callable[[Request], Awaitable[None]]:
        """A dependency: the API key (when --auth) must hold ``scope``; the client must be under the rate limit."""

        async def check(request: Request) -> None:
            client = request.client.host if request.client else "unknown"
            if self.settings.auth:
                client = (await self._authorize(request, scope)).prefix
            wait = self.limiter.allow(client)
            if wait > 0:
                message = f"more than {self.settings.rate_limit:g} requests/s; retry in {wait:.2f} s"
                raise ApiError(429, "rate_limited", message, {"Retry-After": str(max(1, round(wait)))})

        return check

    async def _authorize(self, request: Request, scope: str) -> KeyInfo:
        key = _api_key(request)
        if key is None:
            message = "missing API key: send 'Authorization: Bearer <key>' (create one with `fmkit keys create NAME`)"
            raise ApiError(401, "unauthorized", message)
        info = await asyncio.get_running_loop().run_in_executor(None, self.keys.verify, key)
        if info is None:
            raise ApiError(401, "unauthorized", "invalid or revoked API key; ask for a new one")
        if scope not in info.scopes and "admin" not in info.scopes:
            message = f"API key {info.name!r} lacks the {scope!r} scope (it has {', '.join(info.scopes)})"
            raise ApiError(403, "forbidden", message)
        return info

    async def observe(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Middleware: body-size limit, request id, Prometheus counters, one JSON log line per request."""
        started = time.perf_counter()
        request_id = _request_id(request)
        request.state.request_id = request_id
        length = request.headers.get("content-length")
        limit = self.settings.max_body_bytes
        if length is not None and (not length.isdigit() or int(length) > limit):
            message = f"request body of {length} bytes; the limit is {limit} (--max-body-bytes): send fewer texts"
            response: Response = _error(413, "too_large", message)
        else:
            try:
                response = await call_next(request)
            except Exception:
                log.exception("unhandled error", extra={"event": "error", "request_id": request_id})
                response = _error(500, "internal", f"internal error (request id {request_id}); it was logged")
        path = getattr(request.scope.get("route"), "path", "unmatched")
        if response.status_code >= 400 and self._runtime is not None and path.startswith("/v1/"):
            self._runtime.errors.append(self._error_record(request_id, path, response.status_code))
        seconds = time.perf_counter() - started
        self.metrics.requests.labels(path, str(response.status_code)).inc()
        self.metrics.latency.labels(path).observe(seconds)
        response.headers["X-Request-ID"] = request_id
        fields = {"event": "request", "request_id": request_id, "route": path, "method": request.method}
        log.info("request", extra=fields | {"status": response.status_code, "latency_ms": round(1000 * seconds, 2)})
        return response

    def _error_record(self, request_id: str, route: str, status: int) -> dict[str, Any]:
        return {
            "kind": "error", "id": str(uuid.uuid4()), "request_id": request_id, "route": route, "status": status,
            "error_type": ERROR_TYPES.get(status, "error"), "version_id": self.runtime.holder.current.info.id,
            "created_at": datetime.now(UTC).isoformat(),
        }  # fmt: skip

    async def predict(self, body: PredictRequest, request: Request) -> PredictResponse:
        r = self.runtime
        context = {"request_id": request.state.request_id, "received": time.perf_counter()}
        results = await r.batcher.submit(body.inputs, context)
        predictions = [Prediction(id=i, label=lab, probabilities=p, model_version=v) for i, lab, p, v in results]
        return PredictResponse(predictions=predictions, model_version=results[-1][3], request_id=request_id_of(request))

    async def feedback(self, body: FeedbackRequest) -> FeedbackResponse:
        r = self.runtime
        loop = asyncio.get_running_loop()
        labels = r.recent.get(body.prediction_id)
        # a sibling Ray replica's prediction reaches the database within a shipping round: wait that long for it
        deadline = time.monotonic() + (SIBLING_WAIT_S if self.settings.engine == "ray" else 0.0)
        while labels is None:
            try:
                labels = await loop.run_in_executor(None, _labels_of, self.ws, body.prediction_id)
            except SQLAlchemyError:
                message = "the workspace database is unavailable to look up this older prediction; retry later"
                raise ApiError(503, "unavailable", message, {"Retry-After": "5"}) from None
            if labels is not None or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.1)
        if labels is None:
            message = f"no prediction with id {body.prediction_id!r}; send an id that /v1/predict returned"
            raise ApiError(404, "unknown_prediction", message)
        if body.label not in labels:
            raise ApiError(
                422, "unknown_label", f"label {body.label!r} is not one of the model's labels {list(labels)}"
            )
        feedback_id = body.id or str(uuid.uuid4())
        record = {
            "kind": "feedback", "id": feedback_id, "prediction_id": body.prediction_id, "label": body.label,
            "source": "api", "created_at": datetime.now(UTC).isoformat(),
        }  # fmt: skip
        await loop.run_in_executor(None, r.journal.append, [record])
        self.metrics.feedback.inc()
        return FeedbackResponse(id=feedback_id, prediction_id=body.prediction_id)

    async def embeddings(self, body: EmbeddingsRequest, request: Request) -> EmbeddingsResponse:
        texts = [body.input] if isinstance(body.input, str) else body.input
        r = self.runtime
        served = r.holder.current
        embed = getattr(getattr(served.model, "adapted", None), "embed", None)
        vectors = await r.batcher.run_alone(embed, texts) if callable(embed) else None
        if vectors is None:
            message = (
                f"{served.version} ({served.info.method}) has no sentence encoder; serve an encoder model to embed"
            )
            raise ApiError(422, "wrong_task", message)
        n_words = sum(len(t.split()) for t in texts)  # usage is counted in words, not model tokens
        data = [Embedding(index=i, embedding=[round(float(x), 7) for x in v]) for i, v in enumerate(vectors)]
        return EmbeddingsResponse(
            data=data, model=served.version, usage=Usage(prompt_tokens=n_words, total_tokens=n_words)
        )

    async def chat(self, body: ChatRequest, request: Request) -> Response:
        r = self.runtime
        served = r.holder.current
        text = body.messages[0].content  # the schema allows exactly one user message
        generator = served.model.generator
        try:
            prompt = generator.prompt(text)
        except FmkitError as exc:
            raise ApiError(422, "invalid_request", str(exc)) from None
        base = generator.settings
        settings = replace(
            base,
            max_tokens=body.max_tokens or base.max_tokens,
            temperature=base.temperature if body.temperature is None else body.temperature,
        )
        context = {"request_id": request_id_of(request), "received": time.perf_counter()}
        if body.stream:
            return StreamingResponse(
                self._chat_stream(served, prompt, settings, text, context), media_type="text/event-stream"
            )
        answer, pid = await r.batcher.run_alone(self._generate, served, prompt, settings, text, context)
        choice = ChatChoice(message={"role": "assistant", "content": answer})
        return JSONResponse(
            ChatResponse(id=pid, created=int(time.time()), model=served.version, choices=[choice]).model_dump()
        )

    def _generate(
        self, served: Served, prompt: str, settings: Any, text: str, context: dict[str, Any]
    ) -> tuple[str, str]:
        from fmkit.llm.runtime import generate

        answer = generate(served.model.generator.runtime, prompt, settings).strip()
        return answer, self._log_generation(served, text, answer, context)

    def _log_generation(self, served: Served, text: str, answer: str, context: dict[str, Any]) -> str:
        pid = str(uuid.uuid4())
        record = {
            "kind": "prediction", "id": pid, "version_id": served.info.id, "request_id": context["request_id"],
            "input": redact(text) if self.settings.redact_logs else text, "output": answer, "probabilities": None,
            "latency_ms": round(1000 * (time.perf_counter() - context["received"]), 3),
            "created_at": datetime.now(UTC).isoformat(),
        }  # fmt: skip
        self.runtime.journal.append([record, *_drain(self.runtime.errors)])  # on disk before the answer ends
        self.metrics.predictions.labels(served.version).inc()
        return pid

    async def _chat_stream(
        self, served: Served, prompt: str, settings: Any, text: str, context: dict[str, Any]
    ) -> AsyncIterator[str]:
        """Server-sent events as OpenAI streams them: role, content pieces, a final chunk, [DONE]."""
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()

        def produce() -> str:
            parts = []
            try:
                for piece in served.model.generator.runtime.stream(prompt, settings):
                    parts.append(piece)
                    loop.call_soon_threadsafe(pieces.put_nowait, piece)
            finally:
                loop.call_soon_threadsafe(pieces.put_nowait, None)
            return self._log_generation(served, text, "".join(parts).strip(), context)

        job = asyncio.ensure_future(self.runtime.batcher.run_alone(produce))
        created, chunk_id = int(time.time()), f"chatcmpl-{context['request_id']}"

        def event(delta: dict[str, str], finish: str | None = None) -> str:
            chunk = {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": served.version,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
            return f"data: {json.dumps(chunk)}\n\n"

        yield event({"role": "assistant"})
        while (piece := await pieces.get()) is not None:
            yield event({"content": piece})
        await job
        yield event({}, "stop")
        yield "data: [DONE]\n\n"

    async def ready(self) -> Readiness:
        r = self.runtime
        return Readiness(
            ready=True,
            model=self.settings.name,
            version=r.holder.current.version,
            alias=self.settings.alias,
            log_backlog_bytes=r.shipper.backlog_bytes(),
            log_ship_errors=r.shipper.errors,
            log_ship_last_error=r.shipper.last_error,
        )

    async def prometheus(self) -> Response:
        r = self.runtime
        sizes, r.batcher.batch_sizes[:] = r.batcher.batch_sizes[:], []
        for size in sizes:
            self.metrics.batch_size.observe(size)
        self.metrics.swaps.set(r.holder.swaps)
        self.metrics.backlog.set(r.shipper.backlog_bytes())
        self.metrics.ship_errors.set(r.shipper.errors)
        return Response(generate_latest(self.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def create_app(settings: ServeSettings, ws: Workspace) -> FastAPI:
    server = Server(settings, ws)
    app = FastAPI(
        title="fmkit serve",
        version="1",
        lifespan=server.lifespan,
        description=f"Serving {settings.name}@{settings.alias or settings.version}.",
    )
    app.middleware("http")(server.observe)
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.get("/health", response_model=Health)(_health)
    app.get("/ready", response_model=Readiness, responses={503: {"model": ErrorResponse}})(server.ready)
    # a registered model's task never changes (the registry refuses it), so its routes are fixed here
    classifier = ws.version(settings.name, number=settings.version, alias=settings.alias).task == "classify"
    predict = Depends(server.require("predict"))
    if classifier:
        handler = _with_body(server.predict, predict_request(settings.max_inputs, settings.max_chars))
        app.post("/v1/predict", response_model=PredictResponse, responses=ERRORS, dependencies=[predict])(handler)
        embeddings = _with_body(
            server.embeddings, embeddings_request(settings.max_inputs, settings.max_chars), EmbeddingsResponse
        )
        app.post("/v1/embeddings", response_model=EmbeddingsResponse, responses=ERRORS, dependencies=[predict])(
            embeddings
        )
    else:
        chat = _with_body(server.chat, chat_request(settings.max_chars), Response)
        app.post("/v1/chat/completions", response_model=ChatResponse, responses=ERRORS, dependencies=[predict])(chat)
    feedback = Depends(server.require("feedback"))
    app.post("/v1/feedback", response_model=FeedbackResponse, responses=ERRORS, dependencies=[feedback])(
        server.feedback
    )
    if classifier:
        labeling.add_routes(app, server, ERRORS)
    app.get("/metrics", include_in_schema=False)(server.prometheus)
    return app


def _with_body(method: Callable[..., Any], body_type: type, returns: type = PredictResponse) -> Callable[..., Any]:
    """``method`` with its ``body`` parameter typed as ``body_type`` (a model built from the settings)."""

    async def route(body: Any, request: Request) -> Any:
        return await method(body, request)

    route.__annotations__ = {"body": body_type, "request": Request, "return": returns}
    route.__name__ = route.__qualname__ = getattr(method, "__name__", "route")
    return route


async def _health() -> Health:
    return Health(status="ok")


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return _error(exc.status, exc.kind, exc.message, exc.headers)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    return _error(422, "invalid_request", _describe(request, exc.errors()))


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = str(exc.detail)
    if exc.status_code == 400 and "parsing the body" in detail:  # e.g. bytes that are not UTF-8
        detail = f"the body could not be read as UTF-8 JSON (expected {EXAMPLES.get(request.url.path, 'JSON')})"
    elif exc.status_code == 404:
        detail = f"no route {request.url.path}; see /docs for the routes"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs"
    return _error(exc.status_code, "http_error", detail)


def request_id_of(request: Request) -> str:
    return str(request.state.request_id)


def _start(settings: ServeSettings, ws: Workspace, metrics: ServerMetrics) -> tuple[Runtime, Any]:
    def sink(records: list[dict[str, Any]]) -> None:
        write_records(ws.engine, records)

    directory, lock = _claim_journal(settings, sink)
    shipper = Shipper(directory, sink)
    shipper.ship_once()  # what a crashed predecessor acknowledged goes in before anything new
    holder = ModelHolder(ws, settings.name, alias=settings.alias, number=settings.version, backend=settings.backend)
    journal = Journal(directory)
    recent: OrderedDict[str, tuple[str, ...]] = OrderedDict()
    errors: deque[dict[str, Any]] = deque()

    def run(texts: list[str], contexts: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, float], str]]:
        served: Served = holder.current  # the whole batch runs on one version, even if a swap happens now
        proba = np.asarray(served.model.predict_proba(texts), dtype=np.float64)
        labels = tuple(served.model.labels)
        now, stamp = time.perf_counter(), datetime.now(UTC).isoformat()
        results, records = [], []
        for text, row, context in zip(texts, proba, contexts, strict=True):
            pid = str(uuid.uuid4())
            label = labels[int(row.argmax())]
            probabilities = {lab: round(float(p), 6) for lab, p in zip(labels, row, strict=True)}
            results.append((pid, label, probabilities, served.version))
            records.append({
                "kind": "prediction", "id": pid, "version_id": served.info.id, "request_id": context["request_id"],
                "input": redact(text) if settings.redact_logs else text, "output": label,
                "probabilities": probabilities, "latency_ms": round(1000 * (now - context["received"]), 3),
                "created_at": stamp,
            })  # fmt: skip
        journal.append(records + _drain(errors))  # on disk before any of these requests is answered
        for pid, *_ in results:
            recent[pid] = labels
        while len(recent) > 200_000:
            recent.popitem(last=False)
        metrics.predictions.labels(served.version).inc(len(texts))
        return results

    batcher = MicroBatcher(run, max_batch=settings.max_batch, max_wait_s=settings.max_wait_ms / 1000)
    batcher.start()
    shipper.start()
    metrics.version.labels(holder.current.version).set(1)
    return Runtime(holder, journal, shipper, batcher, recent, errors), lock


def _claim_journal(settings: ServeSettings, sink: Callable[[list[dict[str, Any]]], None]) -> tuple[Path, Any]:
    """Lock this server's journal directory (one writer each). Ray replicas share a root: each takes the first
    free ``slot-i`` under ``<root>/<host>/`` and ships the backlog of every unlocked slot (a replica that died,
    or one of a larger replica count than now) before it serves."""
    root = journal_dir(settings)
    if settings.engine != "ray":
        lock = _try_lock(root)
        if lock is None:
            raise WorkspaceError(f"another fmkit serve is using the journal {root}; stop it or pass --journal")
        return root, lock
    node = root / socket.gethostname()
    node.mkdir(parents=True, exist_ok=True)
    slot = 0
    while (lock := _try_lock(node / f"slot-{slot}")) is None:
        slot += 1
    for other in sorted(node.glob("slot-*")):
        if other != node / f"slot-{slot}" and (orphan := _try_lock(other)) is not None:
            try:
                Shipper(other, sink).ship_once()
            finally:
                orphan.close()
    return node / f"slot-{slot}", lock


def _try_lock(directory: Path) -> Any:
    """An exclusive lock on ``directory`` held by the returned open file, or None when another process has it."""
    directory.mkdir(parents=True, exist_ok=True)
    lock = (directory / "lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def _drain(queue: deque[dict[str, Any]]) -> list[dict[str, Any]]:
    taken = []
    while queue:  # popleft is atomic: a record appended meanwhile is taken now or next time, never lost
        taken.append(queue.popleft())
    return taken


async def _watch(runtime: Runtime, poll_s: float) -> None:
    """Every ``poll_s``: write the error records no prediction batch has carried, and follow the alias."""
    holder = runtime.holder
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(max(poll_s, 0.05))
        if runtime.errors:
            await loop.run_in_executor(None, runtime.journal.append, _drain(runtime.errors))
        try:
            await loop.run_in_executor(None, holder.refresh)
        except Exception as exc:  # a bad new version must not take the server down: keep the old one
            fields = {"event": "swap_failed", "error": f"{type(exc).__name__}: {exc}"}
            log.error("hot swap failed; still serving the old version", extra=fields)


def _labels_of(ws: Workspace, prediction_id: str) -> tuple[str, ...] | None:
    with ws.session() as s:
        version = s.scalar(
            select(Version)
            .join(PredictionRow, PredictionRow.version_id == Version.id)
            .where(PredictionRow.id == prediction_id)
        )
        return tuple(version.labels) if version is not None else None


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    return given if 0 < len(given) <= 64 and given.replace("-", "").isalnum() else uuid.uuid4().hex


EXAMPLES = {
    "/v1/predict": '{"inputs": ["text", ...]}',
    "/v1/feedback": '{"prediction_id": "<id from /v1/predict>", "label": "<one of the labels>"}',
    "/v1/label": '{"task_id": 1, "label": "<one of the labels>", "who": "<your name>"}',
    "/v1/label/skip": '{"task_id": 1, "who": "<your name>"}',
    "/v1/label/undo": '{"who": "<your name>"}',
}


def _describe(request: Request, errors: Any) -> str:
    example = EXAMPLES.get(request.url.path, "the body shown in /docs")
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type:
        return f"expected a JSON body with Content-Type: application/json, got {content_type or 'no content type'!r}"
    parts = []
    for e in list(errors)[:5]:
        if e.get("type") == "json_invalid":
            parts.append("the body is not valid JSON")
            continue
        parts.append(_explain(e))
    return "; ".join(parts) + f" (expected {example}; see /docs)"


def _explain(error: Any) -> str:
    """One validation problem in words, with the server flag behind a limit."""
    loc = [x for x in error.get("loc", ()) if x != "body"]
    where = ".".join(str(x) for x in loc) or "body"
    item = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".")  # inputs[1], input[0]
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if loc == ["inputs"] and kind == "too_short":
        return "inputs is empty: send at least one text"
    if loc == ["inputs"] and kind == "too_long":
        return f"too many inputs in one request; the limit is {ctx.get('max_length')} (--max-inputs): split it"
    if kind == "string_too_long":
        flag = " (--max-chars)" if loc and loc[0] in TEXT_FIELDS else ""  # other fields' limits are fixed, not flags
        return f"{item} is longer than {ctx.get('max_length')} characters{flag}: shorten or split it"
    if kind == "string_too_short" or (kind == "string_pattern_mismatch" and ctx.get("pattern") in BLANK_PATTERNS):
        return f"{item} is empty or blank: send non-empty text"  # the texts' schema: at least one non-space
    return f"{where}: {error.get('msg', 'invalid')}"


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status, headers=headers)

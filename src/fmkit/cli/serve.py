"""``fmkit serve`` and ``fmkit keys``: the HTTP server over a registered model, and its API keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmkit.cli._output import emit_json, err, out


def serve(
    model: Annotated[str, typer.Option("--model", help="The registered model name (fmkit registry list).")],
    alias: Annotated[str | None, typer.Option(help="Follow this alias; the server swaps when it moves.")] = None,
    version: Annotated[int | None, typer.Option(help="Serve this fixed version instead of an alias.")] = None,
    host: Annotated[str, typer.Option(help="Address to bind; non-loopback needs --auth.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    max_batch: Annotated[int, typer.Option(help="Most inputs merged into one model call.")] = 32,
    max_wait_ms: Annotated[float, typer.Option(help="How long a batch waits for more requests.")] = 5.0,
    max_inputs: Annotated[int, typer.Option(help="Most texts per request.")] = 256,
    max_chars: Annotated[int, typer.Option(help="Most characters per text.")] = 10_000,
    max_body_bytes: Annotated[int, typer.Option(help="Largest request body.")] = 4_000_000,
    auth: Annotated[bool, typer.Option("--auth", help="Require an API key (fmkit keys create).")] = False,
    allow_unauthenticated: Annotated[
        bool, typer.Option("--allow-unauthenticated", help="Allow a non-loopback --host without --auth.")
    ] = False,
    rate_limit: Annotated[float, typer.Option(help="Requests per second per client; 0 = no limit.")] = 0.0,
    redact_logs: Annotated[
        bool, typer.Option("--redact-logs", help="Mask emails, phone/card numbers... in logged inputs.")
    ] = False,
    poll_s: Annotated[float, typer.Option(help="Seconds between checks of the alias.")] = 2.0,
    key_cache_s: Annotated[float, typer.Option(help="Seconds a verified key is trusted (revocation delay).")] = 5.0,
    journal: Annotated[Path | None, typer.Option(help="Prediction journal directory.")] = None,
    backend: Annotated[
        str, typer.Option(help="fp32, or int8: dynamic quantization of an encoder classifier.")
    ] = "fp32",
    engine: Annotated[
        str, typer.Option(help="uvicorn (one process), or ray: --replicas copies behind Ray Serve's proxy.")
    ] = "uvicorn",
    replicas: Annotated[int, typer.Option(help="Ray Serve replicas (--engine ray).")] = 1,
    replica_cpus: Annotated[
        float | None, typer.Option(help="CPUs per replica (--engine ray); default: this machine's / --replicas.")
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="Deploy on this Ray cluster ('auto', ray://head:10001); default: a local one.")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug | info | warning | error")] = "info",
) -> None:
    """Serve a registered model over HTTP: /v1/predict, /v1/feedback, /health, /ready, /metrics, /docs.

    Example: fmkit serve --model tickets --alias champion --port 8000
    Scale out: fmkit serve --model tickets --engine ray --replicas 2
    """
    import uvicorn

    from fmkit.serving import jsonlog
    from fmkit.serving.app import create_app
    from fmkit.serving.settings import ServeSettings
    from fmkit.workspace import Workspace

    settings = ServeSettings(
        name=model, alias=alias if alias is not None or version is not None else "champion", version=version,
        host=host, port=port, max_batch=max_batch, max_wait_ms=max_wait_ms, max_inputs=max_inputs,
        max_chars=max_chars, max_body_bytes=max_body_bytes, auth=auth, allow_unauthenticated=allow_unauthenticated,
        rate_limit=rate_limit, redact_logs=redact_logs, poll_s=poll_s, key_cache_s=key_cache_s, journal=journal,
        backend=backend, engine=engine, replicas=replicas, replica_cpus=replica_cpus, ray_address=ray_address,
    )  # fmt: skip
    ws = Workspace.open()
    ws.version(model, number=version, alias=settings.alias)  # an unknown model or alias fails before binding
    jsonlog.configure(log_level)
    where = f"{model}@{settings.alias or version} on http://{host}:{port} (docs at /docs)"
    if settings.engine == "ray":
        from fmkit.serving.ray_engine import serve_with_ray

        err.print(f"starting {settings.replicas} Ray Serve replica(s) of {model}...")
        serve_with_ray(settings, log_level, lambda: err.print(f"serving {where} with {settings.replicas} replica(s)"))
        return
    err.print(f"serving {where}")
    uvicorn.run(
        create_app(settings, ws), host=host, port=port, log_config=None, access_log=False, timeout_graceful_shutdown=30
    )


keys_app = typer.Typer(no_args_is_help=True, help="API keys for fmkit serve --auth: create, list, revoke.")


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A name for the key's holder, e.g. billing-service.")],
    scope: Annotated[str, typer.Option(help="Comma-separated: predict, feedback, admin.")] = "predict,feedback",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an API key; it is printed once and stored only as a hash.

    Example: fmkit keys create billing-service --scope predict
    """
    from fmkit.workspace import Workspace
    from fmkit.workspace.keys import create_key

    info, key = create_key(Workspace.open(), name, tuple(s.strip() for s in scope.split(",") if s.strip()))
    if as_json:
        emit_json({**info.to_dict(), "key": key})
        return
    out.print(key)
    err.print(f"created key {name!r} (scopes {', '.join(info.scopes)}); store it now, it is not shown again")


@keys_app.command("list")
def list_keys(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List API keys (names, scopes, revoked or not; never the keys)."""
    from fmkit.workspace import Workspace
    from fmkit.workspace.keys import list_keys as listed

    rows = [k.to_dict() for k in listed(Workspace.open())]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        out.print(f"{row['name']:<24} {','.join(row['scopes']):<24} {'revoked' if row['revoked'] else 'active'}")


@keys_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke an API key for good (servers refuse it within --key-cache-s seconds)."""
    from fmkit.workspace import Workspace
    from fmkit.workspace.keys import revoke_key

    revoke_key(Workspace.open(), name)
    out.print(f"revoked {name!r}")

"""``fmkit serve --engine ray``: the same app in N Ray Serve replicas behind Ray's HTTP proxy.

Each replica builds the app exactly as the one-process server does (:func:`fmkit.serving.app.create_app`: the
model, micro-batcher, journal, shipper, alias polling and hot swap) in a process of its own, with torch limited
to its share of the CPUs. Replicas on one node share the journal root, each in a slot it locks; every replica
writes to the one workspace database. On several nodes that database must be PostgreSQL (``FMKIT_DB_URL``) and
``$FMKIT_HOME`` (the artifact store) a path every node can read: see docs/serving.md.

Without ``--ray-address`` a Ray instance is started on this machine for the server's lifetime; with one, the
app is deployed on that cluster and deleted from it when the command stops (SIGINT or SIGTERM), after the
replicas drained their journals.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from fmkit._home import fmkit_home
from fmkit.serving.settings import ServeSettings

FORWARDED_ENV = ("FMKIT_DB_URL", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TOKENIZERS_PARALLELISM")


class Replica:
    """One Ray Serve replica: Ray calls ``__serve_build_asgi_app__`` in the replica's process to get the app."""

    def __init__(self, settings: ServeSettings, threads: int, log_level: str) -> None:
        self.settings, self.threads, self.log_level = settings, threads, log_level

    def __serve_build_asgi_app__(self) -> Any:
        import torch

        from fmkit.serving import jsonlog
        from fmkit.serving.app import create_app
        from fmkit.workspace import Workspace

        torch.set_num_threads(self.threads)
        jsonlog.configure(self.log_level)
        return create_app(self.settings, Workspace.open())


def replica_cpus(settings: ServeSettings) -> float:
    """CPUs reserved per replica: ``--replica-cpus``, else this machine's cores shared evenly."""
    if settings.replica_cpus is not None:
        return settings.replica_cpus
    return round((os.cpu_count() or 1) / settings.replicas, 3)


def serve_with_ray(settings: ServeSettings, log_level: str, ready: Callable[[], None]) -> None:
    """Deploy the app with ``settings.replicas`` replicas, call ``ready`` once every replica serves, and block
    until SIGINT or SIGTERM; then remove the deployment (each replica drains its journal on the way out)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray
    from ray import serve

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}
    env["FMKIT_HOME"] = str(fmkit_home())
    cpus = replica_cpus(settings)
    app_name = f"fmkit-{settings.name}"
    ray.init(
        address=settings.ray_address,
        runtime_env={"env_vars": env},
        include_dashboard=False,
        configure_logging=False,
        log_to_driver=True,
    )
    # after ray.init, which installs a handler that aborts the driver on SIGTERM
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        serve.start(http_options={"host": settings.host, "port": settings.port})
        deployment = serve.deployment(
            name=app_name,
            num_replicas=settings.replicas,
            ray_actor_options={"num_cpus": cpus},
            # the micro-batcher needs many requests in flight per replica to form batches
            max_ongoing_requests=max(64, 4 * settings.max_batch),
            graceful_shutdown_timeout_s=30,
        )(serve.ingress()(Replica))
        serve.run(deployment.bind(settings, max(1, int(cpus)), log_level), name=app_name, route_prefix="/")
        ready()
        while not stop.wait(0.5):
            pass
    finally:
        try:
            if settings.ray_address is None:
                serve.shutdown()  # type: ignore[no-untyped-call]
            else:
                serve.delete(app_name)
        finally:
            ray.shutdown()  # type: ignore[no-untyped-call]
            for sig, handler in previous.items():
                signal.signal(sig, handler)

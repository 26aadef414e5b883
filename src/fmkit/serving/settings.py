"""``fmkit serve`` settings, validated once at start-up with every problem reported together."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from fmkit.errors import ConfigError


@dataclass(frozen=True)
class ServeSettings:
    """What to serve and how. Limits protect the server; the defaults suit a 2-core CPU box."""

    name: str  #: registered model name
    alias: str | None = "champion"  #: follow this alias (hot swap when it moves); None with ``version``
    version: int | None = None  #: serve this fixed version instead of an alias
    host: str = "127.0.0.1"
    port: int = 8000
    max_batch: int = 32  #: inputs merged into one model call
    max_wait_ms: float = 5.0  #: how long the first request of a batch waits for company
    max_inputs: int = 256  #: texts per request
    max_chars: int = 10_000  #: characters per text
    max_body_bytes: int = 4_000_000  #: request body size
    auth: bool = False  #: require an API key (``fmkit keys create``)
    allow_unauthenticated: bool = False  #: allow a non-loopback host without --auth
    rate_limit: float = 0.0  #: requests per second per client (API key or address); 0 = off
    redact_logs: bool = False  #: replace emails, phone and card numbers... in logged inputs
    poll_s: float = 2.0  #: how often the alias is checked for a new version
    key_cache_s: float = 5.0  #: how long a verified API key is trusted before it is checked again
    journal: Path | None = None  #: the prediction journal directory (default under $FMKIT_HOME)
    backend: str = "fp32"  #: fp32 | int8 (dynamic quantization of an encoder classifier's linear layers)
    engine: str = "uvicorn"  #: uvicorn (one process) | ray (Ray Serve replicas behind Ray's HTTP proxy)
    replicas: int = 1  #: Ray Serve replicas of the app (engine ray)
    replica_cpus: float | None = None  #: CPUs reserved per replica (engine ray); default: this machine's / replicas
    ray_address: str | None = None  #: an existing Ray cluster ("auto", "ray://head:10001"); default: start one here

    def __post_init__(self) -> None:
        problems = []
        if (self.alias is None) == (self.version is None):
            problems.append("give exactly one of --alias and --version")
        if not 0 < self.port < 65536:
            problems.append(f"--port must be 1..65535, got {self.port}")
        for flag, value, low in (
            ("--max-batch", self.max_batch, 1),
            ("--max-inputs", self.max_inputs, 1),
            ("--max-chars", self.max_chars, 1),
            ("--max-body-bytes", self.max_body_bytes, 1024),
        ):
            if value < low:
                problems.append(f"{flag} must be >= {low}, got {value}")
        for flag, number in (("--max-wait-ms", self.max_wait_ms), ("--rate-limit", self.rate_limit)):
            if number < 0:
                problems.append(f"{flag} must be >= 0, got {number}")
        for flag, number in (("--poll-s", self.poll_s), ("--key-cache-s", self.key_cache_s)):
            if number < 0:
                problems.append(f"{flag} must be >= 0, got {number}")
        if not self.auth and not self.allow_unauthenticated and not _loopback(self.host):
            problems.append(
                f"--host {self.host} exposes the server beyond this machine without --auth; "
                "add --auth (and create keys with `fmkit keys create`) or pass --allow-unauthenticated"
            )
        if self.backend not in ("fp32", "int8"):
            problems.append(f"--backend must be fp32 or int8, got {self.backend!r}")
        if self.engine not in ("uvicorn", "ray"):
            problems.append(f"--engine must be uvicorn or ray, got {self.engine!r}")
        if self.replicas < 1:
            problems.append(f"--replicas must be >= 1, got {self.replicas}")
        if self.engine != "ray" and (self.replicas != 1 or self.replica_cpus is not None or self.ray_address):
            problems.append("--replicas, --replica-cpus and --ray-address need --engine ray")
        if self.replica_cpus is not None and self.replica_cpus <= 0:
            problems.append(f"--replica-cpus must be > 0, got {self.replica_cpus}")
        if problems:
            raise ConfigError(problems)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

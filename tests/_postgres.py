"""A real, throw-away PostgreSQL server for the tests: ``initdb`` + ``pg_ctl`` into a temporary directory.

Debian's ``postgresql`` package provides the binaries (``scripts/postgres.sh`` installs it; CI runs it).
Without them the PostgreSQL tests skip, unless ``FMKIT_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns the
skip into a failure, so CI can never pass by skipping them. PostgreSQL refuses to run as root: under root
the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Start a server on a free loopback port; yield a SQLAlchemy URL to its empty ``fmkit`` database."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) not found; run scripts/postgres.sh to install them"
        if os.environ.get("FMKIT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="fmkit-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    log = root / "server.log"

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "fmkit", "--no-sync", "-E", "UTF8")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "fmkit", "fmkit")
        yield f"postgresql+psycopg://fmkit@127.0.0.1:{port}/fmkit"
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)

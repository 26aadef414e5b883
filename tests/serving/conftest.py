"""Real servers for the serving tests: ``python -m fmkit serve`` in a child process on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fmkit.workspace import Workspace
from tests._postgres import _free_port


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    home: Path
    db_url: str | None

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, headers=headers)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def registered_home(root: Path, artifacts: list[Path], db_url: str | None = None) -> Path:
    """A workspace with ``tickets`` v1 (linear probe, champion) and v2 (zero-shot, challenger)."""
    home = root / "home"
    ws = Workspace.open(db_url, home=home)
    ws.add(artifacts[0], name="tickets")
    ws.add(artifacts[1], name="tickets")
    ws.set_alias("tickets", "champion", 1)
    ws.set_alias("tickets", "challenger", 2)
    ws.engine.dispose()
    return home


def start_server(home: Path, *args: str, db_url: str | None = None, port: int | None = None) -> Running:
    port = port or _free_port()
    env = {**os.environ, "FMKIT_HOME": str(home), "HF_HUB_OFFLINE": "1", "FMKIT_PROGRESS": "0"}
    env.pop("FMKIT_DB_URL", None)
    if db_url:
        env["FMKIT_DB_URL"] = db_url
    log = home / f"server-{port}-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "fmkit", "serve", "--model", "tickets", "--port", str(port), *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    running = Running(f"http://127.0.0.1:{port}", process, log, home, db_url)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{running.url}/ready", timeout=2).status_code == 200:
                return running
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError(f"server not ready after 180 s: {log.read_text()[-2000:]}")


def stop(running: Running) -> None:
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGTERM)
        try:
            running.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            running.process.kill()


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def factory(home: Path, *args: str, db_url: str | None = None, port: int | None = None) -> Running:
        running = start_server(home, *args, db_url=db_url, port=port)
        started.append(running)
        return running

    yield factory
    for running in started:
        stop(running)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory, artifacts: list[Path]) -> Iterator[Running]:
    """One plain server (SQLite workspace) for the tests that only send requests."""
    home = registered_home(tmp_path_factory.mktemp("served"), artifacts)
    running = start_server(home, "--alias", "champion")
    yield running
    stop(running)

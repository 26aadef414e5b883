"""The served model and its hot swap: follow a registry alias, load a new version beside the old one, switch.

Each batch takes the current :class:`Served` once, at its start, and finishes on it; the swap replaces the
reference between batches (one assignment, atomic in Python). So requests in flight complete on the old
version, later ones run on the new one, and none fails or waits for the load: the new version is loaded in
the watcher's thread while the old one keeps serving.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from fmkit.workspace.registry import VersionInfo, Workspace

log = logging.getLogger("fmkit.serve")


@dataclass(frozen=True)
class Served:
    info: VersionInfo
    model: Any  # fmkit.AdaptedModel (classifiers) or a GeneratorModel (LLM tasks)

    @property
    def version(self) -> str:
        return self.info.ref


def load_version(ws: Workspace, info: VersionInfo, backend: str = "fp32") -> Served:
    """The stored artifact of ``info``, loaded as a classifier (run with ``backend``) or, for generation
    tasks, as a generator."""
    directory = ws.store.get(info.digest)
    if info.task == "classify":
        from fmkit.api import load
        from fmkit.serving.backends import apply_backend

        return Served(info, apply_backend(load(directory), backend))
    from fmkit.generation.api import load_generator

    return Served(info, load_generator(directory))


class ModelHolder:
    """Serves ``name`` at ``alias`` (or a fixed ``number``); :meth:`refresh` swaps when the alias moves."""

    def __init__(
        self, ws: Workspace, name: str, *, alias: str | None, number: int | None, backend: str = "fp32"
    ) -> None:
        self.ws, self.name, self.alias, self.number, self.backend = ws, name, alias, number, backend
        self.current = load_version(ws, ws.version(name, number=number, alias=alias), backend)
        self.swaps = 0
        self._lock = threading.Lock()  # one refresh at a time

    def refresh(self) -> bool:
        """Load and switch to the version the alias points at now, if it changed; True when it swapped."""
        if self.alias is None:
            return False
        with self._lock:
            target = self.ws.version(self.name, alias=self.alias)
            if target.digest == self.current.info.digest:
                return False
            replacement = load_version(self.ws, target, self.backend)
            previous, self.current = self.current, replacement
            self.swaps += 1
        log.info(
            "model swapped",
            extra={"event": "swap", "from_version": previous.version, "to_version": replacement.version},
        )
        return True

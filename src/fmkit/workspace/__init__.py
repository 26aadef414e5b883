"""The workspace: a database (SQLite in ``$FMKIT_HOME`` or PostgreSQL by ``FMKIT_DB_URL``) holding the model
registry, runs and metrics, the prediction and feedback logs and the audit log, beside a content-addressed
artifact store. Importing this package loads nothing heavy; ``Workspace.open()`` connects and migrates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fmkit.workspace.registry import VersionInfo, Workspace

__all__ = ["VersionInfo", "Workspace"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from fmkit.workspace import registry

        return getattr(registry, name)
    raise AttributeError(name)

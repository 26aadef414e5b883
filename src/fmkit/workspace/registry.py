"""The model registry: named models, numbered immutable versions, movable aliases, lineage, an audit trail.

>>> ws = Workspace.open()                                  # $FMKIT_HOME, or FMKIT_DB_URL  # doctest: +SKIP
>>> v = ws.add("runs/tickets", name="tickets")            # copies into the store: version 1  # doctest: +SKIP
>>> ws.set_alias("tickets", "champion", v.number)          # doctest: +SKIP
>>> ws.artifact("tickets", alias="champion")               # the stored, verified directory  # doctest: +SKIP

Every change runs in one transaction together with its audit entry and alias event: a failure leaves the
database as it was. ``promote`` moves ``champion`` to the challenger's version; ``rollback`` moves an alias
back to the version it held before its last change.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fmkit._home import fmkit_home
from fmkit.artifacts import read_manifest
from fmkit.errors import ConfigError, WorkspaceError
from fmkit.workspace.db import connect, database_url, migrate
from fmkit.workspace.schema import Alias, AliasEvent, AuditEntry, Model, Version, utcnow
from fmkit.workspace.store import ArtifactStore

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
ALIAS = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class VersionInfo:
    """A registered version as the CLI and the server see it (no database session attached)."""

    model: str
    number: int
    digest: str
    method: str
    base_model: str
    task: str
    labels: list[Any]
    metrics: dict[str, Any]
    data_fingerprint: str | None
    parent: str | None  # "name:number" when the parent is registered, else the artifact's own reference
    source: str
    created_by: str
    created_at: datetime
    id: int  # the database row, which the prediction log points at
    aliases: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.model}:{self.number}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "version": self.number, "ref": self.ref, "digest": self.digest,
            "method": self.method, "base_model": self.base_model, "task": self.task, "labels": self.labels,
            "metrics": self.metrics, "data_fingerprint": self.data_fingerprint, "parent": self.parent,
            "source": self.source, "created_by": self.created_by, "created_at": self.created_at.isoformat(),
            "aliases": self.aliases,
        }  # fmt: skip


class Workspace:
    """The registry over one database and one artifact store."""

    def __init__(self, engine: Engine, store: ArtifactStore) -> None:
        self.engine = engine
        self.store = store
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, home: Path | None = None) -> Workspace:
        """The workspace in ``home`` (default ``$FMKIT_HOME``) with the database at ``url`` (default
        ``$FMKIT_DB_URL`` or ``home/workspace.db``), migrated to the current schema."""
        home = home if home is not None else fmkit_home()
        engine = connect(database_url(url, home))
        migrate(engine)
        return cls(engine, ArtifactStore(home / "store"))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        with self._sessions.begin() as session:
            yield session

    # -- reading ---------------------------------------------------------------------------------------

    def models(self) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.scalars(select(Model).order_by(Model.name)).all()
            return [
                {
                    "name": m.name,
                    "task": m.task,
                    "n_versions": len(m.versions),
                    "latest": m.versions[-1].number if m.versions else None,
                    "aliases": {a.name: a.version.number for a in m.aliases},
                }
                for m in rows
            ]

    def versions(self, name: str) -> list[VersionInfo]:
        with self.session() as s:
            model = self._model(s, name)
            return [_info(v) for v in model.versions]

    def version(self, name: str, *, number: int | None = None, alias: str | None = None) -> VersionInfo:
        """One version by number, by alias, or the latest when neither is given."""
        with self.session() as s:
            return _info(self._version(s, self._model(s, name), number, alias))

    def artifact(self, name: str, *, number: int | None = None, alias: str | None = None) -> Path:
        """The stored, verified artifact directory of a version."""
        return self.store.get(self.version(name, number=number, alias=alias).digest)

    def history(self, name: str) -> list[dict[str, Any]]:
        """Every alias change of ``name``, oldest first."""
        with self.session() as s:
            model = self._model(s, name)
            numbers = {v.id: v.number for v in model.versions}
            events = s.scalars(select(AliasEvent).where(AliasEvent.model_id == model.id).order_by(AliasEvent.id))
            return [
                {
                    "alias": e.alias, "action": e.action, "version": numbers[e.version_id],
                    "previous": numbers.get(e.previous_version_id or -1), "at": e.at.isoformat(),
                }
                for e in events
            ]  # fmt: skip

    # -- changing --------------------------------------------------------------------------------------

    def add(self, directory: str | Path, *, name: str, parent: str | None = None) -> VersionInfo:
        """Register the artifact in ``directory`` as the next version of ``name`` (created if new).

        The artifact is verified and copied into the store first; registering the same content twice
        returns the existing version. ``parent`` ("name:number" or "name@alias") records lineage; without
        it, the artifact's own ``parent`` field is used when it names a registered version.
        """
        _check_name(name)
        directory = Path(directory).expanduser().resolve()
        manifest = read_manifest(directory, verify=True)
        digest = self.store.put(directory)
        parent_ref = parent or manifest.get("parent")
        for attempt in range(5):  # two writers racing for the same version number: the loser retries
            try:
                with self.session() as s:
                    model = s.scalar(select(Model).where(Model.name == name))
                    if model is None:
                        model = Model(name=name, task=manifest["task"])
                        s.add(model)
                        s.flush()
                    elif model.task != manifest["task"]:
                        raise ConfigError(
                            f"model {name!r} holds {model.task} artifacts; {directory} is a {manifest['task']} "
                            "artifact: register it under another --name"
                        )
                    existing = s.scalar(select(Version).where(Version.model_id == model.id, Version.digest == digest))
                    if existing is not None:
                        return _info(existing)
                    version = self._new_version(s, model, manifest, digest, directory, parent_ref, parent is not None)
                    self._audit(s, "registry.add", version, {"digest": digest, "source": str(directory)})
                    s.flush()
                    return _info(version)
            except IntegrityError:
                if attempt == 4:
                    raise WorkspaceError(f"could not register {name!r}: the database kept refusing the row") from None
        raise AssertionError("unreachable")

    def set_alias(self, name: str, alias: str, number: int | None = None) -> VersionInfo:
        """Point ``alias`` at version ``number`` of ``name`` (the latest version when omitted)."""
        if not ALIAS.match(alias):
            raise ConfigError(
                f"alias {alias!r} is not valid; use lowercase letters, digits, '-' and '_', starting with a letter"
            )
        with self.session() as s:
            model = self._model(s, name)
            version = self._version(s, model, number, None)
            self._move(s, model, alias, version, "alias")
            return _info(version)

    def promote(self, name: str, *, source: str = "challenger", target: str = "champion") -> VersionInfo:
        """Point ``target`` at the version ``source`` points at."""
        with self.session() as s:
            model = self._model(s, name)
            version = self._version(s, model, None, source)
            current = _alias_row(model, target)
            if current is not None and current.version_id == version.id:
                raise WorkspaceError(f"{name}@{target} is already version {version.number}; nothing to promote")
            self._move(s, model, target, version, "promote")
            return _info(version)

    def rollback(self, name: str, *, alias: str = "champion") -> VersionInfo:
        """Point ``alias`` back at the version it held before its last change."""
        with self.session() as s:
            model = self._model(s, name)
            last = s.scalar(
                select(AliasEvent)
                .where(AliasEvent.model_id == model.id, AliasEvent.alias == alias, AliasEvent.action != "rollback")
                .order_by(AliasEvent.id.desc())
            )
            current = _alias_row(model, alias)
            if last is None or last.previous_version_id is None or current is None:
                raise WorkspaceError(
                    f"{name}@{alias} has no earlier version to roll back to (see `fmkit registry show`)"
                )
            if current.version_id != last.version_id:  # already rolled back; walk further back
                raise WorkspaceError(
                    f"{name}@{alias} was already rolled back from version {_number(s, last.version_id)}; "
                    "set it explicitly with `fmkit registry alias`"
                )
            version = s.get_one(Version, last.previous_version_id)
            self._move(s, model, alias, version, "rollback")
            return _info(version)

    # -- internals -------------------------------------------------------------------------------------

    def _new_version(
        self,
        s: Session,
        model: Model,
        manifest: dict[str, Any],
        digest: str,
        directory: Path,
        parent_ref: str | None,
        parent_required: bool,
    ) -> Version:
        parent = self._resolve_ref(s, parent_ref) if parent_ref else None
        if parent_ref and parent is None and parent_required:
            raise WorkspaceError(f"--parent {parent_ref!r} is not a registered version; use NAME:VERSION or NAME@ALIAS")
        number = (s.scalar(select(func.max(Version.number)).where(Version.model_id == model.id)) or 0) + 1
        base = manifest["base_model"]
        version = Version(
            model=model,
            number=number,
            digest=digest,
            method=manifest["method"],
            base_model=str(base.get("id", base)) if isinstance(base, dict) else str(base),
            labels=list(manifest["labels"]),
            metrics={k: v for k, v in (manifest.get("metrics") or {}).items() if isinstance(v, int | float)},
            data_fingerprint=(manifest.get("data") or {}).get("fingerprint"),
            parent=parent,
            parent_ref=parent_ref,
            source=str(directory),
            created_by=current_actor(),
        )
        s.add(version)
        return version

    def _resolve_ref(self, s: Session, ref: str) -> Version | None:
        match = re.match(r"^([^:@]+)(?::(\d+)|@([a-z][a-z0-9_-]*))$", ref)
        if match is None:
            return None
        model = s.scalar(select(Model).where(Model.name == match.group(1)))
        if model is None:
            return None
        try:
            return self._version(s, model, int(match.group(2)) if match.group(2) else None, match.group(3))
        except WorkspaceError:
            return None

    @staticmethod
    def _model(s: Session, name: str) -> Model:
        model = s.scalar(select(Model).where(Model.name == name))
        if model is None:
            known = s.scalars(select(Model.name).order_by(Model.name).limit(10)).all()
            hint = f"registered: {', '.join(known)}" if known else "the registry is empty"
            raise WorkspaceError(f"no model named {name!r} ({hint}); register one with `fmkit registry add DIR --name`")
        return model

    @staticmethod
    def _version(s: Session, model: Model, number: int | None, alias: str | None) -> Version:
        if alias is not None:
            row = _alias_row(model, alias)
            if row is None:
                names = ", ".join(a.name for a in model.aliases) or "none"
                raise WorkspaceError(
                    f"{model.name!r} has no alias {alias!r} (its aliases: {names}); set one with "
                    f"`fmkit registry alias {model.name} {alias}`"
                )
            return row.version
        if not model.versions:
            raise WorkspaceError(f"{model.name!r} has no versions")
        if number is None:
            return model.versions[-1]
        for version in model.versions:
            if version.number == number:
                return version
        raise WorkspaceError(
            f"{model.name!r} has no version {number} (it has 1..{model.versions[-1].number}); see `fmkit registry show`"
        )

    def _move(self, s: Session, model: Model, alias: str, version: Version, action: str) -> None:
        row = _alias_row(model, alias)
        previous = row.version_id if row is not None else None
        if row is None:
            row = Alias(model=model, name=alias, version=version)
            s.add(row)
        else:
            row.version = version
            row.updated_at = utcnow()
        s.add(
            AliasEvent(
                model_id=model.id, alias=alias, action=action, version_id=version.id, previous_version_id=previous
            )
        )
        self._audit(s, f"registry.{action}", version, {"alias": alias, "previous_version": _number(s, previous)})

    @staticmethod
    def _audit(s: Session, action: str, version: Version, detail: dict[str, Any]) -> None:
        s.flush()
        s.add(
            AuditEntry(
                actor=current_actor(), action=action, target=f"{version.model.name}:{version.number}", detail=detail
            )
        )


def _alias_row(model: Model, alias: str) -> Alias | None:
    return next((a for a in model.aliases if a.name == alias), None)


def _number(s: Session, version_id: int | None) -> int | None:
    return None if version_id is None else s.get_one(Version, version_id).number


def _info(v: Version) -> VersionInfo:
    parent = f"{v.parent.model.name}:{v.parent.number}" if v.parent is not None else v.parent_ref
    return VersionInfo(
        model=v.model.name, number=v.number, digest=v.digest, method=v.method, base_model=v.base_model,
        task=v.model.task, labels=list(v.labels), metrics=dict(v.metrics), data_fingerprint=v.data_fingerprint,
        parent=parent, source=v.source, created_by=v.created_by, created_at=v.created_at, id=v.id,
        aliases=sorted(a.name for a in v.model.aliases if a.version_id == v.id),
    )  # fmt: skip


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise ConfigError(
            f"model name {name!r} is not valid; use 1-100 lowercase letters, digits, '.', '-' and '_' (e.g. tickets)"
        )


def current_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"

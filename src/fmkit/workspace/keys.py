"""Server API keys: ``fmk_<prefix>_<secret>``, shown once; the database keeps the prefix and a sha256 of the key.

The secret has 256 bits of entropy, so a plain sha256 (not a slow password hash) is enough to make a leaked
table useless, and it keeps verification cheap on the request path. Scopes: ``predict`` (predict, embed,
chat), ``feedback``, ``admin`` (everything).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from fmkit.errors import ConfigError, WorkspaceError
from fmkit.workspace.registry import Workspace, current_actor
from fmkit.workspace.schema import ApiKey, AuditEntry, utcnow

SCOPES = ("predict", "feedback", "admin")
KEY = re.compile(r"^fmk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class KeyInfo:
    name: str
    prefix: str
    scopes: tuple[str, ...]
    revoked: bool

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "prefix": self.prefix, "scopes": list(self.scopes), "revoked": self.revoked}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(ws: Workspace, name: str, scopes: tuple[str, ...] = ("predict", "feedback")) -> tuple[KeyInfo, str]:
    """A new key named ``name``; returns its info and the key itself (the only time it is visible)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ConfigError(f"--scope {','.join(scopes) or '(none)'}: expected one or more of {', '.join(SCOPES)}")
    prefix = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(12))
    key = f"fmk_{prefix}_{secrets.token_urlsafe(32)}"
    with ws.session() as s:
        if s.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
            raise WorkspaceError(f"an API key named {name!r} exists; pick another name or revoke it first")
        s.add(ApiKey(name=name, prefix=prefix, key_hash=_hash(key), scopes=list(scopes)))
        s.add(AuditEntry(actor=current_actor(), action="keys.create", target=name, detail={"scopes": list(scopes)}))
    return KeyInfo(name, prefix, tuple(scopes), False), key


def revoke_key(ws: Workspace, name: str) -> KeyInfo:
    with ws.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.name == name))
        if row is None:
            raise WorkspaceError(f"no API key named {name!r}; see `fmkit keys list`")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            s.add(AuditEntry(actor=current_actor(), action="keys.revoke", target=name, detail={}))
        return KeyInfo(row.name, row.prefix, tuple(row.scopes), True)


def list_keys(ws: Workspace) -> list[KeyInfo]:
    with ws.session() as s:
        rows = s.scalars(select(ApiKey).order_by(ApiKey.name)).all()
        return [KeyInfo(r.name, r.prefix, tuple(r.scopes), r.revoked_at is not None) for r in rows]


def verify_key(ws: Workspace, key: str) -> KeyInfo | None:
    """The key's info if it is well-formed, known and not revoked; None otherwise (the caller answers 401)."""
    match = KEY.match(key)
    if match is None:
        return None
    with ws.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.prefix == match.group(1)))
        if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, _hash(key)):
            return None
        return KeyInfo(row.name, row.prefix, tuple(row.scopes), False)

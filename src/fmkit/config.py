"""Bind plain mappings (CLI ``--set``, JSON/YAML files) to a component's frozen config dataclass.

All problems are reported at once, each naming the field, the value received and what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from fmkit.errors import ConfigError

T = TypeVar("T")


def bind(config_type: type[T], values: Mapping[str, Any], *, where: str = "config") -> T:
    """Build ``config_type(**values)`` after checking names and types; runs its ``problems()`` if it has one."""
    if not dataclasses.is_dataclass(config_type):
        raise TypeError(f"{config_type} is not a dataclass")
    fields = {f.name: f for f in dataclasses.fields(config_type)}
    hints = typing.get_type_hints(config_type)
    problems = [
        f"{where}: unknown field {name!r}; expected one of {sorted(fields)}" for name in values if name not in fields
    ]
    converted: dict[str, Any] = {}
    for name, raw in values.items():
        if name in fields:
            try:
                converted[name] = _convert(raw, hints[name])
            except (TypeError, ValueError) as exc:
                problems.append(f"{where}: field {name!r} got {raw!r}; {exc}")
    if problems:
        raise ConfigError(problems)
    instance = config_type(**converted)
    check = getattr(instance, "problems", None)
    if check is not None:
        found = [f"{where}: {p}" for p in check()]
        if found:
            raise ConfigError(found)
    return instance


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["lora_rank=16", "lr=1e-4"]`` -> ``{"lora_rank": "16", "lr": "1e-4"}`` (converted later by ``bind``)."""
    out: dict[str, Any] = {}
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise ConfigError(f"--set expects KEY=VALUE, got {bad}")
    for pair in pairs:
        key, _, value = pair.partition("=")
        out[key.strip()] = value.strip()
    return out


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A JSON or YAML mapping of config fields."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise ConfigError(f"config file {path} cannot be parsed: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of field: value, found {type(data).__name__}")
    return data


def _convert(raw: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        is_none = raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null", ""))
        if is_none and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(raw, arg)
            except (TypeError, ValueError) as exc:
                errors.append(str(exc))
        raise ValueError("; ".join(errors))
    if hint is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "1", "yes", "false", "0", "no"):
            return raw.lower() in ("true", "1", "yes")
        raise ValueError("expected true or false")
    if hint is int:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError("expected an integer")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError("expected an integer") from None
    if hint is float:
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
    if hint is str:
        if not isinstance(raw, str):
            raise ValueError("expected a string")
        return raw
    if origin is tuple:
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return tuple(_convert(item.strip() if isinstance(item, str) else item, args[0]) for item in items)
    if origin is dict or hint is dict:
        if isinstance(raw, str):
            raw = _mapping(raw)
        if not isinstance(raw, dict):
            raise ValueError("expected a mapping")
        return {str(k): str(v) for k, v in raw.items()}
    return raw


def _mapping(raw: str) -> Any:
    """A JSON object, or ``KEY=VALUE,KEY=VALUE`` (``--set class_balance=spam=0.2,ham=0.8``)."""
    if raw.lstrip().startswith("{"):
        return json.loads(raw)
    pairs = [item.partition("=") for item in raw.split(",")]
    if not raw.strip() or any(not sep or not key.strip() for key, sep, _ in pairs):
        raise ValueError('expected a mapping: KEY=VALUE,KEY=VALUE or a JSON object such as {"KEY": "VALUE"}')
    return {key.strip(): value.strip() for key, _, value in pairs}


def field_docs(config_type: type) -> dict[str, str]:
    """Each field's ``#:`` comment in the source of ``config_type`` and its bases (what ``methods show`` prints)."""
    import inspect
    import re

    docs: dict[str, str] = {}
    for klass in reversed(config_type.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):  # no source shipped: no docs, not an error
            continue
        docs.update(re.findall(r"^\s+(\w+): [^\n]*?#: ?([^\n]*)$", source, flags=re.MULTILINE))
    return docs


def type_name(hint: Any) -> str:
    """``int``, ``float | None``, ``dict[str, str] | None``: a field's type as a user reads it."""
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def to_dict(config: object) -> dict[str, Any]:
    """A JSON-ready dict of a config dataclass."""
    assert dataclasses.is_dataclass(config) and not isinstance(config, type)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}

"""The registry of selection strategies: names to factories, each built with its default parameters."""

from __future__ import annotations

from collections.abc import Callable

from fmkit.errors import ConfigError
from fmkit.improve.strategies.protocol import Strategy

_FACTORIES: dict[str, Callable[[], Strategy]] = {}
BUILTIN_MODULES = ("random_sampling", "uncertainty", "kcenter", "clusters", "hybrid")
BUILTIN_ORDER = ("random", "least-confidence", "margin", "entropy", "kcenter", "clusters", "hybrid")


def register(name: str, factory: Callable[[], Strategy]) -> None:
    if name in _FACTORIES:
        raise ValueError(f"strategy {name!r} is already registered")
    _FACTORIES[name] = factory


def get(name: str) -> Strategy:
    """A strategy by its ``--strategy`` name, with default parameters."""
    _load_builtins()
    if name not in _FACTORIES:
        raise ConfigError(f"unknown strategy {name!r}; expected one of {', '.join(names())}")
    return _FACTORIES[name]()


def names() -> list[str]:
    """Built-ins in ``BUILTIN_ORDER``, then the others as registered."""
    _load_builtins()
    rank = {name: i for i, name in enumerate(BUILTIN_ORDER)}
    return sorted(_FACTORIES, key=lambda name: rank.get(name, len(rank)))


def _load_builtins() -> None:
    import importlib

    for module in BUILTIN_MODULES:
        importlib.import_module(f"fmkit.improve.strategies.{module}")

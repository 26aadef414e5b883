"""The registry of adaptation methods: one ``register`` call per method module, duplicates rejected."""

from __future__ import annotations

from fmkit.errors import ConfigError
from fmkit.methods.protocol import Method

_METHODS: dict[str, Method] = {}
BUILTIN_MODULES = (
    "zero_shot",
    "linear_probe",
    "finetune",
    "lora",
    "contrastive",
    "self_train",
    "llm_zero_shot",
    "llm_prompt",
    "distill",
    "auto",
)


def register(method: Method) -> Method:
    if method.name in _METHODS:
        raise ValueError(f"method {method.name!r} is already registered")
    _METHODS[method.name] = method
    return method


def get(name: str) -> Method:
    _load_builtins()
    if name not in _METHODS:
        raise ConfigError(f"unknown method {name!r}; expected one of {', '.join(names())}")
    return _METHODS[name]


def names() -> list[str]:
    """Built-in methods in ``BUILTIN_MODULES`` order (whatever imported first), then the others as registered."""
    _load_builtins()
    builtin = [module.replace("_", "-") for module in BUILTIN_MODULES]
    return sorted(_METHODS, key=lambda n: builtin.index(n) if n in builtin else len(builtin))


def _load_builtins() -> None:
    """Import the built-in method modules; each runs its ``register`` call. This order is the listing order."""
    import importlib

    for module in BUILTIN_MODULES:
        importlib.import_module(f"fmkit.methods.{module}")

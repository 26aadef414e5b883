"""The catalog a user sees: the built-in cards plus the ones they registered in ``$FMKIT_HOME/catalog.json``."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fmkit._home import fmkit_home
from fmkit.catalog.builtin import BUILTIN
from fmkit.catalog.cards import Family, ModelCard
from fmkit.errors import ConfigError, DataFormatError


class Catalog:
    """Built-in cards plus user-registered ones. Registering never edits a built-in card."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else fmkit_home() / "catalog.json"

    def cards(self) -> list[ModelCard]:
        return [*BUILTIN, *self._user_cards()]

    def get(self, model: str) -> ModelCard:
        """The card named ``model``; an existing directory or ``.gguf`` path becomes an ad-hoc local card."""
        for card in self.cards():
            if card.id == model:
                return card
        path = Path(model).expanduser()
        if path.is_dir() and (path / "config.json").exists():
            return ModelCard(id="local", family=_family(path), source="local", location=str(path.resolve()))
        if path.is_file() and path.suffix == ".gguf":
            return ModelCard(id="local", family="decoder", source="gguf", location=str(path.resolve()))
        known = ", ".join(card.id for card in self.cards())
        raise ConfigError(
            f"unknown model {model!r}; expected one of: {known}, or a local model directory / .gguf file "
            "(see `fmkit models list`, or register one with `fmkit models add`)"
        )

    def add(self, card: ModelCard, *, replace: bool = False) -> None:
        """Register ``card``; rejects ids of built-in cards and, unless ``replace``, existing user ids."""
        if any(b.id == card.id for b in BUILTIN):
            raise ConfigError(f"model id {card.id!r} is a built-in catalog entry; choose another name")
        user = self._user_cards()
        if not replace and any(c.id == card.id for c in user):
            raise ConfigError(f"model id {card.id!r} is already registered; pass --replace to overwrite it")
        user = [c for c in user if c.id != card.id] + [card]
        self._write(user)

    def _user_cards(self) -> list[ModelCard]:
        if not self.path.exists():
            return []
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return [ModelCard.from_dict(row) for row in rows]
        except (json.JSONDecodeError, TypeError, UnicodeDecodeError, ConfigError) as exc:
            raise DataFormatError(
                f"user catalog {self.path} is corrupt ({exc}); fix or delete it to start over"
            ) from exc

    def _write(self, cards: list[ModelCard]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps([c.to_dict() for c in cards], indent=2)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".catalog-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
        Path(tmp).replace(self.path)


def _family(directory: Path) -> Family:
    """An HF directory's family from its config: causal LMs are decoders, seq2seq models encoder-decoders."""
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"{directory}/config.json cannot be read ({exc}); is it an HF model directory?") from None
    architectures = " ".join(config.get("architectures") or [])
    if config.get("is_encoder_decoder"):
        return "encoder-decoder"
    if "CausalLM" in architectures or "LMHeadModel" in architectures:
        return "decoder"
    return "encoder"

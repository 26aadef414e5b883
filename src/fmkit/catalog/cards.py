"""ModelCard: one catalog entry, what a foundation model is, where it comes from and what it is good for."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fmkit.errors import ConfigError

Family = Literal["encoder", "decoder", "encoder-decoder", "vision", "vision-text", "diffusion"]
SourceKind = Literal["package", "hub", "local", "gguf"]

FAMILIES: tuple[str, ...] = ("encoder", "decoder", "encoder-decoder", "vision", "vision-text", "diffusion")
GENERATIVE: tuple[str, ...] = ("decoder", "encoder-decoder")  #: families that generate text (an LLM runtime opens them)
SOURCE_KINDS: tuple[str, ...] = ("package", "hub", "local", "gguf")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class ModelCard:
    """A catalog entry.

    ``source`` says how ``location`` is read: ``package`` = ``"python_package/sub/path"`` inside an
    installed wheel; ``hub`` = a Hugging Face hub id resolved through the hub cache; ``local`` = a
    directory in HF format; ``gguf`` = a ``.gguf`` file.
    """

    id: str  #: short name used on the command line, e.g. ``minilm-l6``
    family: Family  #: architecture family
    source: SourceKind  #: how ``location`` is resolved
    location: str  #: package path, hub id, directory or file
    modality: str = "text"  #: text, vision or vision-text
    params_m: float | None = None  #: parameters, in millions
    licence: str = "unknown"
    tasks: tuple[str, ...] = ()  #: tasks fmkit can adapt it to
    description: str = ""
    memory_mb: int | None = None  #: approximate resident memory for inference
    embedding_dim: int | None = None  #: output width of an encoder
    gguf_file: str | None = None  #: file name inside ``location`` for GGUF models loaded by transformers
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if not _ID.match(self.id):
            problems.append(f"model id {self.id!r} is invalid: use 1-64 lowercase letters, digits, '.', '_' or '-'")
        if self.family not in FAMILIES:
            problems.append(f"family {self.family!r} is not one of {', '.join(FAMILIES)}")
        if self.source not in SOURCE_KINDS:
            problems.append(f"source {self.source!r} is not one of {', '.join(SOURCE_KINDS)}")
        if not self.location:
            problems.append(f"model {self.id!r} has an empty location")
        if problems:
            raise ConfigError(problems)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tasks"] = list(self.tasks)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"model card has unknown fields {unknown}; expected a subset of {sorted(known)}")
        data = dict(data)
        data["tasks"] = tuple(data.get("tasks", ()))
        return cls(**data)

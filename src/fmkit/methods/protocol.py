"""The method protocol: the one extension point every adaptation recipe implements.

A method turns a base model and labeled data into an ``Adapted`` model and knows how to load it back::

    method.fit(job, config)  -> Fitted(model, info)      # train; nothing written to disk
    fitted.model.save(dir)                               # weights as safetensors into a directory
    method.load(dir, manifest, base_dir) -> Adapted      # back from disk

``fmkit.adapt`` wraps these with data loading, atomic artifact writing and the manifest, so a method
module only holds its own recipe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from fmkit.catalog.cards import ModelCard
from fmkit.data.labeled import LabeledTexts


class Adapted(Protocol):
    """An adapted model in memory: labels, probabilities and a way to save itself."""

    labels: tuple[str, ...]

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]: ...

    def save(self, directory: Path) -> None: ...


@dataclass(frozen=True)
class FitJob:
    """Everything a method's ``fit`` receives besides its own config."""

    card: ModelCard  #: the base model's catalog entry
    base_dir: Path  #: where the base model's files are on this machine
    train: LabeledTexts
    valid: LabeledTexts | None = None  #: for early stopping / calibration; a method may carve its own
    seed: int = 0
    unlabeled: LabeledTexts | None = None  #: an unlabeled pool, for methods that use one


@dataclass
class Fitted:
    model: Adapted
    info: dict[str, Any] = field(default_factory=dict)  #: what the method wants recorded (epochs, valid scores, ...)


class Method(Protocol):
    """An adaptation recipe. One module per method; register it with ``fmkit.methods.registry.register``."""

    name: str  #: the ``--method`` value
    summary: str  #: one line for ``--help`` and docs
    paper: str  #: the reference the recipe follows
    families: tuple[str, ...]  #: model families it applies to
    config_type: type[Any]  #: its frozen config dataclass

    def fit(self, job: FitJob, config: Any) -> Fitted: ...

    def load(self, directory: Path, manifest: dict[str, Any], base_dir: Path | None) -> Adapted: ...

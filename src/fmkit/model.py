"""AdaptedModel: an artifact loaded for use, with scikit-learn style ``predict`` / ``predict_proba``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.errors import DataError
from fmkit.methods.protocol import Adapted


class AdaptedModel:
    """A loaded (or freshly adapted) model: its manifest, its labels and its predictions."""

    def __init__(self, adapted: Adapted, manifest: dict[str, Any], path: Path | None = None) -> None:
        self.adapted = adapted
        self.manifest = manifest
        self.path = path

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.adapted.labels)

    @property
    def method(self) -> str:
        return str(self.manifest["method"])

    def predict_proba(self, texts: Sequence[str] | str, batch_size: int = 64) -> NDArray[np.float32]:
        """Probabilities [N, C]; columns follow ``labels``."""
        return self.adapted.predict_proba(_as_texts(texts), batch_size)

    def predict(self, texts: Sequence[str] | str, batch_size: int = 64) -> list[str]:
        """The most probable label of each text."""
        proba = self.predict_proba(texts, batch_size)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def __repr__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        base = self.manifest["base_model"]["id"]
        return f"AdaptedModel(method={self.method!r}, base={base!r}, labels={list(self.labels)}{where})"


def _as_texts(texts: Sequence[str] | str) -> list[str]:
    items = [texts] if isinstance(texts, str) else list(texts)
    bad = [i for i, t in enumerate(items) if not isinstance(t, str)]
    if bad:
        raise DataError(f"predict expects strings; item {bad[0]} is a {type(items[bad[0]]).__name__}")
    return items

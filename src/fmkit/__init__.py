"""fmkit: turn pretrained foundation models into production models with little human input.

    >>> import fmkit
    >>> clf = fmkit.adapt("tickets.csv", model="minilm-l6", method="linear-probe", out="runs/tickets")  # doctest: +SKIP
    >>> clf.predict(["my card was charged twice"])  # doctest: +SKIP
    >>> fmkit.evaluate(fmkit.load("runs/tickets"), "holdout.csv", report="report.html")  # doctest: +SKIP

Importing fmkit is cheap: names are resolved on first use, so torch and transformers load only when a
model does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "AdaptedModel": "fmkit.model",
    "ArtifactError": "fmkit.errors",
    "Catalog": "fmkit.catalog",
    "ConfigError": "fmkit.errors",
    "DataError": "fmkit.errors",
    "EvalResult": "fmkit.evaluation",
    "FmkitError": "fmkit.errors",
    "LabeledTexts": "fmkit.data",
    "ModelCard": "fmkit.catalog",
    "ModelNotAvailableError": "fmkit.errors",
    "adapt": "fmkit.api",
    "evaluate": "fmkit.evaluation",
    "load": "fmkit.api",
    "load_labeled": "fmkit.data",
}

__all__ = [
    "AdaptedModel",
    "ArtifactError",
    "Catalog",
    "ConfigError",
    "DataError",
    "EvalResult",
    "FmkitError",
    "LabeledTexts",
    "ModelCard",
    "ModelNotAvailableError",
    "__version__",
    "adapt",
    "evaluate",
    "load",
    "load_labeled",
]

if TYPE_CHECKING:
    from fmkit.api import adapt, load
    from fmkit.catalog import Catalog, ModelCard
    from fmkit.data import LabeledTexts, load_labeled
    from fmkit.errors import ArtifactError, ConfigError, DataError, FmkitError, ModelNotAvailableError
    from fmkit.evaluation import EvalResult, evaluate
    from fmkit.model import AdaptedModel


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'fmkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

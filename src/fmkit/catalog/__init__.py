"""Model catalog: cards for bundled, hub and user-registered foundation models, and how each resolves."""

from fmkit.catalog.cards import ModelCard
from fmkit.catalog.resolve import resolve
from fmkit.catalog.store import Catalog

__all__ = ["Catalog", "ModelCard", "resolve"]

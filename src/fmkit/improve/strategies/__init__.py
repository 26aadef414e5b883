"""Selection strategies: which unlabeled inputs to label next (see :mod:`.protocol`)."""

from fmkit.improve.strategies.protocol import Pool, Strategy
from fmkit.improve.strategies.registry import get, names

__all__ = ["Pool", "Strategy", "get", "names"]

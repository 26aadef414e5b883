"""LabeledTexts: validated examples for text classification, with a content fingerprint."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


def text_hash(text: str) -> int:
    """A stable 63-bit hash of a whitespace-normalised, case-folded text (for duplicate and leakage checks)."""
    digest = hashlib.blake2b(" ".join(text.casefold().split()).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@dataclass(frozen=True)
class LabeledTexts:
    """Texts with string labels. ``labels`` may be empty for unlabeled data."""

    texts: tuple[str, ...]
    labels: tuple[str, ...] = ()
    source: str = "<memory>"
    _hashes: list[NDArray[np.int64]] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.labels and len(self.labels) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels")

    @classmethod
    def of(cls, texts: Sequence[str], labels: Sequence[str] = (), source: str = "<memory>") -> LabeledTexts:
        return cls(tuple(texts), tuple(str(label) for label in labels), source)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def classes(self) -> tuple[str, ...]:
        """Distinct labels, sorted."""
        return tuple(sorted(set(self.labels)))

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.labels).items()))

    def hashes(self) -> NDArray[np.int64]:
        """Per-text hashes (cached)."""
        if not self._hashes:
            self._hashes.append(np.array([text_hash(t) for t in self.texts], dtype=np.int64))
        return self._hashes[0]

    def fingerprint(self) -> str:
        """sha256 of the multiset of (text, label) rows: the same data in any order has the same fingerprint."""
        rows = sorted(
            hashlib.sha256(f"{t}\x1f{lab}".encode()).hexdigest()
            for t, lab in zip(self.texts, self.labels or [""] * len(self.texts), strict=True)
        )
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()

    def subset(self, index: Sequence[int] | NDArray[np.int64]) -> LabeledTexts:
        idx = [int(i) for i in index]
        labels = tuple(self.labels[i] for i in idx) if self.labels else ()
        return LabeledTexts(tuple(self.texts[i] for i in idx), labels, self.source)

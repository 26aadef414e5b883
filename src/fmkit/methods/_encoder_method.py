"""What the encoder methods share: they apply to encoders and load as an EncoderClassifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmkit.methods.protocol import Adapted


class EncoderMethod:
    """Base of the methods whose artifact is encoder + pooling + linear head (see encoder_head.py)."""

    families: tuple[str, ...] = ("encoder",)

    def load(self, directory: Path, manifest: dict[str, Any], base_dir: Path | None) -> Adapted:
        from fmkit.methods.encoder_head import EncoderClassifier

        return EncoderClassifier.load(directory, manifest["labels"], base_dir)

"""LoRA specifics: adapter-only artifacts are small and load onto the catalog's base model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import fmkit
from fmkit.data import LabeledTexts


def test_adapter_only_artifact(tmp_path: Path, few_tickets: LabeledTexts) -> None:
    config = {"lora_merge": False, "lora_epochs": 2, "lora_rank": 4, "lora_target_modules": "query,key,value"}
    model = fmkit.adapt(few_tickets, method="lora", out=tmp_path / "a", config=config)
    files = json.loads((tmp_path / "a" / "fmkit.json").read_text())["files"]
    assert "adapter/adapter_model.safetensors" in files and not any(f.startswith("encoder/") for f in files)
    assert (tmp_path / "a" / "adapter" / "adapter_model.safetensors").stat().st_size < 1_000_000
    assert model.manifest["fit_info"]["trainable_params"] < 100_000
    texts = list(few_tickets.texts[:8])
    np.testing.assert_allclose(fmkit.load(tmp_path / "a").predict_proba(texts), model.predict_proba(texts), atol=1e-4)

"""LLM fixtures: the bundled SmolLM2 on llama.cpp (the tiny random models are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from fmkit.catalog import Catalog, ModelCard, resolve


@pytest.fixture(scope="session")
def smollm2_card() -> ModelCard:
    return Catalog().get("smollm2-135m-instruct")


@pytest.fixture(scope="session")
def smollm2(smollm2_card: ModelCard):  # type: ignore[no-untyped-def]
    from fmkit.llm.runtime import open_runtime

    return open_runtime(smollm2_card, resolve(smollm2_card))

"""The catalog: bundled models resolve offline, hub models resolve through the real hub cache or fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.catalog import Catalog, ModelCard, resolve
from fmkit.catalog.builtin import BUILTIN
from fmkit.errors import ConfigError, DataFormatError, ModelNotAvailableError


def test_builtin_ids_are_unique_and_cover_every_family() -> None:
    ids = [c.id for c in BUILTIN]
    assert len(ids) == len(set(ids))
    assert {"encoder", "decoder", "encoder-decoder", "vision", "vision-text"} <= {c.family for c in BUILTIN}


def test_bundled_models_resolve_offline() -> None:
    minilm = resolve(Catalog().get("minilm-l6"))
    assert (minilm / "model.safetensors").exists() and (minilm / "tokenizer.json").exists()
    smol = Catalog().get("smollm2-135m-instruct")
    assert smol.gguf_file and (resolve(smol) / smol.gguf_file).stat().st_size > 50_000_000


def test_hub_model_offline_and_uncached_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(
        ModelNotAvailableError,
        match=r"not available offline.*hf download sentence-transformers/all-mpnet-base-v2.*fmkit models add",
    ):
        resolve(Catalog().get("mpnet-base"))


def test_hub_model_resolves_from_the_hub_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real hub-loading code, on a hub cache laid out on disk the way huggingface_hub writes it."""
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    repo = cache / "models--sentence-transformers--all-mpnet-base-v2"
    snapshot = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps({"model_type": "mpnet"}))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    assert resolve(Catalog().get("mpnet-base")) == snapshot


def test_missing_package_names_the_pip_command() -> None:
    card = ModelCard(
        id="ghost", family="encoder", source="package", location="no_such_pkg_xyz/model", extra={"pypi": "no-such-pkg"}
    )
    with pytest.raises(ModelNotAvailableError, match="pip install no-such-pkg"):
        resolve(card)


def test_user_registration_round_trip(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.json")
    model_dir = tmp_path / "enc"
    model_dir.mkdir()
    (model_dir / "config.json").write_text("{}")
    card = ModelCard(id="my-enc", family="encoder", source="local", location=str(model_dir))
    catalog.add(card)
    assert Catalog(tmp_path / "catalog.json").get("my-enc") == card
    with pytest.raises(ConfigError, match="already registered; pass --replace"):
        catalog.add(card)
    catalog.add(card, replace=True)
    with pytest.raises(ConfigError, match="built-in catalog entry"):
        catalog.add(ModelCard(id="minilm-l6", family="encoder", source="local", location=str(model_dir)))
    assert resolve(card) == model_dir


def test_unknown_model_and_local_paths(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown model 'nope'; expected one of: minilm-l6"):
        Catalog(tmp_path / "c.json").get("nope")
    (tmp_path / "config.json").write_text("{}")
    assert Catalog(tmp_path / "c.json").get(str(tmp_path)).source == "local"


def test_invalid_cards_report_every_problem() -> None:
    with pytest.raises(ConfigError) as info:
        ModelCard(id="Bad Id", family="robot", source="ftp", location="")  # type: ignore[arg-type]
    assert len(info.value.problems) == 4


def test_corrupt_user_catalog(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text("{not json")
    with pytest.raises(DataFormatError, match="is corrupt"):
        Catalog(path).cards()

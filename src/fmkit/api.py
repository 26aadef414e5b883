"""The Python API: ``adapt`` a catalog model to labeled data, ``load`` an artifact back."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.artifacts import check_destination, read_manifest, write_artifact
from fmkit.catalog import Catalog, ModelCard, resolve
from fmkit.catalog.cards import GENERATIVE
from fmkit.config import bind, to_dict
from fmkit.data.labeled import LabeledTexts
from fmkit.data.validate import load_labeled, validate_labeled, warn_leakage
from fmkit.errors import ArtifactError, ConfigError
from fmkit.methods import FitJob, registry
from fmkit.methods._pool_prior import ClassBalanceOption
from fmkit.model import AdaptedModel

HASHES = "data_hashes.safetensors"  # hashes of the training texts, for train/eval leakage warnings


def adapt(
    data: str | Path | LabeledTexts,
    *,
    model: str = "minilm-l6",
    method: str = "linear-probe",
    out: str | Path | None = None,
    valid: str | Path | LabeledTexts | None = None,
    unlabeled: str | Path | LabeledTexts | None = None,
    config: Mapping[str, Any] | None = None,
    text_col: str = "text",
    label_col: str = "label",
    seed: int = 0,
    min_per_class: int = 2,
    overwrite: bool = False,
    parent: str | None = None,
    catalog: Catalog | None = None,
) -> AdaptedModel:
    """Adapt catalog model ``model`` to the labeled ``data`` with ``method``; write the artifact to ``out``.

    ``config`` holds the method's fields (see ``fmkit adapt --help-method METHOD``). All config errors
    are reported before any data is read or any weight is loaded.

    >>> clf = adapt("tickets.csv", method="linear-probe", out="runs/tickets")  # doctest: +SKIP
    >>> clf.predict(["my card was charged twice"])  # doctest: +SKIP
    """
    recipe = registry.get(method)
    settings = bind(recipe.config_type, dict(config or {}), where=f"{method} config")
    card = (catalog or Catalog()).get(model)
    if card.family not in recipe.families:
        raise ConfigError(
            f"method {method!r} adapts {'/'.join(recipe.families)} models; {card.id!r} has family {card.family!r};"
            " pick another model (`fmkit models list`) or another method"
        )
    out_path = Path(out).expanduser() if out is not None else None
    if out_path is not None:
        check_destination(out_path, overwrite)
    train = _labeled(data, text_col, label_col, min_per_class=min_per_class)
    valid_data = _labeled(valid, text_col, label_col, known=train.classes) if valid is not None else None
    if valid_data is not None:
        warn_leakage(train, valid_data, "validation")
    pool = _labeled(unlabeled, text_col, None) if unlabeled is not None else None
    if isinstance(settings, ClassBalanceOption):
        settings.balance(train.classes)  # a class_balance naming other labels fails here, before any training
    base_dir = resolve(card)
    started = time.perf_counter()
    fitted = recipe.fit(FitJob(card, base_dir, train, valid_data, seed, pool), settings)
    manifest = {
        "task": "classify",
        "method": method,
        "base_model": card.to_dict(),
        "labels": list(fitted.model.labels),
        "config": to_dict(settings),
        "seed": seed,
        "metrics": {"train_seconds": round(time.perf_counter() - started, 3), **_numbers(fitted.info)},
        "fit_info": fitted.info,
        "data": {
            "fingerprint": train.fingerprint(),
            "source": train.source,
            "n_train": len(train),
            "label_counts": train.counts(),
            "unlabeled": {"source": pool.source, "n": len(pool)} if pool is not None else None,
        },
        "parent": parent,
    }
    if out_path is None:
        return AdaptedModel(fitted.model, manifest)

    def save(directory: Path) -> None:
        from safetensors.numpy import save_file

        fitted.model.save(directory)
        save_file({"text_hashes": train.hashes()}, str(directory / HASHES))

    written = write_artifact(out_path, save, manifest, overwrite=overwrite)
    return AdaptedModel(fitted.model, read_manifest(written, verify=False), written)


def load(path: str | Path) -> AdaptedModel:
    """Load and verify the artifact at ``path``; refuses tampered or mismatched artifacts."""
    directory = Path(path).expanduser()
    manifest = read_manifest(directory)
    recipe = registry.get(manifest["method"])
    needs_base = (directory / "adapter").exists() or manifest["base_model"].get("family") in GENERATIVE
    base_dir = resolve(ModelCard.from_dict(manifest["base_model"])) if needs_base else None
    try:
        adapted = recipe.load(directory, manifest, base_dir)
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactError(f"{directory} cannot be loaded ({exc}); re-run `fmkit adapt`") from None
    if tuple(adapted.labels) != tuple(manifest["labels"]):
        raise ArtifactError(
            f"{directory}: model labels {adapted.labels} differ from the manifest's {manifest['labels']}"
        )
    return AdaptedModel(adapted, manifest, directory)


def training_hashes(model: AdaptedModel) -> NDArray[np.int64] | None:
    """Hashes of the texts the model was trained on (for leakage warnings), if its artifact has them."""
    if model.path is None or not (model.path / HASHES).exists():
        return None
    from safetensors.numpy import load_file

    hashes: NDArray[np.int64] = load_file(str(model.path / HASHES))["text_hashes"]
    return hashes


def _labeled(
    data: str | Path | LabeledTexts,
    text_col: str,
    label_col: str | None,
    known: tuple[str, ...] | None = None,
    min_per_class: int = 1,
) -> LabeledTexts:
    """Validated data; ``label_col=None`` reads texts only (an unlabeled pool: any labels it has are dropped)."""
    if isinstance(data, LabeledTexts):  # in-memory data gets the same checks as a file
        texts_only = label_col is None
        data = LabeledTexts(data.texts, (), data.source) if texts_only else data
        return validate_labeled(data, known_labels=known, min_per_class=min_per_class)
    return load_labeled(
        str(data), text_col=text_col, label_col=label_col, known_labels=known, min_per_class=min_per_class
    )


def _numbers(info: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in info.items() if isinstance(v, int | float) and not isinstance(v, bool)}

"""Shared fixtures: offline hub, a private FMKIT_HOME, the generated ticket data, ../shared datasets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fmkit.data import LabeledTexts, load_labeled, sample_per_class

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("FMKIT_HOME", str(tmp_path_factory.mktemp("fmkit-home")))
    monkeypatch.setenv("FMKIT_PROGRESS", "0")
    yield


@pytest.fixture(scope="session")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from fmkit.demo.tickets import write_tickets

    directory = tmp_path_factory.mktemp("tickets")
    paths = write_tickets(directory, n_train_per_class=60, n_test_per_class=25)
    few = sample_per_class(load_labeled(str(paths["train"])), 8, 0)
    paths["few"] = directory / "few.csv"
    _write_csv(paths["few"], few)
    return paths


@pytest.fixture(scope="session")
def few_tickets(tickets: dict[str, Path]) -> LabeledTexts:
    return load_labeled(str(tickets["few"]))


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/datasets is absent")
    return SHARED


def _write_csv(path: Path, data: LabeledTexts) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(data.texts, data.labels, strict=True))


def write_rows(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path

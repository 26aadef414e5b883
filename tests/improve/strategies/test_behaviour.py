"""What each strategy is for: uncertainty finds the confusing items, diversity covers the regions."""

from __future__ import annotations

import numpy as np
import pytest

from fmkit.errors import ConfigError
from fmkit.improve.strategies import Pool, get
from fmkit.improve.strategies.hybrid import Hybrid
from fmkit.improve.strategies.uncertainty import Uncertainty, uncertainty


def _blobs(per_blob: int = 30, blobs: int = 6, d: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = np.linalg.qr(rng.normal(size=(d, d)))[0][:blobs]  # orthogonal directions
    points = np.repeat(centers, per_blob, axis=0) + 0.05 * rng.normal(size=(blobs * per_blob, d))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), np.repeat(np.arange(blobs), per_blob)


def test_the_three_uncertainty_measures() -> None:
    proba = np.array([[0.98, 0.01, 0.01], [0.5, 0.49, 0.01], [0.4, 0.3, 0.3], [1 / 3, 1 / 3, 1 / 3]])
    assert np.allclose(uncertainty(proba, "least-confidence"), [0.02, 0.5, 0.6, 2 / 3])
    assert np.allclose(uncertainty(proba, "margin"), [0.03, 0.99, 0.9, 1.0])
    entropy = uncertainty(proba, "entropy")
    assert entropy[3] == pytest.approx(1.0) and entropy[0] < 0.15 and entropy[2] > entropy[1]
    # margin ranks the near-tie between two classes above the flatter 3-way spread; entropy the reverse
    pool = Pool.build(proba, np.eye(4, 8))
    assert get("margin").select(pool, 2).tolist() == [3, 1]
    assert get("entropy").select(pool, 2).tolist() == [3, 2]
    assert get("least-confidence").select(pool, 1).tolist() == [3]
    with pytest.raises(ConfigError, match="unknown uncertainty measure 'variance'"):
        Uncertainty("variance")


def test_kcenter_and_clusters_cover_every_region_before_repeating_one() -> None:
    points, blob = _blobs()
    pool = Pool.build(np.full((len(points), 2), 0.5), points)
    for name in ("kcenter", "clusters"):
        chosen = get(name).select(pool, 6, seed=1)
        assert sorted(blob[chosen].tolist()) == [0, 1, 2, 3, 4, 5], name


def test_kcenter_skips_regions_already_labeled() -> None:
    points, blob = _blobs()
    labeled = points[blob < 4][::10]  # blobs 0-3 have labels already
    pool = Pool.build(np.full((len(points), 2), 0.5), points, labeled)
    assert set(blob[get("kcenter").select(pool, 2)].tolist()) == {4, 5}


def test_hybrid_takes_uncertain_items_from_different_regions() -> None:
    points, blob = _blobs()
    rng = np.random.default_rng(0)
    confident = np.column_stack([np.full(len(points), 0.97), np.full(len(points), 0.03)])
    unsure = (blob == 2) | (blob == 5)  # two confusing regions
    proba = np.where(unsure[:, None], [[0.5, 0.5]], confident) + 0.0
    proba[unsure] += rng.uniform(-0.05, 0.05, size=(unsure.sum(), 1)) * [[1, -1]]
    pool = Pool.build(proba, points)
    margin = get("margin").select(pool, 4, seed=0)
    hybrid = get("hybrid").select(pool, 4, seed=0)
    assert set(blob[hybrid].tolist()) == {2, 5}  # only uncertain items, and both confusing regions
    assert unsure[margin].all()
    with pytest.raises(ConfigError, match="prefilter must be >= 1"):
        Hybrid(prefilter=0.5)

"""The curated public API: sorted, importable, and importing fmkit stays light."""

from __future__ import annotations

import subprocess
import sys

import fmkit


def test_all_is_sorted_and_resolves() -> None:
    assert fmkit.__all__ == sorted(fmkit.__all__)
    for name in fmkit.__all__:
        assert getattr(fmkit, name) is not None


def test_evaluate_stays_the_function_after_its_package_is_imported() -> None:
    import fmkit.evaluation.metrics

    assert callable(fmkit.evaluate) and fmkit.evaluate.__module__ == "fmkit.evaluation"


def test_import_is_light_and_side_effect_free() -> None:
    code = (
        "import os, sys; before = dict(os.environ); import fmkit; "
        "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'pandas') if m in sys.modules]; "
        "assert not heavy, heavy; assert dict(os.environ) == before"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

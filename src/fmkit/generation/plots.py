"""The picture of a generation evaluation: output vs reference lengths, and the spread of ROUGE-L per item."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_plot(path: Path, outputs: Sequence[str], references: Sequence[str], rouge_l: Sequence[float]) -> Path:
    """A two-panel PNG at ``path`` (written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out_words = np.array([len(t.split()) for t in outputs])
    ref_words = np.array([len(t.split()) for t in references])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    top = max(int(np.percentile(np.concatenate([out_words, ref_words]), 99)), 1)
    bins = np.linspace(0, top, 30)
    left.hist(ref_words, bins=bins, alpha=0.6, label=f"references (median {np.median(ref_words):.0f})")
    left.hist(out_words, bins=bins, alpha=0.6, label=f"outputs (median {np.median(out_words):.0f})")
    left.set_xlabel("words")
    left.set_ylabel("items")
    left.set_title("length")
    left.legend()
    right.hist(rouge_l, bins=np.linspace(0, 100, 21), color="tab:green")
    right.axvline(float(np.mean(rouge_l)), color="black", linestyle="--", label=f"mean {np.mean(rouge_l):.1f}")
    right.set_xlabel("ROUGE-L F1 per item")
    right.set_title("quality")
    right.legend()
    fig.tight_layout()
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path

"""``fmkit demo``: the whole workflow on the embedded default, in a few minutes on 2 cores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fmkit.cli._output import emit_json, err, out


def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write data, artifacts and the report.")] = Path(
        "demo-out"
    ),
    n_per_class: Annotated[int, typer.Option(help="Labeled examples per class the methods may use.")] = 8,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --out.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each stage as JSON.")] = False,
) -> None:
    """Run the main job end to end on the embedded default (bundled MiniLM, generated tickets).

    Writes a small ticket dataset, adapts the bundled encoder with a few labels by every method,
    evaluates each on held-out tickets, and writes an HTML report for the best.

    Example: fmkit demo --out demo-out --overwrite
    """
    from fmkit.demo.run import run_demo

    if n_per_class < 1:
        from fmkit.errors import ConfigError

        raise ConfigError(f"--n-per-class must be >= 1, got {n_per_class}")
    err.print(f"fmkit demo: {n_per_class} labels per class, bundled minilm-l6, output in {out_dir}")
    record = run_demo(out_dir, n_per_class=n_per_class, seed=seed, overwrite=overwrite)
    if as_json:
        emit_json(record)
        return
    table = Table(title=f"Support-ticket intents, {n_per_class} labels per class (held-out test set)")
    for column in ("method", "accuracy", "macro-F1", "ECE", "train s", "items/s"):
        table.add_column(column)
    for stage in record["stages"]:
        if stage["stage"] == "adapt+eval":
            table.add_row(
                stage["method"],
                f"{stage['accuracy']:.3f}",
                f"{stage['macro_f1']:.3f}",
                f"{stage['ece']:.3f}",
                f"{stage['train_seconds']:.1f}",
                f"{stage['items_per_second']:.0f}",
            )
    out.print(table)
    final = record["stages"][-1]
    out.print(f"best: [bold]{final['best_method']}[/bold]; report: {final['report']}")
    out.print(f"example: {final['example']['text']!r} -> {final['example']['label']}")
    out.print(f"done in {record['seconds']:.0f} s")

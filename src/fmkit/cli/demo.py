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
    evaluates each on held-out tickets, and writes an HTML report for the best. Then the improvement loop:
    the best model is served, takes simulated traffic, the loop queues what to label, the held-back gold
    labels answer, and the loop retrains, gates and promotes (the server swaps live).

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
    stages = {stage["stage"]: stage for stage in record["stages"]}
    final = stages["report"]
    out.print(f"best: [bold]{final['best_method']}[/bold]; report: {final['report']}")
    out.print(f"example: {final['example']['text']!r} -> {final['example']['label']}")
    if "promote" in stages:
        serve, traffic, chosen = stages["serve"], stages["traffic"], stages["select"]
        labeled, gated, promoted = stages["label"], stages["retrain+gate"], stages["promote"]
        out.print("\n[bold]Improvement loop[/bold]")
        out.print(f"served {serve['model_version']} at {serve['url']}; {traffic['predictions']} tickets logged")
        out.print(f"queued {chosen['queued']} for labeling ({chosen['strategy']}); labeled {labeled['labeled']} "
                  f"(the model had {labeled['model_was_right']} right)")  # fmt: skip
        accuracy = gated["holdout_accuracy"]
        out.print(f"retrained {gated['challenger']} on {gated['trained_on']} examples; holdout accuracy "
                  f"{accuracy.get('champion')} -> {accuracy.get('challenger')}")  # fmt: skip
        for reason in gated["reasons"]:
            out.print(f"  - {reason}")
        verdict = "promoted" if promoted["promoted"] else "kept the champion"
        swap = "; the running server swapped to it" if promoted["server_swapped"] else ""
        out.print(f"{verdict}: champion is {promoted['champion']}{swap}")
    out.print(f"done in {record['seconds']:.0f} s")

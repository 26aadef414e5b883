"""``fmkit choose``: measure (model x method) candidates on a sample of your data and rank them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fmkit.cli._output import emit_json, err, out


def _names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def choose(
    data: Annotated[Path, typer.Option(help="Labeled data (CSV/TSV/JSONL/JSON/Parquet or a datasets dir).")],
    task: Annotated[str, typer.Option(help="What the model must do.")] = "classify",
    budget_latency_ms: Annotated[
        float | None, typer.Option(help="Most milliseconds per item (one item per call, median).")
    ] = None,
    budget_memory_mb: Annotated[float | None, typer.Option(help="Most peak memory of the serving process.")] = None,
    models: Annotated[
        str | None, typer.Option("--models", help="Comma-separated catalog ids; default: every local text model.")
    ] = None,
    methods: Annotated[
        str | None, typer.Option("--methods", help="Comma-separated methods (and/or tfidf); default: all.")
    ] = None,
    unlabeled: Annotated[Path | None, typer.Option(help="Unlabeled texts; adds self-train.")] = None,
    sample: Annotated[int, typer.Option(help="Cross-validate on a stratified sample of this many examples.")] = 240,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 3,
    plot: Annotated[Path | None, typer.Option(help="Write the Pareto plot (PNG) here.")] = Path("choose.png"),
    text_col: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    label_col: Annotated[str, typer.Option(help="Column holding the label.")] = "label",
    seed: Annotated[int, typer.Option(help="Seed of the sample and the folds.")] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: pick, why, candidates (ranked), skipped.")
    ] = False,
) -> None:
    """Rank models and methods by cross-validated quality, latency and memory on your own data.

    Example: fmkit choose --data tickets.csv --task classify --budget-latency-ms 20
    """
    from fmkit.data.validate import load_labeled
    from fmkit.errors import ConfigError
    from fmkit.evaluation.plots import pareto_png
    from fmkit.selection.choose import choose as run_choose
    from fmkit.selection.choose import scores_table

    if plot is not None and plot.suffix.lower() != ".png":
        raise ConfigError(f"--plot must end in .png, got {plot}")
    labeled = load_labeled(str(data), text_col=text_col, label_col=label_col, min_per_class=2)
    pool = load_labeled(str(unlabeled), text_col=text_col, label_col=None) if unlabeled else None
    err.print(f"measuring candidates on {data} ({len(labeled)} examples, {len(labeled.classes)} labels) ...")
    choice = run_choose(
        labeled,
        task=task,
        models=_names(models),
        methods=_names(methods),
        budget_latency_ms=budget_latency_ms,
        budget_memory_mb=budget_memory_mb,
        sample=sample,
        folds=folds,
        seed=seed,
        unlabeled=pool,
    )
    if plot is not None:
        points = [
            (
                r.candidate.name,
                r.cv.accuracy,
                r.cost.latency_ms_p50,
                r.cost.peak_memory_mb,
                r.pareto,
                not r.over_budget,
            )
            for r in choice.rows
        ]
        picked = choice.pick.candidate.name if choice.pick else None
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_bytes(pareto_png(points, budget_latency_ms, picked))
    if as_json:
        emit_json({**choice.to_dict(), "plot": str(plot) if plot else None})
        return
    table = Table(title=f"candidates on {choice.n_examples} examples of {data} ({choice.n_folds}-fold CV)")
    for column in ("rank", "candidate", "accuracy %", "macro-F1", "ms/item", "MB", "notes"):
        table.add_column(column, overflow="fold")
    for row in scores_table(choice):
        table.add_row(*row)
    out.print(table)
    for item in choice.skipped:
        err.print(f"[dim]skipped {item['model']}: {item['reason']}[/dim]", soft_wrap=True)
    out.print(f"pick: {choice.why}" if choice.pick else f"[red]no pick:[/red] {choice.why}", soft_wrap=True)
    if plot is not None:
        out.print(f"plot: {plot}")
    if choice.pick is not None and choice.pick.candidate.method != "tfidf":
        c = choice.pick.candidate
        out.print(f"next: fmkit adapt --data {data} --model {c.model} --method {c.method} --out runs/{c.method}")
    if choice.pick is None:
        raise typer.Exit(1)

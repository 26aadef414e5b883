"""``fmkit adapt`` and ``fmkit methods``: adapt a foundation model to labeled data."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fmkit.cli._explain import explain_fit
from fmkit.cli._output import emit_json, err, out


def adapt(
    data: Annotated[Path, typer.Option(help="Labeled training data: CSV, TSV, JSONL, Parquet or a `datasets` dir.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Artifact directory to create (must not exist).")],
    model: Annotated[
        str | None,
        typer.Option(
            help="Catalog id (see `fmkit models list`) or a local model dir; default minilm-l6 (smollm2 "
            "for generation tasks)."
        ),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            help="Adaptation method (see `fmkit methods list`); default linear-probe (llm-instruct for "
            "generation tasks)."
        ),
    ] = None,
    valid: Annotated[
        Path | None, typer.Option(help="Validation data for early stopping, calibration and self-train's round guard.")
    ] = None,
    unlabeled: Annotated[
        Path | None,
        typer.Option(
            help="Unlabeled texts (same --text-col): self-train and distill learn from them; with "
            "--set pool_prior=true the encoder methods shift their head to the texts' class balance."
        ),
    ] = None,
    text_col: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    label_col: Annotated[str, typer.Option(help="Column holding the label.")] = "label",
    task: Annotated[
        str, typer.Option(help="classify | summarize | instruct (generation tasks need a decoder LLM).")
    ] = "classify",
    target_col: Annotated[
        str, typer.Option(help="Generation tasks: column holding the reference output (--text-col is the input).")
    ] = "target",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Method option KEY=VALUE (repeatable).")] = None,
    config: Annotated[Path | None, typer.Option(help="JSON/YAML file of method options.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    min_per_class: Annotated[int, typer.Option(help="Fewest examples a class may have (1 allows one-shot).")] = 2,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing artifact at --out.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
    parent: Annotated[
        str | None, typer.Option(help="Lineage: the registered version this one improves on (NAME:N or NAME@ALIAS).")
    ] = None,
) -> None:
    """Adapt a foundation model to your labeled texts and write an artifact directory.

    Example: fmkit adapt --data tickets.csv --model minilm-l6 --method lora --set lora_rank=16 --out runs/tickets
    """
    from fmkit.api import adapt as run_adapt
    from fmkit.config import parse_assignments, read_config_file

    options: dict[str, Any] = read_config_file(config) if config else {}
    options |= parse_assignments(set_ or [])
    if task != "classify":
        model, method = model or "smollm2-135m-instruct", method or "llm-instruct"
        columns = (text_col, target_col)
        _adapt_generator(data, out_dir, model, method, task, columns, options, seed, overwrite, as_json, parent)
        return
    model, method = model or "minilm-l6", method or "linear-probe"
    err.print(f"adapting [bold]{model}[/bold] with [bold]{method}[/bold] on {data} ...")
    result = run_adapt(
        data,
        model=model,
        method=method,
        out=out_dir,
        valid=valid,
        unlabeled=unlabeled,
        config=options,
        text_col=text_col,
        label_col=label_col,
        seed=seed,
        min_per_class=min_per_class,
        overwrite=overwrite,
        parent=parent,
    )
    manifest = result.manifest
    if as_json:
        emit_json({"path": str(result.path), **manifest})
        return
    out.print(
        f"wrote {result.path}  ({len(result.labels)} labels, {manifest['data']['n_train']} examples, "
        f"{manifest['metrics']['train_seconds']:.1f} s)"
    )
    explain_fit(manifest.get("fit_info", {}))
    out.print(f"next: fmkit eval {result.path} --data HOLDOUT.csv --report report.html")


def _adapt_generator(
    data: Path,
    out_dir: Path,
    model: str,
    method: str,
    task: str,
    columns: tuple[str, str],
    options: dict[str, Any],
    seed: int,
    overwrite: bool,
    as_json: bool,
    parent: str | None,
) -> None:
    from fmkit.generation.api import adapt_generator

    input_col, target_col = columns
    err.print(f"adapting [bold]{model}[/bold] to {task} with [bold]{method}[/bold] on {data} ...")
    result = adapt_generator(
        data,
        task=task,
        model=model,
        method=method,
        out=out_dir,
        config=options,
        input_col=input_col,
        target_col=target_col,
        seed=seed,
        overwrite=overwrite,
        parent=parent,
    )
    if as_json:
        emit_json({"path": str(result.path), **result.manifest})
        return
    out.print(f"wrote {result.path}  ({task}, {result.manifest['data']['n_train']} examples)")
    out.print(f"next: fmkit eval {result.path} --data HOLDOUT.jsonl --text-col {input_col} --target-col {target_col}")


methods_app = typer.Typer(no_args_is_help=True, help="The adaptation methods and their options.")


@methods_app.command("list")
def list_methods(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the registered adaptation methods.

    Example: fmkit methods list
    """
    from fmkit.methods import registry

    rows: list[dict[str, Any]] = [
        {"name": m.name, "summary": m.summary, "paper": m.paper, "families": list(m.families)}
        for m in map(registry.get, registry.names())
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table(title="adaptation methods")
    for column in ("name", "summary", "reference"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["summary"], row["paper"])
    out.print(table)


@methods_app.command("show")
def show_method(
    name: Annotated[str, typer.Argument(help="A method name, e.g. lora.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a method's options (use them with `fmkit adapt --set KEY=VALUE`).

    Example: fmkit methods show lora
    """
    from rich.markup import escape

    from fmkit.config import field_docs, type_name
    from fmkit.methods import registry

    method = registry.get(name)
    hints = typing.get_type_hints(method.config_type)
    docs = field_docs(method.config_type)
    fields: list[dict[str, Any]] = [
        {"name": f.name, "type": type_name(hints[f.name]), "default": f.default, "help": docs.get(f.name, "")}
        for f in dataclasses.fields(method.config_type)
    ]
    if as_json:
        emit_json({"name": method.name, "summary": method.summary, "paper": method.paper, "options": fields})
        return
    out.print(f"[bold]{method.name}[/bold]: {method.summary}\nreference: {method.paper}")
    table = Table()
    for column in ("option", "type", "default", "meaning"):
        table.add_column(column)
    for f in fields:
        table.add_row(f["name"], escape(f["type"]), escape(repr(f["default"])), escape(f["help"]))
    out.print(table)

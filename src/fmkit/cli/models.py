"""``fmkit models``: the catalog of foundation models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.table import Table

from fmkit.catalog import Catalog, ModelCard
from fmkit.catalog.cards import FAMILIES, Family, SourceKind
from fmkit.cli._output import emit_json, out
from fmkit.errors import ConfigError

app = typer.Typer(no_args_is_help=True, help="The model catalog: bundled, hub and your registered models.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_models(as_json: JsonFlag = False) -> None:
    """List every catalog entry: id, family, size, source and what it is for.

    Example: fmkit models list --json
    """
    cards = Catalog().cards()
    if as_json:
        emit_json([c.to_dict() for c in cards])
        return
    table = Table(title="fmkit model catalog")
    for column in ("id", "family", "params (M)", "source"):
        table.add_column(column, no_wrap=True)
    table.add_column("what it is for")
    for c in cards:
        table.add_row(c.id, c.family, f"{c.params_m:g}" if c.params_m else "?", c.source, c.description)
    out.print(table)
    out.print("Bundled models work offline; hub models need the network once (or a local copy: `fmkit models add`).")


@app.command("show")
def show(
    model_id: Annotated[str, typer.Argument(help="A catalog id, e.g. minilm-l6.")], as_json: JsonFlag = False
) -> None:
    """Show one catalog entry and whether it is available on this machine.

    Example: fmkit models show minilm-l6
    """
    from fmkit.catalog import resolve
    from fmkit.errors import ModelNotAvailableError

    card = Catalog().get(model_id)
    info = card.to_dict()
    try:
        info["local_path"], info["available"] = str(resolve(card)), True
    except ModelNotAvailableError as exc:
        info["local_path"], info["available"], info["how_to_get"] = None, False, str(exc)
    if as_json:
        emit_json(info)
        return
    for key, value in info.items():
        if value not in (None, "", [], {}):
            out.print(f"[bold]{key}[/bold]: {value}")


@app.command("add")
def add(
    model_id: Annotated[str, typer.Argument(help="The id to register, e.g. my-encoder.")],
    path: Annotated[Path, typer.Argument(help="A local HF-format model directory or a .gguf file.")],
    family: Annotated[str, typer.Option(help=f"One of {', '.join(FAMILIES)}.")] = "encoder",
    description: Annotated[str, typer.Option(help="What the model is for.")] = "",
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an existing registration.")] = False,
) -> None:
    """Register a local model directory or GGUF file in your catalog ($FMKIT_HOME/catalog.json).

    Example: fmkit models add my-encoder ./models/my-encoder --family encoder
    """
    path = path.expanduser().resolve()
    if path.is_file() and path.suffix == ".gguf":
        source = "gguf"
    elif path.is_dir() and (path / "config.json").exists():
        source = "local"
    else:
        raise ConfigError(
            f"{path} is neither a model directory with config.json nor a .gguf file; point at one of those"
        )
    card = ModelCard(  # ModelCard validates family and source
        id=model_id,
        family=cast(Family, family),
        source=cast(SourceKind, source),
        location=str(path),
        description=description,
        tasks=("classify", "embed") if family == "encoder" else ("generate",),
    )
    Catalog().add(card, replace=replace)
    out.print(f"registered {model_id!r} -> {path}")

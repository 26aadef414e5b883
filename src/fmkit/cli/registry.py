"""``fmkit registry``: register adapted models, name versions with aliases, promote and roll back.

The workspace is ``$FMKIT_HOME`` (default ``~/.fmkit``); ``FMKIT_DB_URL`` puts its database on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fmkit.cli._output import emit_json, out

if TYPE_CHECKING:
    from fmkit.workspace import VersionInfo, Workspace

app = typer.Typer(no_args_is_help=True, help="The model registry: versions, aliases, promotion and rollback.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Name = Annotated[str, typer.Argument(help="The registered model's name, e.g. tickets.")]


def _workspace() -> Workspace:
    from fmkit.workspace import Workspace

    return Workspace.open()


def _say(verb: str, info: VersionInfo, as_json: bool) -> None:
    if as_json:
        emit_json(info.to_dict())
    else:
        aliases = f" ({', '.join(info.aliases)})" if info.aliases else ""
        out.print(f"{verb} {info.ref}{aliases}: {info.method} on {info.base_model}, digest {info.digest[:12]}")


@app.command("add")
def add(
    directory: Annotated[Path, typer.Argument(help="An artifact directory written by `fmkit adapt --out`.")],
    name: Annotated[str, typer.Option("--name", help="The model name to register it under.")],
    parent: Annotated[
        str | None, typer.Option(help="Lineage: the version it was derived from, NAME:N or NAME@ALIAS.")
    ] = None,
    alias: Annotated[str | None, typer.Option(help="Also point this alias at the new version.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Copy a verified artifact into the store and register it as the next version of NAME.

    Example: fmkit registry add runs/tickets --name tickets --alias champion
    """
    workspace = _workspace()
    info = workspace.add(directory, name=name, parent=parent)
    if alias is not None:
        info = workspace.set_alias(name, alias, info.number)
    _say("registered", info, as_json)


@app.command("list")
def list_models(as_json: JsonFlag = False) -> None:
    """List registered models with their latest version and aliases.

    Example: fmkit registry list --json
    """
    models = _workspace().models()
    if as_json:
        emit_json(models)
        return
    if not models:
        out.print("the registry is empty; add a model with `fmkit registry add DIR --name NAME`")
        return
    table = Table(title="registered models")
    for column in ("name", "task", "versions", "latest", "aliases"):
        table.add_column(column)
    for m in models:
        aliases = ", ".join(f"{a} -> {n}" for a, n in m["aliases"].items())
        table.add_row(m["name"], m["task"], str(m["n_versions"]), str(m["latest"]), aliases)
    out.print(table)


@app.command("show")
def show(name: Name, as_json: JsonFlag = False) -> None:
    """Show every version of NAME (method, metrics, lineage, aliases) and its alias history.

    Example: fmkit registry show tickets
    """
    workspace = _workspace()
    versions, history = workspace.versions(name), workspace.history(name)
    if as_json:
        emit_json({"name": name, "versions": [v.to_dict() for v in versions], "alias_history": history})
        return
    table = Table(title=f"{name}: {len(versions)} versions")
    for column in ("version", "aliases", "method", "base model", "metrics", "parent", "created"):
        table.add_column(column, no_wrap=column in ("version", "method", "base model"))
    for v in versions:
        metrics = ", ".join(f"{k}={value:.3g}" for k, value in list(v.metrics.items())[:4])
        created = f"{v.created_at:%Y-%m-%d %H:%M} by {v.created_by}"
        table.add_row(str(v.number), ", ".join(v.aliases), v.method, v.base_model, metrics, v.parent or "", created)
    out.print(table)
    for event in history[-10:]:
        out.print(
            f"{event['at'][:19]}  {event['action']:<8} {event['alias']}: {event['previous']} -> {event['version']}"
        )


@app.command("alias")
def alias(
    name: Name,
    alias_name: Annotated[str, typer.Argument(metavar="ALIAS", help="champion, challenger or your own name.")],
    version: Annotated[int | None, typer.Option(help="The version number (default: the latest).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Point ALIAS of NAME at a version.

    Example: fmkit registry alias tickets challenger --version 3
    """
    _say(f"{alias_name} ->", _workspace().set_alias(name, alias_name, version), as_json)


@app.command("promote")
def promote(
    name: Name,
    source: Annotated[str, typer.Option("--from", help="The alias whose version is promoted.")] = "challenger",
    target: Annotated[str, typer.Option("--to", help="The alias that moves.")] = "champion",
    as_json: JsonFlag = False,
) -> None:
    """Move the champion alias (--to) to the challenger's version (--from); servers following it swap live.

    Example: fmkit registry promote tickets
    """
    _say(f"promoted to {target}:", _workspace().promote(name, source=source, target=target), as_json)


@app.command("rollback")
def rollback(
    name: Name,
    alias_name: Annotated[str, typer.Option("--alias", help="The alias to move back.")] = "champion",
    as_json: JsonFlag = False,
) -> None:
    """Move an alias back to the version it held before its last change.

    Example: fmkit registry rollback tickets
    """
    _say(f"{alias_name} rolled back to", _workspace().rollback(name, alias=alias_name), as_json)

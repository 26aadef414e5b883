"""``fmkit improve`` (select what to label) and ``fmkit label`` (the labeling queue in the terminal)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fmkit.cli._output import emit_json, err, out

if TYPE_CHECKING:
    from fmkit.workspace import Workspace

app = typer.Typer(no_args_is_help=True, help="Continuous improvement: pick what to label from production traffic.")


@app.command("select")
def select_cmd(
    model: Annotated[str, typer.Option("--model", help="The registered model name.")],
    budget: Annotated[int, typer.Option(help="How many items to queue for labeling.")] = 50,
    strategy: Annotated[
        str,
        typer.Option(help="random, least-confidence, margin, entropy, kcenter, clusters or hybrid (see docs)."),
    ] = "hybrid",
    alias: Annotated[str, typer.Option(help="The version that scores and embeds the pool.")] = "champion",
    max_pool: Annotated[int, typer.Option(help="Newest unlabeled logged inputs considered.")] = 5000,
    seed: Annotated[int, typer.Option(help="Seed of the strategy's random choices.")] = 0,
    drift_alpha: Annotated[float, typer.Option(help="Significance level of the input-drift test.")] = 0.01,
    drift_boost: Annotated[float, typer.Option(help="Extra priority of novel items when the input drifted.")] = 2.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Queue the logged production inputs most worth labeling (uncertain, diverse, novel under drift).

    Example: fmkit improve select --model tickets --budget 50 --strategy hybrid
    """
    from fmkit.improve.select import SelectOptions, select_for_labeling
    from fmkit.workspace import Workspace

    options = SelectOptions(
        budget=budget, strategy=strategy, alias=alias, max_pool=max_pool, seed=seed, drift_alpha=drift_alpha,
        drift_boost=drift_boost,
    )  # fmt: skip
    result = select_for_labeling(Workspace.open(), model, options)
    if as_json:
        emit_json(result)
        return
    drift = result["drift"]
    drift_line = (
        "no drift test (no training texts)"
        if drift is None
        else f"input drift p = {drift['p_value']:.2g}" + (" (novel items boosted)" if result["drift_boosted"] else "")
    )
    out.print(
        f"queued {result['queued']} of {result['pool']} unlabeled inputs of {result['version']} "
        f"with {result['strategy']}; {drift_line}; queue: {result['queue']}"
    )
    out.print(f"label them with: fmkit label --model {model}")


def label(
    model: Annotated[str, typer.Option("--model", help="The registered model name.")],
    who: Annotated[str | None, typer.Option(help="Your name, stored with each label (default: login name).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="Show the pending tasks and stop.")] = False,
    undo_: Annotated[bool, typer.Option("--undo", help="Take back your last label or skip and stop.")] = False,
    show_conflicts: Annotated[bool, typer.Option("--conflicts", help="Show disagreeing labels and stop.")] = False,
    export_label_studio: Annotated[
        Path | None, typer.Option(help="Write the pending tasks as Label Studio JSON tasks here and stop.")
    ] = None,
    import_label_studio: Annotated[
        Path | None, typer.Option(help="Read labels from a Label Studio JSON export and stop.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With --list or --conflicts: print JSON.")] = False,
) -> None:
    """Label the queued inputs in the terminal: a number or a label name labels, s skips, u undoes, q quits.

    Example: fmkit label --model tickets --who ana
    """
    from fmkit.improve import label_studio, queue
    from fmkit.workspace import Workspace

    ws = Workspace.open()
    person = who or getpass.getuser()
    if list_:
        tasks = queue.pending(ws, model, limit=1000)
        if as_json:
            emit_json({"counts": queue.counts(ws, model), "pending": [t.to_dict() for t in tasks]})
            return
        for task in tasks:
            out.print(f"{task.id:>6}  {task.guess} ({task.confidence:.2f})  {task.text[:100]}")
        out.print(f"{queue.counts(ws, model)}")
        return
    if undo_:
        undone = queue.undo(ws, model, person)
        out.print("nothing to undo" if undone is None else f"task {undone.id} is pending again: {undone.text[:80]}")
        return
    if show_conflicts:
        found = queue.conflicts(ws, model)
        if as_json:
            emit_json(found)
            return
        for item in found:
            said = ", ".join(f"{x['label']} ({x['by']})" for x in item["labels"])
            out.print(f"{item['prediction_id']}  {item['text'][:80]!r}: {said}")
        out.print(f"{len(found)} conflicting item(s)")
        return
    if export_label_studio is not None:
        n = label_studio.export_tasks(ws, model, export_label_studio)
        out.print(f"wrote {n} task(s) to {export_label_studio} (import them into a Label Studio project)")
        return
    if import_label_studio is not None:
        summary = label_studio.import_annotations(ws, model, import_label_studio)
        out.print(json.dumps(summary))
        return
    _interactive(ws, model, person)


def _interactive(ws: Workspace, model: str, person: str) -> None:
    from fmkit.improve import queue

    done = 0
    while True:
        tasks = queue.pending(ws, model, limit=1)
        if not tasks:
            out.print(f"the queue is empty ({done} labeled this session); queue more with `fmkit improve select`")
            return
        task = tasks[0]
        out.print(f"\n[bold]{task.text}[/bold]")
        out.print(f"model says: {task.guess} ({task.confidence:.0%})   strategy: {task.strategy}")
        choices = "  ".join(f"[{i}] {name}" for i, name in enumerate(task.labels, 1))
        out.print(f"{choices}   [s] skip  [u] undo  [q] quit")
        answer = typer.prompt(">", default="", show_default=False, prompt_suffix=" ").strip()
        if answer == "q":
            out.print(f"{done} labeled; {queue.counts(ws, model)}")
            return
        if answer == "s":
            queue.skip(ws, task.id, person)
        elif answer == "u":
            undone = queue.undo(ws, model, person)
            out.print("nothing to undo" if undone is None else f"undid task {undone.id}")
            done -= 1 if undone is not None and done > 0 else 0
        else:
            value = task.labels[int(answer) - 1] if answer.isdigit() and 0 < int(answer) <= len(task.labels) else answer
            if value not in task.labels:
                err.print(
                    f"[yellow]{answer!r} is not a choice:[/yellow] type 1..{len(task.labels)}, a label, s, u or q"
                )
                continue
            queue.label(ws, task.id, value, person)
            done += 1

"""``fmkit improve`` (select what to label) and ``fmkit label`` (the labeling queue in the terminal)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fmkit.cli._output import emit_json, err, out

if TYPE_CHECKING:
    from fmkit.workspace import Workspace

app = typer.Typer(no_args_is_help=True, help="Continuous improvement: pick what to label from production traffic.")

# options several commands share, declared once so their help stays the same
Model = Annotated[str, typer.Option("--model", help="The registered model name.")]
HoldoutTextCol = Annotated[str, typer.Option("--text-col", help="Text column of --holdout.")]
HoldoutLabelCol = Annotated[str, typer.Option("--label-col", help="Label column of --holdout.")]
MinGain = Annotated[float, typer.Option("--min-gain", help="Accuracy points the challenger must gain (more than).")]
Tolerance = Annotated[float, typer.Option("--tolerance", help="The most any slice may lose, in points.")]
MinSlice = Annotated[int, typer.Option("--min-slice", help="Slices with fewer items do not decide.")]


@app.command("select")
def select_cmd(
    model: Model,
    budget: Annotated[int, typer.Option(help="How many items to queue for labeling.")] = 50,
    strategy: Annotated[
        str,
        typer.Option(help="random, least-confidence, margin, entropy, kcenter, clusters or hybrid (see docs)."),
    ] = "margin",
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


@app.command("retrain")
def retrain_cmd(
    model: Model,
    data: Annotated[Path | None, typer.Option(help="Training data (default: the champion's own file).")] = None,
    holdout: Annotated[Path | None, typer.Option(help="The gate's holdout file: its texts never train.")] = None,
    text_col: Annotated[str, typer.Option(help="Text column of --data and --holdout.")] = "text",
    label_col: Annotated[str, typer.Option(help="Label column of --data and --holdout.")] = "label",
    alias: Annotated[str, typer.Option(help="The version whose recipe is retrained.")] = "champion",
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Retrain the champion's recipe on its data plus the labeled traffic; register it as the challenger.

    Example: fmkit improve retrain --model tickets --holdout holdout.csv
    """
    from fmkit.data import load_labeled
    from fmkit.improve.retrain import retrain
    from fmkit.workspace import Workspace

    train = load_labeled(str(data), text_col=text_col, label_col=label_col) if data else None
    held = load_labeled(str(holdout), text_col=text_col, label_col=label_col) if holdout else None
    result = retrain(Workspace.open(), model, alias=alias, data=train, holdout=held)
    if as_json:
        emit_json(result)
        return
    out.print(
        f"registered {result['version']} as {result['alias']} ({result['method']}, parent {result['parent']}): "
        f"{result['n_train']} examples = {result['from_training_data']} training + {result['from_traffic']} from "
        f"labeled traffic ({result['traffic_kept_for_the_gate']} kept out for the gate; left out: {result['left_out']})"
    )
    out.print(f"compare it with: fmkit improve gate --model {model} --holdout HOLDOUT.csv")


@app.command("gate")
def gate_cmd(
    model: Model,
    holdout: Annotated[Path, typer.Option(help="A labeled holdout file that never trains.")],
    text_col: HoldoutTextCol = "text",
    label_col: HoldoutLabelCol = "label",
    group_col: Annotated[str | None, typer.Option(help="A column of --holdout whose values are slices too.")] = None,
    min_gain: MinGain = 0.0,
    tolerance: Tolerance = 2.0,
    min_slice: MinSlice = 10,
    promote: Annotated[bool, typer.Option("--promote", help="Move champion to the challenger if it passes.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the decision as HTML with a plot here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision record as JSON.")] = False,
) -> None:
    """Challenger vs champion on the holdout, per class and group, and on held-out labeled traffic; with
    --promote, the champion alias moves when the challenger passes (servers following it swap live).

    Example: fmkit improve gate --model tickets --holdout holdout.csv --group-col region --promote
    """
    from fmkit.data import load_labeled
    from fmkit.data.loading import read_table
    from fmkit.improve.gate import GateOptions, gate, write_html
    from fmkit.workspace import Workspace

    options = GateOptions(min_gain=min_gain, tolerance=tolerance, min_slice=min_slice)
    held = load_labeled(str(holdout), text_col=text_col, label_col=label_col)
    groups = _groups(read_table(str(holdout)), group_col, len(held.texts), holdout) if group_col else None
    ws = Workspace.open()
    record = gate(ws, model, held, groups=groups, options=options)
    if promote and record["promote"]:
        ws.promote(model)
        record["promoted"] = True
    if report is not None:
        write_html(report, record)
    if as_json:
        emit_json(record)
        return
    verdict = "PROMOTE" if record["promote"] else "KEEP the champion"
    out.print(f"{verdict}: {record['challenger']} vs {record['champion']}")
    for reason in record["reasons"]:
        out.print(f"  - {reason}")
    if record.get("promoted"):
        out.print(f"champion -> {record['challenger']} (undo with: fmkit registry rollback {model})")
    if report is not None:
        out.print(f"report: {report}")


@app.command("run")
def run_cmd(
    model: Model,
    holdout: Annotated[Path, typer.Option(help="A labeled holdout file that never trains (the gate's).")],
    text_col: HoldoutTextCol = "text",
    label_col: HoldoutLabelCol = "label",
    budget: Annotated[int, typer.Option(help="Keep this many items pending in the labeling queue.")] = 50,
    strategy: Annotated[str, typer.Option(help="Selection strategy (see fmkit improve select).")] = "margin",
    min_new_labels: Annotated[int, typer.Option(help="New labeled traffic needed before retraining.")] = 20,
    min_gain: MinGain = 0.0,
    tolerance: Tolerance = 2.0,
    min_slice: MinSlice = 10,
    promote: Annotated[bool, typer.Option(help="Promote a challenger that passes the gate.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's record as JSON.")] = False,
) -> None:
    """The whole loop: queue what to label, and once enough is labeled, retrain, gate and promote. Safe to
    schedule: a run stopped part-way resumes where it stopped; nothing is promoted by a partial run.

    Example (cron, hourly): fmkit improve run --model tickets --holdout holdout.csv --json
    """
    from fmkit.data import load_labeled
    from fmkit.improve.gate import GateOptions
    from fmkit.improve.loop import LoopOptions, run_loop
    from fmkit.workspace import Workspace

    options = LoopOptions(
        budget=budget, strategy=strategy, min_new_labels=min_new_labels, promote=promote,
        gate=GateOptions(min_gain=min_gain, tolerance=tolerance, min_slice=min_slice),
    )  # fmt: skip
    held = load_labeled(str(holdout), text_col=text_col, label_col=label_col)
    record = run_loop(Workspace.open(), model, held, options)
    if as_json:
        emit_json(record)
        return
    steps = record["steps"]
    out.print(f"run {record['run']} ({record['status']}): queued {steps['select']['queued']}")
    if record["status"] == "waiting":
        labels = steps["labels"]
        out.print(f"waiting for labels: {labels['new']} new of {labels['needed']} needed (fmkit label --model {model})")
        return
    out.print(f"retrained {steps['retrain']['version']}; gate: {'pass' if steps['gate']['promote'] else 'fail'}")
    for reason in steps["gate"]["reasons"]:
        out.print(f"  - {reason}")
    out.print(f"champion: {steps['promote']['champion']}")


def _groups(table: Any, column: str, n: int, path: Path) -> list[str]:
    from fmkit.errors import DataError

    frame = table.frame
    if column not in frame.columns:
        raise DataError(f"{path}: no column {column!r} for --group-col (columns: {', '.join(map(str, frame.columns))})")
    values = [str(v) for v in frame[column].tolist()]
    if len(values) != n:
        raise DataError(f"{path}: {len(values)} rows but {n} usable holdout examples; drop rows with empty text first")
    return values


def label(
    model: Model,
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

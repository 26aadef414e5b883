"""``fmkit eval`` and ``fmkit predict``: score an artifact on labeled data, or use it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fmkit.cli._output import emit_json, err, out
from fmkit.errors import ConfigError


def eval_cmd(
    artifact: Annotated[Path, typer.Argument(help="An artifact directory written by `fmkit adapt`.")],
    data: Annotated[Path, typer.Option(help="Labeled evaluation data.")],
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report here.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json-out", help="Also write the JSON result to this file.")
    ] = None,
    text_col: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    label_col: Annotated[str, typer.Option(help="Column holding the label.")] = "label",
    target_col: Annotated[str, typer.Option(help="Generation artifacts: column of reference outputs.")] = "target",
    limit: Annotated[int | None, typer.Option(help="Generation artifacts: score the first N rows only.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Generation artifacts: write a PNG of lengths and ROUGE.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (keys include accuracy, macro_f1 / rougeL).")
    ] = False,
) -> None:
    """Evaluate an artifact: accuracy, macro-F1, per-class scores, calibration, latency and memory (classifiers);
    ROUGE-1/2/L and output lengths (generators).

    Example: fmkit eval runs/tickets --data holdout.csv --report report.html
    """
    from fmkit.api import load
    from fmkit.artifacts import read_manifest
    from fmkit.evaluation import evaluate

    if read_manifest(artifact, verify=False)["task"] != "classify":
        _eval_generator(artifact, data, text_col, target_col, limit, json_out, plot, as_json)
        return
    model = load(artifact)
    result = evaluate(model, data, text_col=text_col, label_col=label_col, report=report, json_path=json_out)
    if as_json:
        emit_json(result.to_dict())
        return
    m, p = result.metrics, result.performance
    table = Table(title=f"{model.method} on {data} ({m['n']} items)")
    for column in ("accuracy", "macro-F1", "ECE", "items/s", "latency p50 (1 item)", "peak memory"):
        table.add_column(column)
    table.add_row(
        f"{m['accuracy']:.3f}",
        f"{m['macro_f1']:.3f}",
        f"{m['ece']:.3f}",
        f"{p['items_per_second']:.1f}",
        f"{p['latency_ms_single_p50']:.1f} ms",
        f"{p['peak_memory_mb']:.0f} MB",
    )
    out.print(table)
    if report:
        out.print(f"report: {report}")


def _eval_generator(
    artifact: Path,
    data: Path,
    input_col: str,
    target_col: str,
    limit: int | None,
    json_out: Path | None,
    plot: Path | None,
    as_json: bool,
) -> None:
    from fmkit.generation.api import evaluate_generator, load_generator

    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {limit}")
    model = load_generator(artifact)
    result = evaluate_generator(
        model, data, input_col=input_col, target_col=target_col, limit=limit, json_path=json_out, plot_path=plot
    )
    if as_json:
        emit_json(result)
        return
    lengths = result["lengths"]
    table = Table(title=f"{model.manifest['method']} ({model.task}) on {data} ({result['n']} items)")
    for column in ("ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum", "words out / ref (median)", "items/s"):
        table.add_column(column)
    table.add_row(
        f"{result['rouge1']:.2f}",
        f"{result['rouge2']:.2f}",
        f"{result['rougeL']:.2f}",
        f"{result['rougeLsum']:.2f}",
        f"{lengths['outputs']['median']:.0f} / {lengths['references']['median']:.0f}",
        f"{result['performance']['items_per_second']:.2f}",
    )
    out.print(table)
    if plot:
        out.print(f"plot: {plot}")


def predict(
    artifact: Annotated[Path, typer.Argument(help="An artifact directory written by `fmkit adapt`.")],
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to classify.")] = None,
    file: Annotated[
        Path | None, typer.Option(help="A file of texts (CSV/JSONL with --text-col, or one per line .txt).")
    ] = None,
    text_col: Annotated[str, typer.Option(help="Column holding the text in --file.")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: label and probabilities per text.")] = False,
) -> None:
    """Predict labels for texts given as arguments or in a file.

    Example: fmkit predict runs/tickets "my card was charged twice"
    """
    from fmkit.api import load

    items = list(texts or [])
    if file is not None:
        items += _read_texts(file, text_col)
    if not items:
        raise ConfigError("no texts given; pass them as arguments or with --file")
    model = load(artifact)
    proba = model.predict_proba(items)
    rows: list[dict[str, Any]] = [
        {
            "text": t,
            "label": model.labels[int(p.argmax())],
            "probabilities": {lab: round(float(v), 6) for lab, v in zip(model.labels, p, strict=True)},
        }
        for t, p in zip(items, proba, strict=True)
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        probability = row["probabilities"][row["label"]]
        out.print(f"[bold]{row['label']}[/bold] ({probability:.2f})  {row['text'][:100]}")


def _read_texts(path: Path, text_col: str) -> list[str]:
    if path.suffix == ".txt":
        if not path.exists():
            raise ConfigError(f"--file {path} does not exist")
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    from fmkit.data import load_labeled

    err.print(f"reading {path}")
    return list(load_labeled(str(path), text_col=text_col, label_col=None).texts)

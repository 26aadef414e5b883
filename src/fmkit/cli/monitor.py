"""``fmkit monitor``: how a served model is doing, from the workspace's logs; exits 8 when an alert fires."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmkit.cli._output import emit_json, err, out

ALERT_EXIT = 8


def monitor(
    model: Annotated[str, typer.Option("--model", help="The registered model name.")],
    since: Annotated[str | None, typer.Option(help="Only the last 30m / 24h / 7d (default: all time).")] = None,
    reference: Annotated[
        Path | None, typer.Option(help="Training texts for the input-drift test (default: the artifact's own file).")
    ] = None,
    text_col: Annotated[str, typer.Option(help="Text column of --reference.")] = "text",
    report: Annotated[Path | None, typer.Option(help="Write an HTML report with plots here.")] = None,
    max_p99_ms: Annotated[float | None, typer.Option(help="Alert when p99 latency exceeds this.")] = None,
    max_error_rate: Annotated[
        float | None, typer.Option(help="Alert when the error rate exceeds this fraction.")
    ] = None,
    min_accuracy: Annotated[float | None, typer.Option(help="Alert when feedback accuracy is below this.")] = None,
    drift_alpha: Annotated[float, typer.Option(help="Significance level of the drift tests.")] = 0.01,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> int:
    """Latency p50/p95/p99, throughput, error rate, confidence and input drift, accuracy from feedback, per
    model version; exit code 8 when a threshold is crossed (for cron or CI alerting).

    Example: fmkit monitor --model tickets --since 24h --max-p99-ms 200 --min-accuracy 0.8 --report monitor.html
    """
    from fmkit.data import load_labeled
    from fmkit.monitoring import report as reports
    from fmkit.monitoring.monitor import Thresholds, parse_since
    from fmkit.monitoring.monitor import monitor as run
    from fmkit.workspace import Workspace

    thresholds = Thresholds(
        max_p99_ms=max_p99_ms, max_error_rate=max_error_rate, min_accuracy=min_accuracy, drift_alpha=drift_alpha
    )
    window = parse_since(since) if since else None
    texts = list(load_labeled(str(reference), text_col=text_col, label_col=None).texts) if reference else None
    result = run(Workspace.open(), model, since=window, reference=texts, thresholds=thresholds)
    if report is not None:
        reports.write_html(report, result)
    if as_json:
        emit_json(reports.public(result))
    else:
        _print(result)
        if report is not None:
            out.print(f"report: {report}")
    for alert in result["alerts"]:
        err.print(f"[red]alert:[/red] {alert}")
    return ALERT_EXIT if result["alerts"] else 0


def _print(result: dict[str, object]) -> None:
    out.print(f"{result['model']}: {result['n_predictions']} predictions, {result['n_feedback']} feedback items")
    versions = result["versions"]
    assert isinstance(versions, dict)
    for ref, s in versions.items():
        latency = s["latency_ms"] or {}
        accuracy = s["accuracy"]
        drift = s["input_drift"]
        out.print(
            f"  {ref}: {s['n_predictions']} predictions, p50/p95/p99 {latency.get('p50')}/{latency.get('p95')}/"
            f"{latency.get('p99')} ms, error rate {s['error_rate']}, "
            f"accuracy {accuracy['accuracy'] if accuracy else 'n/a'}, "
            f"input drift p {drift.get('p_value', drift.get('skipped'))}"
        )

"""``fmkit improve gate``: challenger vs champion, and a written decision.

Both versions are scored on the same sets: the fixed holdout file (which never trains; retrain leaves its
texts out), the labeled traffic the retrain kept out (:func:`fmkit.improve.retrain.is_traffic_eval`), and
slices of the holdout: each true class (recall) and each value of an optional group column (accuracy).
The challenger is promoted only if its holdout accuracy beats the champion's by more than ``min_gain``
points and no slice with at least ``min_slice`` items (the traffic set included) drops by more than
``tolerance`` points. The decision, with every number behind it, goes to the audit log (``improve.gate``),
and to an HTML report with a plot when asked.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fmkit.data.labeled import LabeledTexts
from fmkit.errors import ConfigError, DataError
from fmkit.improve.retrain import is_traffic_eval, labeled_traffic
from fmkit.workspace.registry import Workspace
from fmkit.workspace.schema import AuditEntry


@dataclass(frozen=True)
class GateOptions:
    min_gain: float = 0.0  #: holdout accuracy points the challenger must gain (strictly more than this)
    tolerance: float = 2.0  #: the most any slice may lose, in points
    min_slice: int = 10  #: slices with fewer items are shown but do not decide

    def __post_init__(self) -> None:
        problems = []
        if self.tolerance < 0:
            problems.append(f"--tolerance must be >= 0, got {self.tolerance}")
        if self.min_slice < 1:
            problems.append(f"--min-slice must be >= 1, got {self.min_slice}")
        if problems:
            raise ConfigError(problems)


def gate(
    ws: Workspace,
    name: str,
    holdout: LabeledTexts,
    *,
    groups: list[str] | None = None,
    champion: str = "champion",
    challenger: str = "challenger",
    options: GateOptions | None = None,
) -> dict[str, Any]:
    """Score both versions, decide, record the decision in the audit log; returns the decision record."""
    from fmkit.api import load

    options = options or GateOptions()
    if not holdout.labels:
        raise DataError(f"the holdout {holdout.source} has no labels; the gate needs a labeled holdout file")
    if groups is not None and len(groups) != len(holdout.texts):
        raise DataError(f"{len(groups)} group values for {len(holdout.texts)} holdout rows")
    old, new = ws.version(name, alias=champion), ws.version(name, alias=challenger)
    if old.number == new.number:
        raise ConfigError(f"{champion} and {challenger} are the same version ({old.ref}); retrain first")
    unknown = sorted(set(holdout.labels) - set(old.labels))
    if unknown:
        raise DataError(f"holdout labels {unknown} are not labels of {old.ref} ({old.labels}); fix the holdout file")
    traffic, _ = labeled_traffic(ws, name, old.labels)
    held_traffic = {t: y for t, y in traffic.items() if is_traffic_eval(t)}
    truth = np.array(holdout.labels)
    scores: dict[str, dict[str, Any]] = {}
    for role, info in (("champion", old), ("challenger", new)):
        model = load(ws.store.get(info.digest))
        predicted = np.array(model.predict(list(holdout.texts)))
        slices = {f"class={c}": _acc(predicted[truth == c], truth[truth == c]) for c in sorted(set(truth))}
        if groups is not None:
            g = np.array(groups)
            slices |= {f"group={v}": _acc(predicted[g == v], truth[g == v]) for v in sorted(set(g))}
        if held_traffic:
            texts = list(held_traffic)
            slices["recent traffic"] = _acc(np.array(model.predict(texts)), np.array([held_traffic[t] for t in texts]))
        scores[role] = {"version": info.ref, "holdout": _acc(predicted, truth), "slices": slices}
    decision = _decide(scores, options)
    record = {
        "model": name, "champion": old.ref, "challenger": new.ref, "promote": decision["promote"],
        "reasons": decision["reasons"], "holdout": holdout.source, "n_holdout": len(holdout.texts),
        "n_recent_traffic": len(held_traffic), "options": asdict(options), "scores": scores,
        "decided_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    with ws.session() as s:
        s.add(AuditEntry(actor="fmkit", action="improve.gate", target=new.ref, detail=record))
    return record


def _acc(predicted: np.ndarray[Any, Any], truth: np.ndarray[Any, Any]) -> dict[str, Any]:
    n = len(truth)
    return {"accuracy": round(100 * float((predicted == truth).mean()), 2) if n else None, "n": n}


def _decide(scores: dict[str, dict[str, Any]], options: GateOptions) -> dict[str, Any]:
    old, new = scores["champion"], scores["challenger"]
    gain = new["holdout"]["accuracy"] - old["holdout"]["accuracy"]
    reasons = []
    promote = gain > options.min_gain
    verdict = "better" if promote else "not better"
    reasons.append(
        f"holdout accuracy {old['holdout']['accuracy']:.2f} -> {new['holdout']['accuracy']:.2f} "
        f"({gain:+.2f} points; {verdict} than the required +{options.min_gain:g})"
    )
    for key, before in old["slices"].items():
        after = new["slices"][key]
        if before["accuracy"] is None or after["accuracy"] is None:
            continue
        drop = before["accuracy"] - after["accuracy"]
        if drop > options.tolerance:
            if before["n"] >= options.min_slice:
                promote = False
                reasons.append(f"{key} regresses {before['accuracy']:.2f} -> {after['accuracy']:.2f} "
                               f"(-{drop:.2f} > {options.tolerance:g} points, n={before['n']})")  # fmt: skip
            else:
                small = f"only {before['n']} items (< {options.min_slice})"
                reasons.append(f"{key} drops {drop:.2f} points but has {small}: not counted")
    if promote:
        reasons.append(f"no slice of >= {options.min_slice} items loses more than {options.tolerance:g} points")
    return {"promote": promote, "reasons": reasons}


def write_html(path: Path, record: dict[str, Any]) -> Path:
    """The decision as a self-contained HTML page with a champion-vs-challenger plot per slice."""
    import jinja2

    from fmkit.evaluation.report import atomic_write

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fmkit.improve", "templates"), autoescape=jinja2.select_autoescape(["html"])
    )
    png = base64.b64encode(_plot(record)).decode("ascii")
    return atomic_write(path, env.get_template("gate.html").render(record=record, plot=png))


def _plot(record: dict[str, Any]) -> bytes:
    from fmkit.evaluation.plots import figure, to_png

    old, new = record["scores"]["champion"], record["scores"]["challenger"]
    keys = ["holdout", *old["slices"]]
    before = [old["holdout"]["accuracy"]] + [old["slices"][k]["accuracy"] or 0 for k in keys[1:]]
    after = [new["holdout"]["accuracy"]] + [new["slices"][k]["accuracy"] or 0 for k in keys[1:]]
    fig, ax = figure(max(6.0, 0.9 * len(keys)), 3.4)
    x = np.arange(len(keys))
    ax.bar(x - 0.2, before, 0.4, label=f"champion {record['champion']}", color="tab:gray")
    ax.bar(x + 0.2, after, 0.4, label=f"challenger {record['challenger']}", color="tab:blue")
    ax.set_xticks(x, keys, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("accuracy / recall, %")
    ax.set_title("Promote" if record["promote"] else "Keep the champion")
    ax.legend(fontsize=8)
    return to_png(fig)

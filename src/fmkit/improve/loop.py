"""``fmkit improve run``: the whole loop in one command, safe to schedule.

Steps, each recorded in the workspace (a ``runs`` row of kind ``improve``) once its effect is committed:

1. ``select``: top the labeling queue up to ``budget`` pending items;
2. ``labels``: enough new labeled traffic since the champion was trained? If not, the run ends as
   ``waiting`` (people have not labeled yet) and changes nothing else;
3. ``retrain``: the challenger;
4. ``gate``: the decision record;
5. ``promote``: only when the gate of *this* run passed *this* run's challenger, and the champion is still
   the version that was gated against.

A run that stopped part-way (killed, crashed, the database went away) is resumed by the next invocation
from its last recorded step; a step whose effect landed but was not recorded yet is redone, which at worst
registers one more (never promoted) version. Nothing is promoted by a failed or partial run.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from fmkit.data.labeled import LabeledTexts
from fmkit.errors import ConfigError
from fmkit.improve import queue
from fmkit.improve.gate import GateOptions, gate
from fmkit.improve.retrain import is_traffic_eval, labeled_traffic, retrain
from fmkit.improve.select import SelectOptions, select_for_labeling
from fmkit.workspace.registry import VersionInfo, Workspace
from fmkit.workspace.schema import Run, utcnow

STEPS = ("select", "labels", "retrain", "gate", "promote")
CRASH_HOOK = "FMKIT_IMPROVE_CRASH_AFTER"  # tests only: exit abruptly after this step, before recording it


@dataclass(frozen=True)
class LoopOptions:
    budget: int = 50
    strategy: str = "margin"
    min_new_labels: int = 20  #: labeled traffic examples the champion has not seen, needed to retrain
    promote: bool = True
    gate: GateOptions = field(default_factory=GateOptions)

    def __post_init__(self) -> None:
        if self.min_new_labels < 1:
            raise ConfigError(f"--min-new-labels must be >= 1, got {self.min_new_labels}")
        SelectOptions(budget=self.budget, strategy=self.strategy)  # the same checks as `improve select`


def run_loop(ws: Workspace, name: str, holdout: LabeledTexts, options: LoopOptions) -> dict[str, Any]:
    """Run (or resume) one improvement cycle of model ``name``; returns the run's record."""
    run_id, state = _open_run(ws, name, holdout, options)
    steps: dict[str, Any] = state["steps"]
    champion = ws.version(name, alias="champion")
    if "select" not in steps:
        pending = queue.counts(ws, name)["pending"]
        top_up = options.budget - pending
        if top_up > 0:
            try:
                outcome = select_for_labeling(ws, name, SelectOptions(budget=top_up, strategy=options.strategy))
                steps["select"] = {"queued": outcome["queued"], "pool": outcome["pool"], "drift": outcome["drift"]}
            except Exception as exc:  # no traffic to choose from is not a reason to stop the loop
                steps["select"] = {"queued": 0, "note": str(exc)}
        else:
            steps["select"] = {"queued": 0, "note": f"{pending} items already pending"}
        _record(ws, run_id, state, "select")
    if "labels" not in steps:
        new = _new_labels(ws, name, champion)
        steps["labels"] = {"new": new, "needed": options.min_new_labels, "champion": champion.ref}
        if new < options.min_new_labels:
            state["status"] = "waiting"
            _record(ws, run_id, state, "labels", finished=True)
            return _public(run_id, state)
        _record(ws, run_id, state, "labels")
    if "retrain" not in steps:
        result = retrain(ws, name, holdout=holdout)
        steps["retrain"] = {k: result[k] for k in ("version", "parent", "n_train", "from_traffic", "data")}
        _record(ws, run_id, state, "retrain")
    challenger = steps["retrain"]["version"]
    if ws.version(name, alias="challenger").ref != challenger:  # someone moved it meanwhile: gate this run's
        ws.set_alias(name, "challenger", int(challenger.split(":")[1]))
    if "gate" not in steps:
        record = gate(ws, name, holdout, options=options.gate)
        steps["gate"] = {k: record[k] for k in ("champion", "challenger", "promote", "reasons")}
        _record(ws, run_id, state, "gate")
    decision = steps["gate"]
    current = ws.version(name, alias="champion").ref
    promoted = False
    if options.promote and decision["promote"] and decision["challenger"] == challenger:
        if current == decision["champion"]:
            ws.promote(name)
            promoted = True
        elif current == challenger:
            promoted = True  # a crash hit between the promotion and its record: it is done already
    steps["promote"] = {"promoted": promoted, "champion": ws.version(name, alias="champion").ref}
    state["status"] = "promoted" if promoted else "kept"
    _record(ws, run_id, state, "promote", finished=True)
    return _public(run_id, state)


def _open_run(ws: Workspace, name: str, holdout: LabeledTexts, options: LoopOptions) -> tuple[int, dict[str, Any]]:
    """The unfinished improve run of ``name`` to resume, or a new one."""
    with ws.session() as s:
        runs = s.scalars(
            select(Run).where(Run.kind == "improve", Run.finished_at.is_(None)).order_by(Run.id.desc())
        ).all()
        for run in runs:
            if run.params.get("model") == name:
                state = dict(run.params)
                state["resumed"] = state.get("resumed", 0) + 1
                run.params = state
                return run.id, state
        state = {"model": name, "status": "running", "holdout": holdout.source, "resumed": 0, "steps": {},
                 "options": asdict(options)}  # fmt: skip
        row = Run(kind="improve", params=state, version_id=None)
        s.add(row)
        s.flush()
        return row.id, state


def _record(ws: Workspace, run_id: int, state: dict[str, Any], step: str, *, finished: bool = False) -> None:
    if os.environ.get(CRASH_HOOK) == step:
        os._exit(137)  # as if killed right after the step's effect, before its record
    with ws.session() as s:
        run = s.get_one(Run, run_id)
        run.params = {**state, "steps": dict(state["steps"])}
        if finished:
            run.finished_at = utcnow()


def _new_labels(ws: Workspace, name: str, champion: VersionInfo) -> int:
    """Labeled traffic the champion's training set does not hold (and that may train: not the gate's share)."""
    from fmkit.monitoring.monitor import training_texts

    seen = set(training_texts(ws, champion) or ())
    traffic, _ = labeled_traffic(ws, name, champion.labels)
    return sum(1 for text in traffic if text not in seen and not is_traffic_eval(text))


def _public(run_id: int, state: dict[str, Any]) -> dict[str, Any]:
    return {"run": run_id, **{k: v for k, v in state.items() if k != "options"}}

"""What a fit did, in words, after ``fmkit adapt``: auto's pick, self-train's rounds, a shift of the head."""

from __future__ import annotations

from typing import Any

from fmkit.cli._output import out

STOPPED = {  # self-train's fit_info.stopped, in words
    "rounds": "its rounds were done",
    "guard": "a round lowered validation accuracy",
    "stable": "the pseudo-labels stopped changing",
    "no pseudo-labels": "no pool text was confident enough",
}


def explain_fit(info: dict[str, Any]) -> None:
    """Print what ``fit_info`` says a person should know: auto's pick and label budget, self-train's rounds
    (and whether anything judged them), and the class balance the head was shifted to."""
    explain_auto(info)
    inner = info.get("chosen_info", {}) if "auto_method" in info else info
    lines = self_train_lines(inner) if "kept_round" in inner else []
    for line in lines + shift_lines(inner):
        out.print(line, soft_wrap=True)


def explain_auto(info: dict[str, Any]) -> None:
    """What ``auto`` picked, why, and what more labels would buy."""
    if "auto_method" not in info:
        return
    out.print(f"auto picked [bold]{info['auto_method']}[/bold]: {info['auto_why']}", soft_wrap=True)
    for step in info.get("label_budget", []):
        out.print(
            f"  label budget: {step['labels_to_add']} more labels ({step['per_class']} per class) -> "
            f"about {100 * step['expected_accuracy']:.0f}% accuracy ({_budget_range(step)}), "
            f"{100 * step.get('gain', 0.0):+.0f} points (estimated: docs/methods.md#auto)"
        )


def self_train_lines(info: dict[str, Any]) -> list[str]:
    """self-train's rounds, the one it kept and why it stopped; without a validation set, that nothing judged
    the rounds and how to have them judged."""
    rounds = info.get("rounds", [])
    counts = ", ".join(str(r["pseudo_labels"]) for r in rounds)
    done = f"{len(rounds)} pseudo-labeling round(s) ({counts} pseudo-labels)" if rounds else "no pseudo-labeling round"
    lines = [
        f"self-train: {done}; kept the model of round "
        f"{info['kept_round']} (0 = labeled only); stopped: {STOPPED.get(info.get('stopped', ''), info.get('stopped'))}"
    ]
    if info.get("guard") == "validation":
        accuracy = " -> ".join(f"{100 * a:.1f}" for a in info.get("valid_accuracy", []))
        lines.append(f"  rounds judged on the validation labels (accuracy % by round: {accuracy})")
    elif info.get("guard") == "no validation set" and rounds:
        lines.append(
            "  the rounds were not judged (no --valid): pseudo-labels can also hurt, most often with many labels "
            "per class; pass --valid with a few more labels per class to keep only rounds that do not lower "
            "accuracy (docs/methods.md#self-train)"
        )
    return lines


def shift_lines(info: dict[str, Any]) -> list[str]:
    """The class balance the head was moved to: the user's, or the pool's as estimated."""
    for key, source in (("class_balance", "the given class balance"), ("pool_prior", "the pool's estimated balance")):
        balance = info.get(key)
        if balance:
            shares = ", ".join(f"{label} {100 * share:.0f}%" for label, share in balance.items())
            return [f"head shifted to {source}: {shares}"]
    return []


def _budget_range(step: dict[str, Any]) -> str:
    """A forecast's 80 % range; models saved before ranges existed have none."""
    if "low" not in step:
        return "no range recorded"
    return f"80% range {100 * step['low']:.0f}-{100 * step['high']:.0f}%"

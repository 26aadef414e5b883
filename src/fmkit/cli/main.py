"""The ``fmkit`` command: one typer app, one file per command group, errors as one line and an exit code.

Exit codes: 0 success; 1 unexpected failure; 2 bad flag or config; 3 bad data; 4 model not available;
5 bad artifact; 6 workspace (registry, database); 8 a monitoring alert fired; 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from typing import Any

import typer

from fmkit.cli import adapt as adapt_cmds
from fmkit.cli import choose as choose_cmds
from fmkit.cli import demo as demo_cmds
from fmkit.cli import evaluate as eval_cmds
from fmkit.cli import generate as generate_cmds
from fmkit.cli import improve as improve_cmds
from fmkit.cli import models as models_cmds
from fmkit.cli import monitor as monitor_cmds
from fmkit.cli import registry as registry_cmds
from fmkit.cli import serve as serve_cmds

app = typer.Typer(
    name="fmkit",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn pretrained foundation models into production models: choose, adapt, evaluate, deploy, improve.",
)
app.add_typer(models_cmds.app, name="models")
app.add_typer(registry_cmds.app, name="registry")
app.add_typer(serve_cmds.keys_app, name="keys")
app.add_typer(adapt_cmds.methods_app, name="methods")
app.add_typer(improve_cmds.app, name="improve")
app.command("choose")(choose_cmds.choose)
app.command("adapt")(adapt_cmds.adapt)
app.command("eval")(eval_cmds.eval_cmd)
app.command("predict")(eval_cmds.predict)
app.command("generate")(generate_cmds.generate)
app.command("serve")(serve_cmds.serve)
app.command("monitor")(monitor_cmds.monitor)
app.command("label")(improve_cmds.label)
app.command("demo")(demo_cmds.demo)


def _show_warning(message: Any, category: type[Warning], filename: str, lineno: int, *args: Any, **kwargs: Any) -> None:
    from fmkit.cli._output import err
    from fmkit.data.validate import DataWarning

    if issubclass(category, DataWarning):
        err.print(f"[yellow]warning:[/yellow] {message}")


def _quiet_libraries() -> None:
    """The CLI shows its own progress; silence the libraries' bars and chatter (the library API leaves them)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    warnings.showwarning = _show_warning


def main(argv: list[str] | None = None) -> int:
    _quiet_libraries()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run finally-blocks (artifact clean-up) on kill
    from fmkit.errors import FmkitError

    try:
        # Non-standalone typer returns the exit code of --help, of Ctrl-C (130) and of typer.Exit.
        result = app(args=argv, standalone_mode=False)
    except FmkitError as exc:
        from fmkit.cli._output import err

        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return 130
    except typer.TyperException as exc:  # usage errors: unknown command, missing option, bad value
        show = getattr(exc, "show", None)  # click's usage errors print themselves with the usage line
        if callable(show):
            show()
        return int(exc.exit_code)
    return result if isinstance(result, int) else 0


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())

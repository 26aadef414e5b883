"""``python -m fmkit``: the same as the ``fmkit`` command."""

from fmkit.cli.main import entry

entry()

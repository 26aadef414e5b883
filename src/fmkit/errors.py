"""The one exception tree of fmkit.

Every error a user can cause is an ``FmkitError`` whose message says what was expected, what was found
and what to do next. The CLI turns each into a one-line message and the exit code below::

    FmkitError (1)
    ├── ConfigError (2)            a bad flag, config field or combination of them
    ├── DataError (3)              input data that cannot be used as given
    │   └── DataFormatError (3)    a file that cannot be read (corrupt, undecodable, wrong format)
    ├── ModelNotAvailableError (4) a catalog entry that cannot be resolved here (offline, missing package)
    ├── ArtifactError (5)          an adapted-model directory that is missing, tampered or mismatched
    └── WorkspaceError (6)         the workspace database or registry cannot do what was asked
                                   (unknown model or alias, unreachable or outdated database)
"""

from __future__ import annotations


class FmkitError(Exception):
    """Base of every error fmkit raises on purpose."""

    exit_code: int = 1


class ConfigError(FmkitError):
    """A configuration value, flag or combination of them is invalid."""

    exit_code = 2

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class DataError(FmkitError):
    """Input data is well-formed but cannot be used as given (missing column, empty text, ...)."""

    exit_code = 3


class DataFormatError(DataError):
    """An input file cannot be read: corrupt, undecodable or of an unsupported format."""


class ModelNotAvailableError(FmkitError):
    """A catalog entry cannot be resolved to local files on this machine."""

    exit_code = 4


class ArtifactError(FmkitError):
    """An adapted-model directory is missing, incomplete, tampered with or does not match its manifest."""

    exit_code = 5


class WorkspaceError(FmkitError):
    """The workspace (database, registry, artifact store) cannot do what was asked."""

    exit_code = 6

"""How a subcommand reports a refused action or a file it could not write: one line on stderr, status 1."""

from __future__ import annotations

import sys

from data.errors import DispatchError


def command_failed(prog: str, exc: DispatchError | OSError, target: object = "") -> int:
    """Print `prog: reason` (an OSError as `cannot write TARGET: reason`) and return the exit status 1."""
    if isinstance(exc, OSError):
        where = f" {target}" if target else ""
        print(f"{prog}: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
    else:
        print(f"{prog}: {exc}", file=sys.stderr)
    return 1

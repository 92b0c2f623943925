"""The cso-console command: `run` (default) and the other subcommands."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import traceback
from collections.abc import Sequence

import console.commands

# `run` first so it is listed first in --help.
FIRST = ("run", "seed_demo")


def _command_modules() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules(console.commands.__path__) if not m.name.startswith("_")]
    return [m for m in FIRST if m in found] + sorted(m for m in found if m not in FIRST)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: an option given before the subcommand is not reset by the subcommand's default.
    common.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL or SQLite file (default: $CSO_DATABASE_URL, else the SQLite file in the user data directory)",
    )
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log more detail")
    parser = argparse.ArgumentParser(
        prog="cso-console",
        description="Computer-aided dispatch for a city's Community Safety Officers.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _command_modules():
        module = importlib.import_module(f"console.commands.{name}")
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = {
        name for action in parser._actions if isinstance(action, argparse._SubParsersAction) for name in action.choices
    }
    if not any(a in commands for a in args_list) and not any(a in ("-h", "--help") for a in args_list):
        args_list = ["run", *args_list]  # plain `cso-console` launches the console
    args = parser.parse_args(args_list)
    args.db = getattr(args, "db", None)
    args.verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every door: one line that says what is wrong, status 2; the traceback with -v
        if args.verbose:
            traceback.print_exc()
        print(f"cso-console: {explain(exc)}", file=sys.stderr)
        return 2


def explain(exc: BaseException) -> str:
    """One readable line for an error no command refused by itself (a bad URL, a damaged file, odd input)."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    if isinstance(exc, NoSuchModuleError | ArgumentError):
        return f"the database URL cannot be used ({first}); give a SQLite file path or postgresql+psycopg://..."
    if isinstance(exc, DBAPIError):
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0][:300]
        return f"the database cannot be used: {reason}"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read"
    if isinstance(exc, UnicodeError):
        return f"the input is not valid UTF-8 text ({first})"
    if isinstance(exc, OverflowError):
        return f"a number is out of range ({first})"
    return f"{first} ({type(exc).__name__}; run with -v for details)"

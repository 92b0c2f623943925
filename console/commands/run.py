"""cso-console run: launch the dispatch console (the default command)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "run",
        parents=[common],
        help="launch the console (default)",
        description="Launch the dispatch console. An empty database offers the demo shift.",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="load the demo shift into an empty database and sign in as the demo dispatcher",
    )
    p.add_argument("--simulate", action="store_true", help="with --demo: move demo units and advance their calls live")
    p.add_argument("--no-map", action="store_true", help="start without the map pane")
    # For smoke tests: close the window after this many seconds.
    p.add_argument("--quit-after", type=float, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from console.app import run_console

    return run_console(
        db_url=args.db, demo=args.demo, simulate=args.simulate, with_map=not args.no_map, quit_after=args.quit_after
    )

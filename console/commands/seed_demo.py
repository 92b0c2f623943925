"""cso-console seed-demo: fill an empty database with the demo shift."""

from __future__ import annotations

import argparse
import time

from data.db import Database
from data.demo import seed_demo
from data.errors import DispatchError


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "seed-demo",
        parents=[common],
        help="fill an empty database with a realistic demo shift in the pack's city",
        description="Fill an empty database with a demo day shift: units, officers and incidents at real "
        "places of the jurisdiction pack's city, in every state. Everything it creates is marked DEMO.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    db = Database(args.db)
    try:
        summary = seed_demo(db)
    except DispatchError as exc:
        print(f"seed-demo: {exc}")
        return 1
    finally:
        db.dispose()
    for line in summary.lines():
        print(line)
    print(f"  into {db.display_name} in {time.perf_counter() - started:.1f} s")
    return 0

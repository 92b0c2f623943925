"""cso-console centre check: the dispatch centre's servers, their roles and synchronous standbys."""

from __future__ import annotations

import argparse
import json

from data.centre_check import check_centre
from data.db import resolve_url


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "centre",
        parents=[common],
        help="check the dispatch centre's database servers",
        description="Ask every server of the (multi-host) PostgreSQL URL for its role, timeline and standbys. "
        "Exits 1 when no primary or two primaries answer, or no standby is synchronous.",
    )
    p.add_argument("what", choices=["check"], help="check: print each server and any problem")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    url = resolve_url(args.db)
    if not url.startswith("postgresql"):
        print("centre check needs a PostgreSQL URL (--db or CSO_DATABASE_URL)")
        return 2
    state = check_centre(url)
    if args.json:
        print(json.dumps(state.as_dict()))
    else:
        for server in state.servers:
            print(server.line())
        print("healthy" if state.healthy else "PROBLEMS:\n" + "\n".join(f"- {p}" for p in state.problems))
    return 0 if state.healthy else 1

"""cso-console bench AREA: print one area's performance figures."""

from __future__ import annotations

import argparse
import importlib
import json

from console.benchmarks import AREAS


def areas() -> list[str]:
    return list(AREAS)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "bench",
        parents=[common],
        help="measure one area's performance figures",
        description="Run one benchmark area and print its figures (medians from one run).",
    )
    p.add_argument("area", choices=areas(), help="what to measure")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--quick", action="store_true", help="a small run of seconds that only checks it works")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.quick:
        for key, value in AREAS[args.area].quick.items():
            setattr(args, key, value)
    module = importlib.import_module(f"console.benchmarks.{args.area}")
    figures = module.run(args)
    if args.json:
        print(json.dumps(figures))
    else:
        width = max(len(k) for k in figures)
        for key, value in figures.items():
            print(f"{key:<{width}}  {value}")
    return 0

"""The `geocode` subcommand: ranked location candidates for typed text, as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser | None = None,
) -> None:
    """Add the `geocode` parser to the main CLI; `common` carries the CLI's shared options."""
    parser = subparsers.add_parser(
        "geocode",
        parents=[common] if common is not None else [],
        help="geocode addresses, intersections or landmark names offline",
        description="Print one JSON line per query with its ranked candidates.",
    )
    parser.add_argument("text", nargs="*", help="the location, e.g. 8300 Santa Monica Blvd")
    parser.add_argument("--stdin", action="store_true", help="read one query per line from standard input")
    parser.add_argument("--limit", type=int, default=5, help="most candidates per query (default 5)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Geocode the positional text and/or each stdin line; exit status 2 when given nothing."""
    queries: list[str] = []
    if args.text:
        queries.append(" ".join(args.text))
    if args.stdin:
        queries.extend(_lines(sys.stdin))
    if not queries:
        print("geocode: give location text or --stdin", file=sys.stderr)
        return 2
    from maps.geocoder import default_geocoder  # not at import: every cso-console command loads this module

    geocoder = default_geocoder()
    for query in queries:
        candidates = geocoder.geocode(query, limit=max(args.limit, 0))
        record = {"query": query, "candidates": [c.to_json() for c in candidates]}
        # Flushed per line so a caller can stream queries through a pipe.
        print(json.dumps(record), flush=True)
    return 0


def _lines(stream: Iterable[str]) -> Iterable[str]:
    for line in stream:
        text = line.strip()
        if text:
            yield text

"""A second workstation for the clear race: clears the incident it is told to, when the parent says go."""

from __future__ import annotations

import sys

from data import services
from data.db import Database
from data.errors import AlreadyClosedError, StaleWriteError
from data.permissions import Actor


def main(url: str, name: str) -> None:
    db = Database(url, upgrade=False)
    actor = Actor(name, role="dispatcher", workstation=f"ws-{name}")
    print("ready", flush=True)
    # One line per round: "<incident id> <version seen or -> "; the answer: ok, stale or closed.
    for line in sys.stdin:
        ident, seen = line.split()
        try:
            services.clear_incident(
                db, actor, int(ident), disposition="18", expected_version=None if seen == "-" else int(seen)
            )
            print("ok", flush=True)
        except StaleWriteError:
            print("stale", flush=True)
        except AlreadyClosedError as exc:
            print(f"closed {exc}", flush=True)
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""cso-console migrate: create or upgrade the database schema (the console also does it at start)."""

from __future__ import annotations

import argparse

from data.db import Database


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "migrate",
        parents=[common],
        help="create or upgrade the database schema",
        description="Create or upgrade the schema to the newest revision; run it as the database owner.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    db = Database(args.db)
    try:
        with db.engine.connect() as conn:
            from alembic.runtime.migration import MigrationContext  # only this command needs it

            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        db.dispose()
    print(f"{db.display_name}: schema at revision {revision}")
    return 0

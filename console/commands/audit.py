"""cso-console audit export: the audit log to a CSV file (as the local administrator; the export is audited)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from zoneinfo import ZoneInfo

from console.commands._failures import command_failed
from data import auth
from data.audit_export import export_audit
from data.db import Database
from data.errors import DispatchError


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "audit",
        help="export the audit log",
        description="Read the audit log as the local administrator 'console-admin'; each read is itself audited.",
    )
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    export = sub.add_parser("export", parents=[common], help="write audit entries to a CSV file")
    export.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")
    export.add_argument(
        "--since",
        metavar="WHEN",
        help="from this date or date-time (YYYY-MM-DD[THH:MM]; local time of the jurisdiction unless an offset is given)",
    )
    export.add_argument("--until", metavar="WHEN", help="up to (not including) this date or date-time")
    export.add_argument("--user", help="only entries whose user name contains this")
    export.add_argument("--action", help="only entries whose action contains this (e.g. sign_in)")
    export.set_defaults(func=run_export)


def parse_when(text: str | None, timezone: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM)"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(dt.UTC)


def run_export(args: argparse.Namespace) -> int:
    db = Database(args.db)
    try:
        since = parse_when(args.since, db.pack.timezone)
        until = parse_when(args.until, db.pack.timezone)
        count = export_audit(
            db, auth.local_admin(), args.out, since=since, until=until, username=args.user, action=args.action
        )
    except argparse.ArgumentTypeError as exc:
        print(f"cso-console audit export: {exc}", file=sys.stderr)
        return 2
    except (DispatchError, OSError) as exc:
        return command_failed("cso-console audit export", exc, args.out)
    finally:
        db.dispose()
    print(f"{count} audit entries written to {args.out}")
    return 0

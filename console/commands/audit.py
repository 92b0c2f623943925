"""cso-console audit export: the audit log to a CSV file (as the local administrator; the export is audited)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo

from console.commands._failures import command_failed
from data import audit_chain, auth
from data.audit_export import export_audit
from data.db import Database
from data.errors import DispatchError


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "audit",
        help="export the audit log or verify its hash chain",
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
    check = sub.add_parser(
        "verify",
        parents=[common],
        help="recompute the audit log's and the timelines' hash chains; name the first altered, inserted or missing row",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=run_verify)


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


def run_verify(args: argparse.Namespace) -> int:
    """Exit 0 when every chain holds, 1 when one is broken (each break named on standard output)."""
    db = Database(args.db)
    try:
        with db.read() as session:
            reports = audit_chain.verify(session)
    except DispatchError as exc:
        return command_failed("cso-console audit verify", exc)
    finally:
        db.dispose()
    if args.json:
        print(
            json.dumps(
                {
                    r.table: {
                        "rows": r.rows,
                        "intact": r.intact,
                        "head_seq": r.head_seq,
                        "head_hash": r.head_hash,
                        "breaks": [
                            {"kind": b.kind, "row_id": b.row_id, "seq": b.seq, "message": b.message} for b in r.breaks
                        ],
                    }
                    for r in reports
                }
            )
        )
    else:
        for report in reports:
            print(audit_chain.describe(report))
            for extra in report.breaks[1:10]:
                print(f"  also: {extra.message}")
    return 0 if all(r.intact for r in reports) else 1

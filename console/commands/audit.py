"""cso-console audit export: the audit log to a CSV file (as the local administrator; the export is audited)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo

from console.commands._admin import Refused, acting_admin, add_sign_in
from console.commands._failures import command_failed
from data import audit_chain, auth
from data.audit_export import export_audit
from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "audit",
        help="export the audit log or verify its hash chain",
        description="Read or verify the audit log as a supervisor or administrator who signs in (--as NAME), or "
        "over the database owner's connection; each read is itself audited.",
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
    add_sign_in(export, password_stdin=True)
    export.set_defaults(func=run_export)
    check = sub.add_parser(
        "verify",
        parents=[common],
        help="recompute the audit log's and the timelines' hash chains; name the first altered, inserted or missing row",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    add_sign_in(check, password_stdin=True)
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
    prog = "cso-console audit export"
    try:
        db = Database(args.db, create=False)
    except DispatchError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    actor = None
    try:
        since = parse_when(args.since, db.pack.timezone)
        until = parse_when(args.until, db.pack.timezone)
        actor = acting_admin(db, args, action="read_audit", from_stdin=args.password_stdin)
        count = export_audit(db, actor, args.out, since=since, until=until, username=args.user, action=args.action)
    except (argparse.ArgumentTypeError, Refused) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except (DispatchError, OSError) as exc:
        return command_failed(prog, exc, args.out)
    finally:
        _sign_out(db, actor)
        db.dispose()
    print(f"{count} audit entries written to {args.out}")
    return 0


def _sign_out(db: Database, actor: Actor | None) -> None:
    if actor is not None and actor.username != auth.LOCAL_ADMIN:
        auth.sign_out(db, actor)


def run_verify(args: argparse.Namespace) -> int:
    """Exit 0 when every chain holds, 1 when one is broken (each break named on standard output)."""
    prog = "cso-console audit verify"
    try:
        db = Database(args.db, create=False)
    except DispatchError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    actor = None
    try:
        actor = acting_admin(db, args, action="read_audit", from_stdin=args.password_stdin)
        with db.read() as session:
            reports = audit_chain.verify(session)
    except Refused as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except DispatchError as exc:
        return command_failed(prog, exc)
    finally:
        _sign_out(db, actor)
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

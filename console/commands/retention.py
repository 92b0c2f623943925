"""cso-console retention apply: remove personal details of repeat contacts past the pack's retention (audited)."""

from __future__ import annotations

import argparse
import json
import sys
from zoneinfo import ZoneInfo

from console.commands._admin import Refused, acting_admin, add_sign_in
from console.commands._failures import command_failed
from data import auth
from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor
from data.services import retention


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "retention",
        help="remove personal details of repeat contacts from records closed longer ago than the pack keeps them",
        description="Names, dates of birth, addresses and ID numbers of the people in welfare checks and citations "
        "are removed from records whose incident closed more than [history] retention_months ago (the pack). "
        "The records, their outcomes, referrals and fines stay. As an administrator who signs in (--as NAME) or "
        "over the database owner's connection; the run and every record it changes are audited.",
    )
    sub = p.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    run = sub.add_parser("apply", parents=[common], help="remove the personal details past retention")
    run.add_argument("--dry-run", action="store_true", help="list what would be removed; change nothing")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    add_sign_in(run, password_stdin=True)
    run.set_defaults(func=run_apply)


def run_apply(args: argparse.Namespace) -> int:
    prog = "cso-console retention apply"
    try:
        db = Database(args.db, create=False)
    except DispatchError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    actor: Actor | None = None
    try:
        actor = acting_admin(db, args, action=retention.PRIVILEGE, from_stdin=args.password_stdin)
        done = retention.plan(db, actor) if args.dry_run else retention.apply(db, actor)
        zone = ZoneInfo(db.pack.timezone)
    except Refused as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except DispatchError as exc:
        return command_failed(prog, exc)
    finally:
        if actor is not None and actor.username != auth.LOCAL_ADMIN:
            auth.sign_out(db, actor)
        db.dispose()
    if args.json:
        print(
            json.dumps(
                {
                    "dry_run": bool(args.dry_run),
                    "months": done.months,
                    "cutoff": done.cutoff.isoformat(),
                    "records": [
                        {
                            "kind": r.kind,
                            "id": r.record_id,
                            "record": r.label,
                            "closed_at": r.closed_at.isoformat(),
                            "fields": list(r.fields),
                        }
                        for r in done.removals
                    ],
                    "person_links": list(done.links),
                }
            )
        )
        return 0
    cutoff = done.cutoff.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    verb = "would remove" if args.dry_run else "removed"
    for r in done.removals:
        closed = r.closed_at.astimezone(zone).strftime("%Y-%m-%d")
        print(f"{r.kind} {r.label} (closed {closed}): {', '.join(r.fields)}")
    if done.links:
        print(
            f"{len(done.links)} supervisor's merge or split naming only these people: {'would go' if args.dry_run else 'removed'}"
        )
    print(
        f"Retention {done.months} months (records closed before {cutoff}): {verb} personal details "
        f"from {done.count} record{'s' if done.count != 1 else ''}."
    )
    return 0

"""cso-console users: add, list, unlock, set-role, disable, enable, passwd (as the local administrator)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from zoneinfo import ZoneInfo

from console.commands._admin import Refused, acting_admin, add_sign_in
from data import auth
from data.db import Database
from data.errors import DispatchError
from data.permissions import ROLES, Actor

EPILOG = (
    "These commands need an administrator's sign-in (--as NAME) or the database owner's connection "
    "(on SQLite, whoever can open the file; the owner acts as 'console-admin'); every change is audited "
    "under the name that signed in. There is no default password: the first administrator is added by "
    "the owner with `cso-console users add --role admin NAME`."
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "users",
        help="add and administer the accounts that sign in to the console",
        description="Add and administer sign-in accounts (dispatcher, supervisor, admin).",
        epilog=EPILOG,
    )
    sub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", parents=[common], help="add an account (asks for the password twice)")
    add.add_argument("name", metavar="NAME", help="user name: lowercase letters, digits, . _ -")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--display-name", default="", help="the name shown in the title bar and status bar")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (after the --as password, when --as is given)",
    )
    add_sign_in(add)
    add.set_defaults(func=run_add)

    listing = sub.add_parser("list", parents=[common], help="list the accounts")
    add_sign_in(listing, password_stdin=True)
    listing.set_defaults(func=run_list)

    unlock = sub.add_parser("unlock", parents=[common], help="release an account locked by failed sign-ins")
    unlock.add_argument("name", metavar="NAME")
    add_sign_in(unlock, password_stdin=True)
    unlock.set_defaults(func=_simple(auth.unlock_user, "unlocked"))

    role = sub.add_parser("set-role", parents=[common], help="change an account's role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", metavar="ROLE", choices=ROLES)
    add_sign_in(role, password_stdin=True)
    role.set_defaults(func=run_set_role)

    disable = sub.add_parser("disable", parents=[common], help="stop an account from signing in")
    disable.add_argument("name", metavar="NAME")
    add_sign_in(disable, password_stdin=True)
    disable.set_defaults(func=_simple(auth.disable_user, "disabled"))

    enable = sub.add_parser("enable", parents=[common], help="let a disabled account sign in again")
    enable.add_argument("name", metavar="NAME")
    add_sign_in(enable, password_stdin=True)
    enable.set_defaults(func=_simple(auth.enable_user, "enabled"))

    passwd = sub.add_parser("passwd", parents=[common], help="set a new password for an account")
    passwd.add_argument("name", metavar="NAME")
    passwd.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (after the --as password, when --as is given)",
    )
    add_sign_in(passwd)
    passwd.set_defaults(func=run_passwd)


def _fail(message: str, status: int = 1) -> int:
    print(f"cso-console users: {message}", file=sys.stderr)
    return status


def read_password(name: str, *, from_stdin: bool) -> str | None:
    """The new password: one line of standard input, or typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    first = getpass.getpass(f"New password for {name}: ")
    try:
        auth.validate_password(first, username=name)
    except DispatchError as exc:
        print(f"cso-console users: {exc}", file=sys.stderr)
        return None
    second = getpass.getpass("Type it again: ")
    if first != second:
        print("cso-console users: the two passwords differ; nothing was changed.", file=sys.stderr)
        return None
    return first


def _with_db(
    args: argparse.Namespace,
    action: Callable[[Database, Actor], int],
    *,
    create: bool = False,
    stdin_password: bool = False,
) -> int:
    """Open the database, find who acts (an administrator signed in, or the owner) and run the action."""
    try:
        db = Database(args.db, create=create)
    except DispatchError as exc:
        return _fail(str(exc), 2)
    actor: Actor | None = None
    try:
        actor = acting_admin(
            db, args, action="manage_users", from_stdin=stdin_password or getattr(args, "password_stdin", False)
        )
        return action(db, actor)
    except Refused as exc:
        return _fail(str(exc), 2)
    except DispatchError as exc:
        return _fail(str(exc))
    finally:
        if actor is not None and actor.username != auth.LOCAL_ADMIN:
            auth.sign_out(db, actor)
        db.dispose()


def run_add(args: argparse.Namespace) -> int:
    name = args.name.strip().lower()
    try:
        auth.validate_username(name)
    except DispatchError as exc:
        return _fail(str(exc))

    def add(db: Database, actor: Actor) -> int:
        password = read_password(name, from_stdin=args.password_stdin)
        if password is None:
            return 1
        user = auth.create_user(db, actor, name, role=args.role, password=password, display_name=args.display_name)
        print(f"Added {user.username} ({user.role}).")
        return 0

    # Adding the first administrator makes the database; every other command needs one that exists.
    return _with_db(args, add, create=True, stdin_password=args.password_stdin)


def run_list(args: argparse.Namespace) -> int:
    def listing(db: Database, actor: Actor) -> int:
        users = auth.list_users(db, actor)
        if not users:
            print("No accounts yet. Add the first administrator: cso-console users add --role admin NAME")
            return 0
        tz = ZoneInfo(db.pack.timezone)
        print(f"{'USER':<24} {'ROLE':<11} {'STATE':<28} {'PASSWORD SET':<17} NAME")
        for u in users:
            state = "disabled" if not u.active else "active"
            if u.locked:
                since = u.locked_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if u.locked_at else "?"
                state += f", locked since {since}"
            changed = u.password_changed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if u.password_changed_at else "-"
            print(f"{u.username:<24} {u.role:<11} {state:<28} {changed:<17} {u.display_name}")
        return 0

    return _with_db(args, listing)


def _simple(fn: Callable[..., auth.UserRecord], done: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        def act(db: Database, actor: Actor) -> int:
            user = fn(db, actor, args.name)
            print(f"{user.username} {done}.")
            return 0

        return _with_db(args, act)

    return run


def run_set_role(args: argparse.Namespace) -> int:
    def act(db: Database, actor: Actor) -> int:
        user = auth.set_role(db, actor, args.name, args.role)
        print(f"{user.username} is now a {user.role}.")
        return 0

    return _with_db(args, act)


def run_passwd(args: argparse.Namespace) -> int:
    name = args.name.strip().lower()

    def act(db: Database, actor: Actor) -> int:
        password = read_password(name, from_stdin=args.password_stdin)
        if password is None:
            return 1
        user = auth.change_password(db, actor, name, new_password=password)
        print(f"New password set for {user.username}.")
        return 0

    return _with_db(args, act, stdin_password=args.password_stdin)

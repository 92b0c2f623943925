"""Who the `users` and `audit` commands act as: an administrator who signs in, or the database's owner."""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys

from sqlalchemy import text

from data import auth
from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor, allowed

AS_HELP = (
    "sign in as this administrator (supervisors may read and verify the audit): the password is asked, or is "
    "the first line of standard input with --password-stdin. Needed unless the connection is the database owner's"
)


class Refused(Exception):
    """The command line may not act: one line to print, exit status 2."""


def add_sign_in(parser: argparse.ArgumentParser, *, password_stdin: bool = False) -> None:
    parser.add_argument("--as", dest="sign_in_as", metavar="NAME", help=AS_HELP)
    if password_stdin:
        parser.add_argument("--password-stdin", action="store_true", help="read the --as password from standard input")


def is_owner(db: Database) -> bool:
    """The database owner's connection (PostgreSQL: the schema's owner or a superuser; SQLite: whoever can open
    the file, since the file's permissions are the boundary there)."""
    if db.dialect == "sqlite":
        return True
    with db.read() as s:
        return bool(s.execute(text("SELECT cso_is_owner()")).scalar())


def workstation() -> str:
    return os.environ.get("CSO_WORKSTATION") or socket.gethostname()


def acting_admin(db: Database, args: argparse.Namespace, *, action: str, from_stdin: bool) -> Actor:
    """The actor a `users` or `audit` command acts as; raises Refused when it may not act at all."""
    name = getattr(args, "sign_in_as", None)
    if not name:
        if is_owner(db):
            # The owner's commands name the computer and the system account that ran them.
            return auth.local_admin(f"{workstation()} ({getpass.getuser()})"[:80])
        raise Refused(
            "this connection is not the database owner's: sign in as an administrator with --as NAME "
            "(the password is asked, or read from the first line of standard input with --password-stdin)"
        )
    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = getpass.getpass(f"Password for {name}: ")
    try:
        actor = auth.authenticate(db, name, password, workstation=workstation())
    except DispatchError as exc:
        raise Refused(f"sign-in as {name[:80]} refused: {exc}") from exc
    if not allowed(actor, action):
        raise Refused(f"{actor.username} is a {actor.role}; this needs an administrator")
    return actor

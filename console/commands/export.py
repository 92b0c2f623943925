"""`cso-console export eido` and `cso-console import eido`: NENA EIDO 1.0 JSON files, inbox and outbox."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import re
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands._failures import command_failed
from data import eido, eido_reader
from data.db import Database

if TYPE_CHECKING:
    from data.eido_transfer import Place
    from maps.placement import Placement
from data.errors import DispatchError, ValidationError
from data.permissions import Actor
from data.services import answer_back, find_incident, transfers
from data.transfer_inbox import Inbox

log = logging.getLogger(__name__)


def _file_name(number: str) -> str:
    return "eido-" + re.sub(r"[^A-Za-z0-9._-]+", "-", number) + ".json"


def _dump(document: dict, path: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if path is None:
        sys.stdout.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run_export(args: argparse.Namespace) -> int:
    if args.outbox:
        if args.all or args.incident or args.out:
            print("cso-console export eido --outbox DIR takes nothing else", file=sys.stderr)
            return 2
        return run_outbox(args)
    if args.all == bool(args.incident):
        print("cso-console export eido: name one incident, or use --all --out DIR", file=sys.stderr)
        return 2
    if args.all and not args.out:
        print("cso-console export eido --all needs --out DIR (one file per incident)", file=sys.stderr)
        return 2
    db = Database(args.db, create=False)
    try:
        if args.all:
            folder = Path(args.out)
            count = 0
            for number, document in eido.export_all(db):
                _dump(document, folder / _file_name(number))
                count += 1
            print(f"{count} incident(s) written to {folder}")
            return 0
        incident = find_incident(db, args.incident)
        document = eido.export_incident(db, incident.id)
        _dump(document, Path(args.out) if args.out else None)
        if args.out:
            print(args.out)
        return 0
    except (DispatchError, OSError) as exc:
        return command_failed("cso-console export eido", exc)
    finally:
        db.dispose()


def cli_actor() -> Actor:
    """The person at this terminal, as a dispatcher on this workstation."""
    return Actor(getpass.getuser(), role="dispatcher", workstation=socket.gethostname())


def _transfer_locator(db: Database) -> Callable[[Place], Placement]:
    from maps.placement import transfer_locator

    return transfer_locator(db.pack)


def run_import(args: argparse.Namespace) -> int:
    """One document (exit 0: created, updated or already imported; 2: refused, nothing written), or an inbox."""
    prog = "cso-console import eido"
    if bool(args.file) == bool(args.inbox):
        print(f"{prog}: name one FILE, or --inbox DIR", file=sys.stderr)
        return 2
    if args.inbox:
        return _run_inbox(args, Path(args.inbox))
    try:
        # Read and checked before the database is opened: a refused document touches nothing.
        document = eido_reader.parse_document(eido_reader.read_file(Path(args.file)))
    except OSError as exc:
        print(f"{prog}: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"{prog}: {args.file}: {exc}", file=sys.stderr)
        return 2
    db = Database(args.db, create=False)
    try:
        result = transfers.import_eido(db, cli_actor(), document, locate=_transfer_locator(db))
    except ValidationError as exc:
        print(f"{prog}: {args.file}: {exc}", file=sys.stderr)
        return 2
    except DispatchError as exc:
        return command_failed(prog, exc)
    except Exception as exc:  # a bug: one line here, the traceback with -v
        log.debug("import failed", exc_info=True)
        print(f"{prog}: {args.file}: not imported ({type(exc).__name__}: {exc}); nothing was written", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(result.message)
    return 0


def _run_inbox(args: argparse.Namespace, folder: Path) -> int:
    """Every settled document in an inbox folder, once (for a server without a console running)."""
    if not folder.is_dir():
        print(f"cso-console import eido: {folder} is not a folder", file=sys.stderr)
        return 2
    db = Database(args.db, create=False)
    try:
        outcomes = Inbox(folder).process(db, cli_actor(), _transfer_locator(db))
    finally:
        db.dispose()
    for outcome in outcomes:
        print(outcome.text, file=sys.stderr if outcome.kind in ("refused", "retry") else sys.stdout)
    return 0


def run_outbox(args: argparse.Namespace) -> int:
    db = Database(args.db, create=False)
    try:
        written = answer_back.drain_outbox(db, Path(args.outbox))
    except OSError as exc:
        return command_failed("cso-console export eido --outbox", exc, args.outbox)
    finally:
        db.dispose()
    for path in written:
        print(path)
    return 0


def run(args: argparse.Namespace) -> int:
    print("cso-console: choose a format: eido", file=sys.stderr)
    return 2


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    export = subparsers.add_parser("export", help="export incidents (NENA EIDO JSON)")
    export.set_defaults(func=run)
    export_formats = export.add_subparsers(dest="format", metavar="FORMAT")
    p = export_formats.add_parser("eido", parents=[common], help="NENA EIDO 1.0 JSON")
    p.add_argument("incident", nargs="?", help="incident number or its last digits")
    p.add_argument("--all", action="store_true", help="every incident, one file each (needs --out DIR)")
    p.add_argument("--out", help="output file (one incident; default: standard output) or folder (--all)")
    p.add_argument(
        "--outbox",
        metavar="DIR",
        help="write the EIDO updates owed to agencies that transferred calls in (what a running console does)",
    )
    p.set_defaults(func=run_export)

    imp = subparsers.add_parser("import", help="import incidents sent by another agency (NENA EIDO JSON)")
    imp.set_defaults(func=run)
    import_formats = imp.add_subparsers(dest="format", metavar="FORMAT")
    q = import_formats.add_parser(
        "eido",
        parents=[common],
        help="a call another agency transferred (NENA EIDO): a new pending incident, or an update of it",
        description="Import one EIDO JSON document (at most 2 MiB). A document naming an incident or call "
        "already imported updates that incident; the same document twice changes nothing. "
        "Exit status 2 when the document is refused (nothing is written).",
    )
    q.add_argument("file", nargs="?", help="EIDO JSON file")
    q.add_argument("--inbox", metavar="DIR", help="import every document waiting in an inbox folder, once")
    q.set_defaults(func=run_import)

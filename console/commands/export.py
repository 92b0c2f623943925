"""`cso-console export eido` and `cso-console import eido`: NENA EIDO 1.0 JSON files."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import socket
import sys
from pathlib import Path

from console.commands._failures import command_failed
from data import eido
from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor
from data.services import find_incident


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
    if args.all == bool(args.incident):
        print("cso-console export eido: name one incident, or use --all --out DIR", file=sys.stderr)
        return 2
    if args.all and not args.out:
        print("cso-console export eido --all needs --out DIR (one file per incident)", file=sys.stderr)
        return 2
    db = Database(args.db)
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


def run_import(args: argparse.Namespace) -> int:
    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"cso-console import eido: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except json.JSONDecodeError as exc:
        print(f"cso-console import eido: {args.file} is not JSON ({exc.msg}, line {exc.lineno})", file=sys.stderr)
        return 1
    db = Database(args.db)
    try:
        record = eido.import_eido(db, cli_actor(), document)
    except DispatchError as exc:
        return command_failed("cso-console import eido", exc)
    finally:
        db.dispose()
    print(f"Created pending incident {record.number}: {record.call_type_label} at {record.location}")
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
    p.set_defaults(func=run_export)

    imp = subparsers.add_parser("import", help="import incidents sent by another agency (NENA EIDO JSON)")
    imp.set_defaults(func=run)
    import_formats = imp.add_subparsers(dest="format", metavar="FORMAT")
    q = import_formats.add_parser("eido", parents=[common], help="create a pending incident from an EIDO file")
    q.add_argument("file", help="EIDO JSON file")
    q.set_defaults(func=run_import)

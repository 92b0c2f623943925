"""`cso-console print ...`: write a citation, welfare-check form or log, handoff sheet or shift report to a PDF."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from console.commands._failures import command_failed
from console.paperwork.files import safe_file_name
from data.db import Database
from data.errors import DispatchError
from data.services import find_incident
from data.services.citations import get_citation
from data.services.shifts import resolve_shift


def _write(path: Path, pdf: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)


def _run(args: argparse.Namespace, make: Callable[[Database], tuple[str, bytes]]) -> int:
    db = Database(args.db, create=False)
    try:
        default_name, pdf = make(db)
    except DispatchError as exc:
        return command_failed("cso-console print", exc)
    finally:
        db.dispose()
    out = Path(args.out) if args.out else Path.cwd() / safe_file_name(default_name, suffix="")
    try:
        _write(out, pdf)
    except OSError as exc:
        return command_failed("cso-console print", exc, out)
    print(out)
    return 0


def run_citation(args: argparse.Namespace) -> int:
    from console.paperwork.citation import build_citation

    def make(db: Database) -> tuple[str, bytes]:
        citation = get_citation(db, args.number)
        return f"citation-{citation.number}.pdf", build_citation(citation, db.pack, generated_at=db.clock())

    return _run(args, make)


def _incident_form(args: argparse.Namespace, prefix: str, pdf_of: Callable[[Database, int], bytes]) -> int:
    """A form of the incident named by `args.incident`, saved as PREFIX-<incident number>.pdf by default."""

    def make(db: Database) -> tuple[str, bytes]:
        incident = find_incident(db, args.incident)
        return f"{prefix}-{incident.number}.pdf", pdf_of(db, incident.id)

    return _run(args, make)


def _shift_form(args: argparse.Namespace, prefix: str, pdf_of: Callable[[Database, int], bytes]) -> int:
    """A form of the shift named by `args.shift`, saved as PREFIX-<shift id>.pdf by default."""

    def make(db: Database) -> tuple[str, bytes]:
        shift = resolve_shift(db, args.shift)
        return f"{prefix}-{shift.id}.pdf", pdf_of(db, shift.id)

    return _run(args, make)


def run_welfare_check(args: argparse.Namespace) -> int:
    from console.paperwork.welfare import welfare_check_pdf

    return _incident_form(args, "welfare-check", welfare_check_pdf)


def run_welfare_log(args: argparse.Namespace) -> int:
    from console.paperwork.welfare import welfare_log_pdf

    return _shift_form(args, "welfare-log-shift", welfare_log_pdf)


def run_handoff(args: argparse.Namespace) -> int:
    from console.paperwork.handoff import handoff_pdf

    return _incident_form(args, "handoff", handoff_pdf)


def run_shift_report(args: argparse.Namespace) -> int:
    from console.paperwork.shift_report import shift_report_pdf

    return _shift_form(args, "shift-report", shift_report_pdf)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen form (argparse sets `func` per form; this serves a bare `print`)."""
    print(
        "cso-console print: choose a form: citation, welfare-check, welfare-log, handoff, shift-report", file=sys.stderr
    )
    return 2


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("print", help="write paperwork to a PDF file", description=__doc__)
    parser.set_defaults(func=run)
    forms = parser.add_subparsers(dest="form", metavar="FORM")

    def form(name: str, help_: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = forms.add_parser(name, parents=[common], help=help_, description=help_)
        p.add_argument("--out", metavar="FILE.pdf", help="where to write the PDF (default: a name in this directory)")
        p.set_defaults(func=func)
        return p

    form("citation", "an administrative citation (three copies)", run_citation).add_argument(
        "number", help="citation number, e.g. AC-000042"
    )
    form("welfare-check", "the welfare-check form of an incident", run_welfare_check).add_argument(
        "incident", help="incident number or its last digits"
    )
    form("welfare-log", "every welfare check of a shift", run_welfare_log).add_argument(
        "--shift", default="current", help="shift id, or 'current' (default)"
    )
    form("handoff", "the handoff sheet of an incident", run_handoff).add_argument(
        "incident", help="incident number or its last digits"
    )
    form("shift-report", "the supervisor's shift report", run_shift_report).add_argument(
        "--shift", default="current", help="shift id, or 'current' (default)"
    )

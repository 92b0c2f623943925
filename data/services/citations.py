"""Administrative citations: the fine each violation carries, issuing, voiding, and reading them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data import rules
from data.db import Database
from data.errors import DispatchError, InvalidTransitionError, NotFoundError, ValidationError
from data.models import Citation, CitationViolation, Incident, Officer, Shift
from data.permissions import Actor, authorize
from data.records import CitationRecord, ViolationRecord
from data.services import validate
from data.services._work import snapshot, work
from data.services.incidents import next_counter
from data.services.person_names import normalise_name, parse_dob
from data.services.shifts import local_date, shift_window

CITATION_FIELDS = ("number", "status", "violator_name", "location", "incident_id", "officer_id", "void_reason")


class RepeatOffenseError(DispatchError):
    """A violation past the fine schedule (a fourth within the window) is a misdemeanor, not a citation."""


def violator_key(name: str, dob: str = "") -> str:
    """What offenses are counted by: the folded name and the date of birth (empty when not given)."""
    return f"{normalise_name(name)}|{dob}"


def citation_records(session: Session, rows: Sequence[Citation]) -> list[CitationRecord]:
    if not rows:
        return []
    ids = [c.id for c in rows]
    violations: dict[int, list[ViolationRecord]] = {i: [] for i in ids}
    for v in session.execute(
        select(CitationViolation).where(CitationViolation.citation_id.in_(ids)).order_by(CitationViolation.id)
    ).scalars():
        violations[v.citation_id].append(
            ViolationRecord(
                section=v.section, title=v.title, offense_number=v.offense_number, fine_dollars=v.fine_dollars
            )
        )
    officers = {
        o.id: o for o in session.execute(select(Officer).where(Officer.id.in_({c.officer_id for c in rows}))).scalars()
    }
    incident_ids = {c.incident_id for c in rows if c.incident_id}
    numbers: dict[int, str] = {}
    if incident_ids:
        numbers = {
            ident: number
            for ident, number in session.execute(
                select(Incident.id, Incident.number).where(Incident.id.in_(incident_ids))
            )
        }
    out = []
    for c in rows:
        officer = officers.get(c.officer_id)
        out.append(
            CitationRecord(
                id=c.id,
                number=c.number,
                incident_id=c.incident_id,
                incident_number=numbers.get(c.incident_id) if c.incident_id else None,
                issued_at=c.issued_at,
                violator_name=c.violator_name,
                violator_dob=c.violator_dob,
                violator_address=c.violator_address,
                violator_id_number=c.violator_id_number,
                location=c.location,
                description=c.description,
                officer_name=officer.name if officer else "",
                officer_badge=officer.badge if officer else "",
                status=c.status,
                void_reason=c.void_reason,
                voided_by=c.voided_by,
                voided_at=c.voided_at,
                violations=tuple(violations[c.id]),
                version=c.version,
            )
        )
    return out


def citation_number(pack_prefix: str, seq: int) -> str:
    """Readable citation number, e.g. AC-000042; the counter row makes it unique across workstations."""
    return f"{pack_prefix or 'AC'}-{seq:06d}"


def prior_offenses(session: Session, *, name: str, dob: str, section: str, at: dt.datetime, window_days: int) -> int:
    """Non-void citations of the same person for the same provision in the window before `at`.

    The same person is the same normalised name and the same date of birth (or none on both):
    a citation with a date of birth never counts against a namesake cited without one, or the reverse.
    """
    same_person = Citation.violator_key == violator_key(name, dob)
    rows = session.execute(
        select(Citation.id)
        .join(CitationViolation, CitationViolation.citation_id == Citation.id)
        .where(
            same_person,
            Citation.status != "void",
            CitationViolation.section == section,
            Citation.issued_at <= at,
            Citation.issued_at > at - dt.timedelta(days=window_days),
        )
        .distinct()
    )
    return len(rows.all())


@dataclass(frozen=True)
class ViolationQuote:
    """One code section of a citation being written: its offense count in the window and its fine."""

    section: str
    title: str
    offense_number: int
    fine_dollars: int | None  # None: past the fine schedule
    refusal: str = ""  # why it cannot be cited ('' when it can)

    @property
    def fine(self) -> int:
        return self.fine_dollars or 0


@dataclass(frozen=True)
class CitationQuote:
    """What issuing would charge, computed exactly as `issue_citation` does, without writing anything."""

    violator_name: str
    lines: tuple[ViolationQuote, ...]

    @property
    def total_dollars(self) -> int:
        return sum(q.fine for q in self.lines)

    @property
    def refusal(self) -> str:
        return next((q.refusal for q in self.lines if q.refusal), "")


def _check_issue_time(db: Database, at: dt.datetime, now: dt.datetime, dob: str) -> dt.date:
    if at.tzinfo is None:
        raise ValidationError("issued_at", "The issue time needs a time zone.")
    if at > now + dt.timedelta(minutes=1):
        raise ValidationError("issued_at", "A citation cannot be issued in the future.")
    on = local_date(db, at)
    if dob and dt.date.fromisoformat(dob) > on:
        raise ValidationError("violator_dob", "The date of birth is after the issue date.")
    return on


def _quote_lines(
    session: Session, db: Database, *, name: str, dob: str, sections: Sequence[str], at: dt.datetime, on: dt.date
) -> list[ViolationQuote]:
    window_days = int(db.pack.citation.get("window_days", 365))
    quotes: list[ViolationQuote] = []
    for section in sections:
        provision = db.pack.provision(section, on)
        if provision is None:
            known = any(p.section == section for p in db.pack.provisions)
            why = f"was not in effect on {on.isoformat()}" if known else "is not in the city's code table"
            raise ValidationError("violations", f"Code section {section[:60]!r} {why}.")
        count = prior_offenses(session, name=name, dob=dob, section=section, at=at, window_days=window_days) + 1
        fine = provision.fine_for(count)
        refusal = ""
        if fine is None:
            refusal = (
                f"This would be violation number {count} of {section} ({provision.title}) by {name} within "
                f"{window_days} days. Past the {len(provision.fines)}-step fine schedule it is a misdemeanor: "
                "it cannot be issued as an administrative citation. Refer it to "
                f"{db.pack.law_enforcement.get('short', 'law enforcement')}."
            )
        quotes.append(ViolationQuote(section, provision.title, count, fine, refusal))
    return quotes


def _clean_sections(violations: Sequence[str]) -> list[str]:
    sections = [str(s).strip() for s in violations if str(s).strip()]
    if not sections:
        raise ValidationError("violations", "List at least one code violation.")
    if len(set(sections)) != len(sections):
        raise ValidationError("violations", "A code section is listed twice; list each violation once.")
    return sections


def _violator_name(text: str) -> str:
    """The violator's name as it is printed and counted: required, its spaces collapsed."""
    return " ".join(validate.text("violator_name", text, limit=160, required=True, label="violator's name").split())


def quote_citation(
    db: Database,
    *,
    violator_name: str,
    violations: Sequence[str],
    violator_dob: str = "",
    issued_at: dt.datetime | None = None,
) -> CitationQuote:
    """Each section's offense count within the window and its fine for this person, as issuing would compute it."""
    name = _violator_name(violator_name)
    dob = parse_dob(violator_dob)
    sections = _clean_sections(violations)
    with db.read() as s:
        now = db.clock()
        at = issued_at or now
        on = _check_issue_time(db, at, now, dob)
        return CitationQuote(name, tuple(_quote_lines(s, db, name=name, dob=dob, sections=sections, at=at, on=on)))


def issue_citation(
    db: Database,
    actor: Actor,
    *,
    officer_id: int,
    violator_name: str,
    violations: Sequence[str],
    location: str,
    incident_id: int | None = None,
    violator_dob: str = "",
    violator_address: str = "",
    violator_id_number: str = "",
    description: str = "",
    issued_at: dt.datetime | None = None,
) -> CitationRecord:
    """Issue an administrative citation; each violation's fine follows its offense count in the window."""
    name = _violator_name(violator_name)
    dob = parse_dob(violator_dob)
    address = validate.text("violator_address", violator_address, limit=300, label="violator's address")
    id_number = validate.text("violator_id_number", violator_id_number, limit=60, label="ID number")
    place = validate.location(location)
    story = validate.text("description", description, limit=rules.MAX_NARRATIVE)
    sections = _clean_sections(violations)
    with work(db, actor) as w:
        at = issued_at or w.now
        on = _check_issue_time(db, at, w.now, dob)
        officer = w.session.get(Officer, officer_id)
        if officer is None or not officer.active:
            raise NotFoundError(f"No active officer with id {officer_id}.")
        incident = None
        if incident_id is not None:
            incident = w.session.get(Incident, incident_id)
            if incident is None:
                raise NotFoundError(f"No incident with id {incident_id}.")
            if incident.status == "merged":
                # Its record continues on the incident it was merged into; a citation here would be lost.
                merged_into = w.session.get(Incident, incident.merged_into_id) if incident.merged_into_id else None
                target = f" ({merged_into.number})" if merged_into is not None else ""
                raise InvalidTransitionError(
                    f"{incident.number} was merged; issue the citation on the incident it was merged into{target}."
                )
        # The citation counter row first: its lock makes citations issue one at a time, so two consoles
        # citing the same person at once cannot both count two priors and both write a "third" offense.
        # (A refusal rolls the transaction back, counter included: numbers stay gapless.)
        seq = next_counter(w.session, "citation")
        quotes = _quote_lines(w.session, db, name=name, dob=dob, sections=sections, at=at, on=on)
        refused = next((q for q in quotes if q.refusal), None)
        if refused is not None:
            raise RepeatOffenseError(refused.refusal)
        lines = [
            CitationViolation(section=q.section, title=q.title, offense_number=q.offense_number, fine_dollars=q.fine)
            for q in quotes
        ]
        row = Citation(
            number=citation_number(str(db.pack.city.get("citation_prefix", "AC")), seq),
            incident_id=incident.id if incident else None,
            officer_id=officer.id,
            issued_at=at,
            violator_name=name,
            violator_key=violator_key(name, dob),
            violator_dob=dob,
            violator_address=address,
            violator_id_number=id_number,
            location=place,
            description=story,
            status="issued",
        )
        w.session.add(row)
        w.session.flush()
        for line in lines:
            line.citation_id = row.id
            w.session.add(line)
        w.session.flush()
        summary = ", ".join(f"{v.section} (offense {v.offense_number}, ${v.fine_dollars})" for v in lines)
        if incident is not None:
            w.event(incident.id, "citation", f"Citation {row.number} issued to {name}: {summary}")
            w.changed("incident", incident.id, incident.version)
        w.audit(
            "issue_citation",
            "citation",
            row.id,
            None,
            snapshot(row, *CITATION_FIELDS)
            | {"violations": [[v.section, v.offense_number, v.fine_dollars] for v in lines]},
        )
        w.changed("citation", row.id, row.version)
        return citation_records(w.session, [row])[0]


def _load_citation(session: Session, number: str) -> Citation:
    key = (number or "").strip().upper()
    if not key:
        raise ValidationError("citation", "Name a citation by its number.")
    row = session.execute(select(Citation).where(Citation.number == key)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"No citation {key[:30]!r}.")
    return row


def void_citation(db: Database, actor: Actor, citation_number: str, reason: str) -> CitationRecord:
    """Supervisors void a citation with a reason; it stays on file and reprints marked VOID."""
    authorize(db, actor, "void_citation", entity="citation")
    why = validate.text("reason", reason, limit=validate.MAX_SHORT, required=True, label="reason for voiding")
    with work(db, actor, privilege="void_citation") as w:
        row = _load_citation(w.session, citation_number)
        if row.status == "void":
            raise InvalidTransitionError(f"Citation {row.number} is already void.")
        before = snapshot(row, *CITATION_FIELDS)
        row.status = "void"
        row.void_reason = why
        row.voided_by = actor.username
        row.voided_at = w.now
        w.session.flush()
        if row.incident_id is not None:
            w.event(row.incident_id, "citation", f"Citation {row.number} voided: {why}")
        w.audit("void_citation", "citation", row.id, before, snapshot(row, *CITATION_FIELDS))
        w.changed("citation", row.id, row.version)
        return citation_records(w.session, [row])[0]


def get_citation(db: Database, number: str) -> CitationRecord:
    with db.read() as s:
        return citation_records(s, [_load_citation(s, number)])[0]


def citations_for_incident(db: Database, incident_id: int) -> list[CitationRecord]:
    with db.read() as s:
        rows = s.execute(select(Citation).where(Citation.incident_id == incident_id).order_by(Citation.id)).scalars()
        return citation_records(s, rows.all())


def citations_for_shift(db: Database, shift_id: int) -> list[CitationRecord]:
    """Citations on the shift's incidents, and those without an incident issued during the shift."""
    with db.read() as s:
        return read_shift_citations(s, db, shift_id)


def read_shift_citations(session: Session, db: Database, shift_id: int) -> list[CitationRecord]:
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise NotFoundError(f"No shift {shift_id}.")
    start, end = shift_window(shift, db.clock())
    in_shift = select(Incident.id).where(Incident.shift_id == shift_id)
    rows = session.execute(
        select(Citation)
        .where(
            or_(
                Citation.incident_id.in_(in_shift),
                (Citation.incident_id.is_(None)) & (Citation.issued_at >= start) & (Citation.issued_at < end),
            )
        )
        .order_by(Citation.issued_at, Citation.id)
    ).scalars()
    return citation_records(session, rows.all())


def proposed_disposition(db: Database, incident_id: int) -> str | None:
    """The disposition clearing should propose: 04 (citation issued) when the incident has one in force."""
    with db.read() as s:
        found = s.execute(
            select(Citation.id).where(Citation.incident_id == incident_id, Citation.status == "issued").limit(1)
        ).first()
    return "04" if found else None


__all__ = [
    "CitationQuote",
    "RepeatOffenseError",
    "ViolationQuote",
    "citation_number",
    "citation_records",
    "citations_for_incident",
    "citations_for_shift",
    "get_citation",
    "issue_citation",
    "prior_offenses",
    "proposed_disposition",
    "quote_citation",
    "read_shift_citations",
    "violator_key",
    "void_citation",
]

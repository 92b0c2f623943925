"""Paperwork actions and queries: administrative citations, welfare checks, referrals, handoff data."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data import rules
from data.db import Database
from data.errors import DispatchError, InvalidTransitionError, NotFoundError, ValidationError
from data.models import (
    AuditEntry,
    Citation,
    CitationViolation,
    DirectoryAgency,
    Incident,
    IncidentEvent,
    Officer,
    Referral,
    RosterEntry,
    Shift,
    Unit,
    WelfareCheck,
)
from data.pack import Pack
from data.permissions import Actor, authorize
from data.records import (
    CitationRecord,
    EventRecord,
    IncidentRecord,
    OfficerRecord,
    ReferralRecord,
    ShiftRecord,
    ViolationRecord,
    WelfareCheckRecord,
)
from data.services import validate
from data.services._work import snapshot, work
from data.services.convert import event_records, incident_records, officer_record, shift_record
from data.services.incidents import next_counter
from data.services.queries import active_shift_row

CITATION_FIELDS = ("number", "status", "violator_name", "location", "incident_id", "officer_id", "void_reason")
REFERRAL_OUTCOMES = ("offered", "accepted", "declined")
HOUSING_STATUSES = ("housed", "unhoused", "at risk", "unknown")
# Yes/no observations on the welfare-check form; None means "not assessed".
OBSERVATION_FLAGS = {
    "responsive": "Responsive",
    "oriented": "Oriented (person, place, time)",
    "injuries": "Visible injuries",
    "needs_medical": "Needs medical attention",
}
OBSERVATION_TEXT = ("housing_status", "safety_cautions", "condition")
MAX_SHORT = 2000


class RepeatOffenseError(DispatchError):
    """A violation past the fine schedule (a fourth within the window) is a misdemeanor, not a citation."""


@dataclass(frozen=True)
class RespondingUnit:
    """A unit that worked an incident, with the officers rostered on it in that shift."""

    call_sign: str
    officers: tuple[str, ...]
    badges: tuple[str, ...]
    status: str
    on_incident: bool


@dataclass(frozen=True)
class IncidentPaperwork:
    """Everything the handoff sheet, the welfare-check form and the EIDO export print about one incident."""

    incident: IncidentRecord
    events: tuple[EventRecord, ...]
    units: tuple[RespondingUnit, ...]
    referrals: tuple[ReferralRecord, ...]
    welfare_check: WelfareCheckRecord | None
    citations: tuple[CitationRecord, ...]
    merged_into_number: str | None = None


# --- names, dates, shifts -------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Case-, accent-width- and whitespace-insensitive form of a person's name."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split())


def parse_dob(text: str | None) -> str:
    """A date of birth as YYYY-MM-DD (accepts that or M/D/YYYY); empty when not given."""
    raw = (text or "").strip()
    if not raw:
        return ""
    day: dt.date | None = None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
        if m:
            try:
                day = dt.date(int(m[3]), int(m[1]), int(m[2]))
            except ValueError:
                day = None
    if day is None:
        raise ValidationError("violator_dob", f"Date of birth {raw[:20]!r} is not a date; use YYYY-MM-DD or M/D/YYYY.")
    if day.year < 1900:
        raise ValidationError("violator_dob", f"Date of birth {raw[:20]!r} is too far in the past.")
    return day.isoformat()


def violator_key(name: str, dob: str = "") -> str:
    return f"{normalise_name(name)}|{dob}"


def local_date(db: Database, moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(db.pack.timezone)).date()


def shift_window(shift: ShiftRecord | Shift, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The period a shift covers: planned or actual start, to its end (now, while it overruns)."""
    start = min(shift.starts_at, shift.started_at or shift.starts_at)
    if shift.ended_at is not None:
        return start, shift.ended_at
    if shift.status == "active":
        return start, max(shift.ends_at, now)
    return start, shift.ends_at


def resolve_shift(db: Database, which: str | int) -> ShiftRecord:
    """A shift by id, or 'current' for the active one."""
    with db.read() as s:
        if isinstance(which, str) and which.strip().lower() in ("current", "active", ""):
            row = active_shift_row(s)
            if row is None:
                raise NotFoundError("There is no active shift.")
            return shift_record(row)
        try:
            ident = int(which)
        except ValueError:
            raise ValidationError(
                "shift", f"Name a shift by its number or 'current', not {str(which)[:20]!r}."
            ) from None
        row = s.get(Shift, ident)
        if row is None:
            raise NotFoundError(f"No shift {ident}.")
        return shift_record(row)


# --- citations --------------------------------------------------------------------------------


def _citation_records(session: Session, rows: Sequence[Citation]) -> list[CitationRecord]:
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


def quote_citation(
    db: Database,
    *,
    violator_name: str,
    violations: Sequence[str],
    violator_dob: str = "",
    issued_at: dt.datetime | None = None,
) -> CitationQuote:
    """Each section's offense count within the window and its fine for this person, as issuing would compute it."""
    name = " ".join(
        validate.text("violator_name", violator_name, limit=160, required=True, label="violator's name").split()
    )
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
    name = " ".join(
        validate.text("violator_name", violator_name, limit=160, required=True, label="violator's name").split()
    )
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
        quotes = _quote_lines(w.session, db, name=name, dob=dob, sections=sections, at=at, on=on)
        refused = next((q for q in quotes if q.refusal), None)
        if refused is not None:
            raise RepeatOffenseError(refused.refusal)
        lines = [
            CitationViolation(section=q.section, title=q.title, offense_number=q.offense_number, fine_dollars=q.fine)
            for q in quotes
        ]
        seq = next_counter(w.session, "citation")
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
        return _citation_records(w.session, [row])[0]


@dataclass(frozen=True)
class PaperworkContext:
    """What a citation or welfare-check form starts from: the incident, the officers, who was there."""

    incident: IncidentRecord
    officers: tuple[OfficerRecord, ...]  # active officers, by name
    on_scene_officer_ids: tuple[int, ...]  # officers of the units that worked the incident, first suggested
    citations: tuple[CitationRecord, ...]
    welfare_check: WelfareCheckRecord | None
    welfare_officer_id: int | None = None


def paperwork_context(db: Database, incident_id: int) -> PaperworkContext:
    """One read for a form opened on an incident."""
    with db.read() as s:
        row = s.get(Incident, incident_id)
        if row is None:
            raise NotFoundError(f"No incident with id {incident_id}.")
        paper = read_incident_paperwork(s, db.pack, incident_id)
        active = s.execute(select(Officer).where(Officer.active.is_(True)).order_by(Officer.name)).scalars().all()
        by_badge = {o.badge: o.id for o in active}
        worked = [by_badge[b] for u in paper.units for b in u.badges if b in by_badge]
        welfare = s.execute(select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)).scalar_one_or_none()
        return PaperworkContext(
            incident=paper.incident,
            officers=tuple(officer_record(o) for o in active),
            on_scene_officer_ids=tuple(dict.fromkeys(worked)),
            citations=paper.citations,
            welfare_check=paper.welfare_check,
            welfare_officer_id=welfare.officer_id if welfare is not None else None,
        )


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
    why = validate.text("reason", reason, limit=MAX_SHORT, required=True, label="reason for voiding")
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
        return _citation_records(w.session, [row])[0]


def get_citation(db: Database, number: str) -> CitationRecord:
    with db.read() as s:
        return _citation_records(s, [_load_citation(s, number)])[0]


def citations_for_incident(db: Database, incident_id: int) -> list[CitationRecord]:
    with db.read() as s:
        rows = s.execute(select(Citation).where(Citation.incident_id == incident_id).order_by(Citation.id)).scalars()
        return _citation_records(s, rows.all())


def citations_for_shift(db: Database, shift_id: int) -> list[CitationRecord]:
    """Citations on the shift's incidents, and those without an incident issued during the shift."""
    with db.read() as s:
        return _shift_citations(s, db, shift_id)


def _shift_citations(session: Session, db: Database, shift_id: int) -> list[CitationRecord]:
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
    return _citation_records(session, rows.all())


def proposed_disposition(db: Database, incident_id: int) -> str | None:
    """The disposition clearing should propose: 04 (citation issued) when the incident has one in force."""
    with db.read() as s:
        found = s.execute(
            select(Citation.id).where(Citation.incident_id == incident_id, Citation.status == "issued").limit(1)
        ).first()
    return "04" if found else None


# --- welfare checks ---------------------------------------------------------------------------


def _welfare_records(session: Session, rows: Sequence[WelfareCheck]) -> list[WelfareCheckRecord]:
    officer_ids = {r.officer_id for r in rows if r.officer_id}
    names: dict[int, str] = {}
    if officer_ids:
        query = select(Officer.id, Officer.name).where(Officer.id.in_(officer_ids))
        names = {ident: name for ident, name in session.execute(query)}
    return [
        WelfareCheckRecord(
            id=r.id,
            incident_id=r.incident_id,
            recorded_at=r.recorded_at,
            officer_name=names.get(r.officer_id, "") if r.officer_id else "",
            subject_name=r.subject_name,
            subject_declined=r.subject_declined,
            approx_age=r.approx_age,
            description=r.description,
            observations=dict(r.observations or {}),
            services_offered=r.services_offered,
            services_accepted=r.services_accepted,
            escalation=tuple(r.escalation or ()),
            follow_up_needed=r.follow_up_needed,
            follow_up_note=r.follow_up_note,
        )
        for r in rows
    ]


def _clean_observations(observations: dict[str, Any] | None) -> dict[str, Any]:
    given = dict(observations or {})
    unknown = set(given) - set(OBSERVATION_FLAGS) - set(OBSERVATION_TEXT)
    if unknown:
        raise ValidationError("observations", f"Unknown observation {sorted(unknown)[0][:40]!r}.")
    out: dict[str, Any] = {}
    for key in OBSERVATION_FLAGS:
        value = given.get(key)
        if value is not None and not isinstance(value, bool):
            raise ValidationError("observations", f"{OBSERVATION_FLAGS[key]} must be yes, no or not assessed.")
        out[key] = value
    housing = str(given.get("housing_status") or "unknown").strip().lower()
    if housing not in HOUSING_STATUSES:
        raise ValidationError("observations", f"Housing status must be one of {', '.join(HOUSING_STATUSES)}.")
    out["housing_status"] = housing
    out["safety_cautions"] = validate.text("safety_cautions", given.get("safety_cautions"), limit=MAX_SHORT)
    out["condition"] = validate.text("condition", given.get("condition"), limit=MAX_SHORT)
    return out


def record_welfare_check(
    db: Database,
    actor: Actor,
    *,
    incident_id: int,
    officer_id: int | None = None,
    subject_name: str = "",
    subject_declined: bool = False,
    approx_age: str = "",
    description: str = "",
    observations: dict[str, Any] | None = None,
    services_offered: str = "",
    services_accepted: bool | None = None,
    escalation: Iterable[str] = (),
    follow_up_needed: bool = False,
    follow_up_note: str = "",
) -> WelfareCheckRecord:
    """Record (or correct) the welfare-check log of an incident; one per incident."""
    subject = validate.text("subject_name", subject_name, limit=160, label="subject's name")
    if subject_declined and subject:
        raise ValidationError("subject_name", "The subject declined to give a name; leave the name empty.")
    age = validate.text("approx_age", approx_age, limit=20, label="approximate age")
    desc = validate.text("description", description, limit=rules.MAX_NARRATIVE)
    obs = _clean_observations(observations)
    offered = validate.text("services_offered", services_offered, limit=MAX_SHORT, label="services offered")
    if services_accepted is not None and not offered:
        raise ValidationError("services_offered", "Say which services were offered before recording the answer.")
    escalated = list(dict.fromkeys(escalation))
    labels = db.pack.escalation_labels
    unknown = [e for e in escalated if e not in labels]
    if unknown:
        raise ValidationError("escalation", f"Unknown escalation {unknown[0][:30]!r}; use {', '.join(labels)}.")
    follow = validate.text("follow_up_note", follow_up_note, limit=MAX_SHORT, label="follow-up note")
    with work(db, actor) as w:
        incident = w.session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"No incident with id {incident_id}.")
        if officer_id is not None:
            officer = w.session.get(Officer, officer_id)
            if officer is None:
                raise NotFoundError(f"No officer with id {officer_id}.")
        row = w.session.execute(
            select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)
        ).scalar_one_or_none()
        fields = (
            "subject_name",
            "subject_declined",
            "approx_age",
            "observations",
            "services_accepted",
            "escalation",
            "follow_up_needed",
        )
        before = snapshot(row, *fields) if row else None
        if row is None:
            row = WelfareCheck(incident_id=incident_id, recorded_at=w.now)
            w.session.add(row)
        row.officer_id = officer_id
        row.subject_name = subject
        row.subject_declined = bool(subject_declined)
        row.approx_age = age
        row.description = desc
        row.observations = obs
        row.services_offered = offered
        row.services_accepted = services_accepted
        row.escalation = escalated
        row.follow_up_needed = bool(follow_up_needed)
        row.follow_up_note = follow
        row.recorded_at = w.now
        w.session.flush()
        who = "subject declined to give a name" if subject_declined else (subject or "subject not named")
        text = f"Welfare check {'updated' if before else 'recorded'}: {who}"
        if escalated:
            text += "; escalated to " + ", ".join(labels[e] for e in escalated)
        if follow_up_needed:
            text += "; follow-up needed"
        w.event(incident_id, "welfare_check", text)
        w.audit("record_welfare_check", "welfare_check", row.id, before, snapshot(row, *fields))
        w.changed("incident", incident_id, incident.version)
        return _welfare_records(w.session, [row])[0]


def welfare_check_for_incident(db: Database, incident_id: int) -> WelfareCheckRecord | None:
    with db.read() as s:
        row = s.execute(select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)).scalar_one_or_none()
        return _welfare_records(s, [row])[0] if row else None


def welfare_checks_for_shift(db: Database, shift_id: int) -> list[WelfareCheckRecord]:
    with db.read() as s:
        rows = s.execute(
            select(WelfareCheck)
            .join(Incident, Incident.id == WelfareCheck.incident_id)
            .where(Incident.shift_id == shift_id)
            .order_by(Incident.received_at, WelfareCheck.id)
        ).scalars()
        return _welfare_records(s, rows.all())


def recent_shifts(db: Database, limit: int = 60) -> list[ShiftRecord]:
    """Shifts newest first (the active one and those before it), for choosing one to print."""
    with db.read() as s:
        rows = s.execute(select(Shift).order_by(Shift.starts_at.desc(), Shift.id.desc()).limit(limit)).scalars()
        return [shift_record(r) for r in rows]


def welfare_incidents_for_shift(db: Database, shift_id: int) -> list[int]:
    """Ids of the shift's welfare-check incidents, oldest first: those with a form, and every call of a
    type that needs one (pack `welfare_form`) that CSOs handled, whether or not its form was recorded."""
    needs_form = [code for code, ct in db.pack.call_types.items() if ct.welfare_form]
    with db.read() as s:
        with_form = select(WelfareCheck.incident_id)
        rows = s.execute(
            select(Incident.id)
            .where(
                Incident.shift_id == shift_id,
                or_(
                    Incident.id.in_(with_form),
                    Incident.call_type.in_(needs_form) & Incident.status.not_in(("merged", "cancelled", "transferred")),
                ),
            )
            .order_by(Incident.received_at, Incident.id)
        )
        return [ident for (ident,) in rows]


# --- referrals --------------------------------------------------------------------------------


def _referral_records(session: Session, rows: Sequence[Referral]) -> list[ReferralRecord]:
    agencies = {
        a.id: a
        for a in session.execute(
            select(DirectoryAgency).where(DirectoryAgency.id.in_({r.agency_id for r in rows}))
        ).scalars()
    }
    return [
        ReferralRecord(
            id=r.id,
            incident_id=r.incident_id,
            agency_key=agencies[r.agency_id].key,
            agency_name=agencies[r.agency_id].name,
            agency_phone=agencies[r.agency_id].phone,
            outcome=r.outcome,
            follow_up_on=r.follow_up_on,
            note=r.note,
            created_at=r.created_at,
            created_by=r.created_by,
        )
        for r in rows
    ]


def add_referral(
    db: Database,
    actor: Actor,
    *,
    incident_id: int,
    agency_key: str,
    outcome: str,
    follow_up_on: dt.date | None = None,
    note: str = "",
) -> ReferralRecord:
    """Record a referral offered to a person on an incident, and whether they accepted it."""
    if outcome not in REFERRAL_OUTCOMES:
        raise ValidationError(
            "outcome", f"Referral outcome must be offered, accepted or declined, not {outcome[:20]!r}."
        )
    body = validate.text("note", note, limit=MAX_SHORT)
    if follow_up_on is not None and not isinstance(follow_up_on, dt.date):
        raise ValidationError("follow_up_on", "The follow-up date must be a date.")
    with work(db, actor) as w:
        incident = w.session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"No incident with id {incident_id}.")
        agency = w.session.execute(
            select(DirectoryAgency).where(DirectoryAgency.key == (agency_key or "").strip())
        ).scalar_one_or_none()
        if agency is None or not agency.active:
            raise NotFoundError(f"No referral agency {str(agency_key)[:40]!r} in the directory.")
        if follow_up_on is not None and follow_up_on < local_date(db, w.now):
            raise ValidationError("follow_up_on", "The follow-up date is in the past.")
        row = Referral(
            incident_id=incident_id,
            agency_id=agency.id,
            outcome=outcome,
            follow_up_on=follow_up_on,
            note=body,
            created_at=w.now,
            created_by=actor.username,
        )
        w.session.add(row)
        w.session.flush()
        text = f"Referral to {agency.name}" + (f" ({agency.phone})" if agency.phone else "") + f": {outcome}"
        if follow_up_on:
            text += f"; follow up on {follow_up_on.isoformat()}"
        if body:
            text += f". {body}"
        w.event(incident_id, "referral", text)
        w.audit(
            "add_referral",
            "referral",
            row.id,
            None,
            snapshot(row, "incident_id", "outcome", "follow_up_on") | {"agency": agency.key},
        )
        w.changed("referral", row.id)
        w.changed("incident", incident_id, incident.version)
        return _referral_records(w.session, [row])[0]


def referrals_for_incident(db: Database, incident_id: int) -> list[ReferralRecord]:
    with db.read() as s:
        rows = s.execute(select(Referral).where(Referral.incident_id == incident_id).order_by(Referral.id)).scalars()
        return _referral_records(s, rows.all())


def referrals_for_shift(db: Database, shift_id: int) -> list[ReferralRecord]:
    with db.read() as s:
        rows = s.execute(
            select(Referral)
            .join(Incident, Incident.id == Referral.incident_id)
            .where(Incident.shift_id == shift_id)
            .order_by(Referral.created_at, Referral.id)
        ).scalars()
        return _referral_records(s, rows.all())


# --- who worked an incident ---------------------------------------------------------------------


def responding_units(session: Session, incidents: Sequence[Incident]) -> dict[int, list[RespondingUnit]]:
    """Units that worked each incident (from dispatch audit entries and unit events), with crews."""
    ids = [i.id for i in incidents]
    if not ids:
        return {}
    signs: dict[int, dict[str, None]] = {i: {} for i in ids}
    for entity_id, before in session.execute(
        select(AuditEntry.entity_id, AuditEntry.before).where(
            AuditEntry.action == "dispatch_units", AuditEntry.entity == "incident", AuditEntry.entity_id.in_(ids)
        )
    ):
        for sign in (before or {}).get("units", []):
            signs[entity_id][str(sign)] = None
    for incident_id, sign in session.execute(
        select(IncidentEvent.incident_id, Unit.call_sign)
        .join(Unit, Unit.id == IncidentEvent.unit_id)
        .where(IncidentEvent.incident_id.in_(ids))
    ):
        signs[incident_id][sign] = None
    units = {
        u.call_sign: u
        for u in session.execute(
            select(Unit).where(
                or_(Unit.incident_id.in_(ids), Unit.call_sign.in_({s for d in signs.values() for s in d}))
            )
        ).scalars()
    }
    for u in units.values():
        if u.incident_id in signs:
            signs[u.incident_id][u.call_sign] = None
    shift_ids = {i.shift_id for i in incidents if i.shift_id}
    crews: dict[tuple[int, int], list[Officer]] = {}
    if shift_ids:
        for shift_id, unit_id, officer in session.execute(
            select(RosterEntry.shift_id, RosterEntry.unit_id, Officer)
            .join(Officer, Officer.id == RosterEntry.officer_id)
            .where(RosterEntry.shift_id.in_(shift_ids))
            .order_by(Officer.name)
        ):
            crews.setdefault((shift_id, unit_id), []).append(officer)
    out: dict[int, list[RespondingUnit]] = {}
    for inc in incidents:
        found = []
        for sign in sorted(signs[inc.id]):
            unit = units.get(sign)
            if unit is None:
                continue
            crew = crews.get((inc.shift_id or -1, unit.id), [])
            found.append(
                RespondingUnit(
                    call_sign=sign,
                    officers=tuple(o.name for o in crew),
                    badges=tuple(o.badge for o in crew),
                    status=unit.status,
                    on_incident=unit.incident_id == inc.id,
                )
            )
        out[inc.id] = found
    return out


def incident_paperwork(db: Database, incident_id: int) -> IncidentPaperwork:
    """One read of everything printed about an incident."""
    with db.read() as s:
        return read_incident_paperwork(s, db.pack, incident_id)


def read_incident_paperwork(s: Session, pack: Pack, incident_id: int) -> IncidentPaperwork:
    """Everything printed about an incident, read in the caller's session (an action's own, for its EIDO update)."""
    row = s.get(Incident, incident_id)
    if row is None:
        raise NotFoundError(f"No incident with id {incident_id}.")
    incident = incident_records(s, [row], pack)[0]
    events = s.execute(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident_id).order_by(IncidentEvent.id)
    ).scalars()
    welfare = s.execute(select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)).scalar_one_or_none()
    referrals = s.execute(select(Referral).where(Referral.incident_id == incident_id).order_by(Referral.id)).scalars()
    citations = s.execute(select(Citation).where(Citation.incident_id == incident_id).order_by(Citation.id)).scalars()
    merged = s.get(Incident, row.merged_into_id) if row.merged_into_id else None
    return IncidentPaperwork(
        incident=incident,
        events=tuple(event_records(s, events.all())),
        units=tuple(responding_units(s, [row])[row.id]),
        referrals=tuple(_referral_records(s, referrals.all())),
        welfare_check=_welfare_records(s, [welfare])[0] if welfare else None,
        citations=tuple(_citation_records(s, citations.all())),
        merged_into_number=merged.number if merged else None,
    )


__all__ = [
    "HOUSING_STATUSES",
    "OBSERVATION_FLAGS",
    "REFERRAL_OUTCOMES",
    "CitationQuote",
    "IncidentPaperwork",
    "PaperworkContext",
    "RepeatOffenseError",
    "RespondingUnit",
    "add_referral",
    "citation_number",
    "citations_for_incident",
    "citations_for_shift",
    "get_citation",
    "incident_paperwork",
    "issue_citation",
    "normalise_name",
    "paperwork_context",
    "parse_dob",
    "prior_offenses",
    "proposed_disposition",
    "quote_citation",
    "read_incident_paperwork",
    "recent_shifts",
    "record_welfare_check",
    "referrals_for_incident",
    "referrals_for_shift",
    "resolve_shift",
    "responding_units",
    "shift_window",
    "violator_key",
    "void_citation",
    "welfare_check_for_incident",
    "welfare_checks_for_shift",
    "welfare_incidents_for_shift",
]

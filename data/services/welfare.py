"""Welfare checks: the one log per incident an officer fills in, and the shift's checks for the welfare log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data import rules
from data.db import Database
from data.errors import NotFoundError, ValidationError
from data.models import Incident, Officer, WelfareCheck
from data.permissions import Actor
from data.records import WelfareCheckRecord
from data.services import validate
from data.services._work import snapshot, work
from data.services.shifts import of_shift

HOUSING_STATUSES = ("housed", "unhoused", "at risk", "unknown")


# Yes/no observations on the welfare-check form; None means "not assessed".
OBSERVATION_FLAGS = {
    "responsive": "Responsive",
    "oriented": "Oriented (person, place, time)",
    "injuries": "Visible injuries",
    "needs_medical": "Needs medical attention",
}


OBSERVATION_TEXT = ("housing_status", "safety_cautions", "condition")


def welfare_records(session: Session, rows: Sequence[WelfareCheck]) -> list[WelfareCheckRecord]:
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
    out["safety_cautions"] = validate.text("safety_cautions", given.get("safety_cautions"), limit=validate.MAX_SHORT)
    out["condition"] = validate.text("condition", given.get("condition"), limit=validate.MAX_SHORT)
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
    offered = validate.text("services_offered", services_offered, limit=validate.MAX_SHORT, label="services offered")
    if services_accepted is not None and not offered:
        raise ValidationError("services_offered", "Say which services were offered before recording the answer.")
    escalated = list(dict.fromkeys(escalation))
    labels = db.pack.escalation_labels
    unknown = [e for e in escalated if e not in labels]
    if unknown:
        raise ValidationError("escalation", f"Unknown escalation {unknown[0][:30]!r}; use {', '.join(labels)}.")
    follow = validate.text("follow_up_note", follow_up_note, limit=validate.MAX_SHORT, label="follow-up note")
    with work(db, actor) as w:
        # The incident row locked first: two consoles saving the first form of one call at once take
        # turns (the second corrects the first, audited) instead of the second failing on the unique key.
        incident = w.session.get(Incident, incident_id, with_for_update=True)
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
        return welfare_records(w.session, [row])[0]


def welfare_check_for_incident(db: Database, incident_id: int) -> WelfareCheckRecord | None:
    with db.read() as s:
        row = s.execute(select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)).scalar_one_or_none()
        return welfare_records(s, [row])[0] if row else None


def welfare_checks_for_shift(db: Database, shift_id: int) -> list[WelfareCheckRecord]:
    query = of_shift(select(WelfareCheck), WelfareCheck.incident_id, shift_id)
    with db.read() as s:
        return welfare_records(s, s.execute(query.order_by(Incident.received_at, WelfareCheck.id)).scalars().all())


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


__all__ = [
    "HOUSING_STATUSES",
    "OBSERVATION_FLAGS",
    "OBSERVATION_TEXT",
    "record_welfare_check",
    "welfare_check_for_incident",
    "welfare_checks_for_shift",
    "welfare_incidents_for_shift",
    "welfare_records",
]

"""Repeat contacts: earlier welfare checks and citations of the same person, with the referrals made then.

A person is matched by name (case, accents' width and spacing folded) and, where both records know it, the
date of birth: two different dates of birth are two people. Welfare checks record no date of birth, so
they match on the name alone and say so. Reading a person's contacts names people: it is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import PermissionDeniedError, ValidationError
from data.models import Citation, Incident, Referral, WelfareCheck
from data.permissions import Actor, record_refusal
from data.records import ReferralRecord
from data.services._work import work
from data.services.people import Person, identities
from data.services.person_names import normalise_name, parse_dob
from data.services.referrals import referral_records

CONTACT_LIMIT = 200
MERGED = "merged by a supervisor"


@dataclass(frozen=True)
class Contact:
    """One earlier contact with the person: a welfare check or a citation, and the referrals on its incident."""

    kind: str  # "welfare check" or "citation"
    at: dt.datetime
    incident_id: int | None
    incident_number: str | None
    location: str
    outcome: str
    matched_on: str  # "name and date of birth", "name only" or "merged by a supervisor"
    referrals: tuple[ReferralRecord, ...] = ()
    record_id: int = 0  # the welfare check's or the citation's id (what a supervisor splits from the person)

    def follow_up_state(self, today: dt.date) -> str:
        """'' when no referral set a follow-up date; else 'follow-up due YYYY-MM-DD' or 'follow-up overdue since …'."""
        states = []
        for r in self.referrals:
            if r.follow_up_on is None:
                continue
            if r.follow_up_on < today:
                states.append(f"{r.agency_name}: follow-up overdue since {r.follow_up_on.isoformat()}")
            else:
                states.append(f"{r.agency_name}: follow-up due {r.follow_up_on.isoformat()}")
        return "; ".join(states)


@dataclass(frozen=True)
class PersonContacts:
    name: str
    dob: str
    contacts: tuple[Contact, ...]

    @property
    def count(self) -> int:
        return len(self.contacts)


def may_read_contacts(db: Database, actor: Actor) -> bool:
    return actor.role in db.pack.history.contact_roles


def prior_contacts(
    db: Database, actor: Actor, *, name: str, dob: str = "", exclude_incident_id: int | None = None
) -> PersonContacts:
    """Every earlier welfare check and citation of a person, newest first, to the roles the pack allows."""
    if not may_read_contacts(db, actor):
        record_refusal(db, actor, "read_contacts", entity="person")
        raise PermissionDeniedError(f"A {actor.role} cannot read a person's earlier contacts.")
    wanted = normalise_name(name)
    if sum(ch.isalpha() for ch in wanted) < 3 or wanted in ("declined", "unknown"):
        raise ValidationError("name", "Give the person's name (three letters or more) to look up earlier contacts.")
    birth = parse_dob(dob)
    found: list[Contact] = []
    with work(db, actor) as w:
        s = w.session
        # A supervisor's merges add the other people's contacts; their splits take records away (data.services.people).
        people, splits = identities(s, Person(wanted, birth))
        split_off = {(link.record_kind, link.record_id) for link in splits}
        seen: set[tuple[str, int]] = set()
        for index, who in enumerate(people):
            for contact in _contacts_of(s, who, merged=index > 0, exclude_incident_id=exclude_incident_id):
                key = ("welfare_check" if contact.kind == "welfare check" else "citation", contact.record_id)
                if key in split_off or key in seen:
                    continue
                seen.add(key)
                found.append(contact)
        incident_ids = {c.incident_id for c in found if c.incident_id is not None}
        referral_rows = (
            s.execute(select(Referral).where(Referral.incident_id.in_(incident_ids)).order_by(Referral.id))
            .scalars()
            .all()
            if incident_ids
            else []
        )
        by_incident: dict[int, list[ReferralRecord]] = {}
        for r in referral_records(s, referral_rows):
            by_incident.setdefault(r.incident_id, []).append(r)
        found = [
            Contact(
                c.kind,
                c.at,
                c.incident_id,
                c.incident_number,
                c.location,
                c.outcome,
                c.matched_on,
                tuple(by_incident.get(c.incident_id, ())) if c.incident_id is not None else (),
                c.record_id,
            )
            for c in found
        ]
        found.sort(key=lambda c: c.at, reverse=True)
        w.audit("read_contacts", "person", None, None, {"name": name.strip()[:160], "dob": birth, "found": len(found)})
    return PersonContacts(name=name.strip(), dob=birth, contacts=tuple(found[:CONTACT_LIMIT]))


def _contacts_of(s: Session, who: Person, *, merged: bool, exclude_incident_id: int | None) -> list[Contact]:
    """The welfare checks and citations matching one person (name, and date of birth where both know it)."""
    found: list[Contact] = []
    # The database narrows by the longest run of plain letters (SQLite folds only ASCII case); the exact,
    # accent-aware comparison is done here. A run is cut at "ss", which may be a stored ß folded ("Groß").
    runs = [part for run in re.findall(r"[a-z]+", who.name) for part in run.split("ss") if part]
    like = f"%{max(runs, key=len)}%" if runs else "%"
    welfare = s.execute(
        select(WelfareCheck, Incident)
        .join(Incident, Incident.id == WelfareCheck.incident_id)
        .where(func.lower(WelfareCheck.subject_name).like(like, escape="\\"), WelfareCheck.subject_declined.is_(False))
        .order_by(WelfareCheck.recorded_at.desc())
        .limit(CONTACT_LIMIT * 5)
    ).all()
    for check, incident in welfare:
        if normalise_name(check.subject_name) != who.name or incident.id == exclude_incident_id:
            continue
        accepted = {True: "services accepted", False: "services declined", None: "no services offered"}
        outcome = accepted[check.services_accepted]
        if check.follow_up_needed:
            outcome += "; follow-up needed" + (f": {check.follow_up_note}" if check.follow_up_note else "")
        found.append(
            Contact(
                "welfare check",
                check.recorded_at,
                incident.id,
                incident.number,
                incident.location,
                outcome,
                MERGED if merged else "name only",
                record_id=check.id,
            )
        )
    citations = s.execute(
        select(Citation, Incident)
        .outerjoin(Incident, Incident.id == Citation.incident_id)
        .where(Citation.violator_key.like(f"{_escape(who.name)}|%", escape="\\"))
        .order_by(Citation.issued_at.desc())
        .limit(CONTACT_LIMIT)
    ).all()
    for citation, incident in citations:
        if who.dob and citation.violator_dob and citation.violator_dob != who.dob:
            continue  # the same name, another person
        if incident is not None and incident.id == exclude_incident_id:
            continue
        matched = "name and date of birth" if who.dob and citation.violator_dob == who.dob else "name only"
        state = "void" if citation.status == "void" else "issued"
        found.append(
            Contact(
                "citation",
                citation.issued_at,
                incident.id if incident else None,
                incident.number if incident else None,
                citation.location,
                f"citation {citation.number} {state}",
                MERGED if merged else matched,
                record_id=citation.id,
            )
        )
    return found


def _escape(text: str) -> str:
    """Typed % and _ are letters in a name, not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

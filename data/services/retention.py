"""Retention: personal details of repeat contacts are removed from records closed longer ago than the pack keeps them.

What goes: on a welfare check, the subject's name, approximate age and description; on a citation, the cited
person's name, date of birth, address and ID number (and the matching key built from them). What stays: the
record itself, its incident, times, location, outcome, referrals, violations and fines, so counts and the
shift reports still add up. A record is past retention when its incident closed (cleared, cancelled,
transferred or merged) before the cut-off; a citation also when it was issued before the cut-off and has no
incident. An open incident keeps its people whatever their age.

`plan` lists what would go (the dry run); `apply` removes exactly that in one transaction, with one audit
entry per record naming the fields removed (never their values) and one entry for the whole run. A
supervisor's merge or split (data.services.people) that names only people with no record left is deleted too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import ValidationError
from data.models import Citation, Incident, PersonLink, WelfareCheck
from data.permissions import Actor, authorize
from data.services._work import Work, row_lock, work
from data.services.history import months_ago
from data.services.person_names import normalise_name

CLOSED = ("cleared", "cancelled", "transferred", "merged")
WELFARE_FIELDS = ("subject_name", "approx_age", "description")
CITATION_FIELDS = ("violator_name", "violator_dob", "violator_address", "violator_id_number", "violator_key")
PRIVILEGE = "apply_retention"


@dataclass(frozen=True)
class Removal:
    """One record whose personal details go: which record, when it closed, which fields hold something."""

    kind: str  # "welfare check" or "citation"
    record_id: int
    label: str  # the incident or citation number a supervisor would look it up by
    closed_at: dt.datetime
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RetentionPlan:
    months: int
    cutoff: dt.datetime
    removals: tuple[Removal, ...]
    links: tuple[int, ...] = ()  # supervisors' merges and splits (data.services.people) that name nobody kept

    @property
    def count(self) -> int:
        return len(self.removals)


def _months(db: Database) -> int:
    months = db.pack.history.retention_months
    if months <= 0:
        raise ValidationError(
            "retention_months",
            "The pack sets no retention ([history] retention_months is 0): personal details are kept.",
        )
    return months


def _filled(row: WelfareCheck | Citation, fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f for f in fields if getattr(row, f))


def _find(session: Session, cutoff: dt.datetime) -> list[tuple[Removal, WelfareCheck | Citation]]:
    found: list[tuple[Removal, WelfareCheck | Citation]] = []
    closed_before = and_(Incident.status.in_(CLOSED), Incident.status_changed_at < cutoff)
    welfare = session.execute(
        select(WelfareCheck, Incident)
        .join(Incident, Incident.id == WelfareCheck.incident_id)
        .where(closed_before, WelfareCheck.recorded_at < cutoff)
        .order_by(WelfareCheck.id)
    ).all()
    for check, incident in welfare:
        fields = _filled(check, WELFARE_FIELDS)
        if fields:
            found.append(
                (Removal("welfare check", check.id, incident.number, incident.status_changed_at, fields), check)
            )
    citations = session.execute(
        select(Citation, Incident)
        .outerjoin(Incident, Incident.id == Citation.incident_id)
        .where(Citation.issued_at < cutoff, or_(Citation.incident_id.is_(None), closed_before))
        .order_by(Citation.id)
    ).all()
    for citation, incident in citations:
        fields = _filled(citation, CITATION_FIELDS)
        if fields:
            closed = incident.status_changed_at if incident is not None else citation.issued_at
            found.append((Removal("citation", citation.id, citation.number, closed, fields), citation))
    return found


def _stale_links(session: Session, removals: list[tuple[Removal, WelfareCheck | Citation]]) -> list[PersonLink]:
    """Merges and splits that would name only people whose every record is past retention (their names go too)."""
    links = list(session.execute(select(PersonLink).order_by(PersonLink.id)).scalars())
    if not links:
        return []
    going = {("welfare" if r.kind == "welfare check" else "citation", r.record_id) for r, _ in removals}
    kept: set[str] = set()
    for ident, name in session.execute(select(WelfareCheck.id, WelfareCheck.subject_name)):
        if ("welfare", ident) not in going and name:
            kept.add(normalise_name(name))
    for ident, name in session.execute(select(Citation.id, Citation.violator_name)):
        if ("citation", ident) not in going and name:
            kept.add(normalise_name(name))
    return [
        link
        for link in links
        if link.name_key not in kept and (link.kind != "merge" or link.other_name_key not in kept)
    ]


def _lock_closed(w: Work, cutoff: dt.datetime) -> None:
    """Hold the closed incidents with people on them until the commit: a supervisor's reopen waits, and one
    committed first takes its incident out of the run (PostgreSQL re-checks the condition on the locked row).
    SQLite's writer already holds the whole database."""
    if row_lock(w.db) is None:
        return
    has_people = or_(
        select(WelfareCheck.id).where(WelfareCheck.incident_id == Incident.id).exists(),
        select(Citation.id).where(Citation.incident_id == Incident.id).exists(),
    )
    w.session.execute(
        select(Incident.id)
        .where(Incident.status.in_(CLOSED), Incident.status_changed_at < cutoff, has_people)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE, as data.services._work.row_lock
    ).all()


def plan(db: Database, actor: Actor) -> RetentionPlan:
    """What `apply` would remove now (the dry run): read only, but audited since it lists people's records."""
    authorize(db, actor, PRIVILEGE, entity="retention")
    months = _months(db)
    with work(db, actor, privilege=PRIVILEGE) as w:
        cutoff = months_ago(w.now, months)
        found = _find(w.session, cutoff)
        links = tuple(link.id for link in _stale_links(w.session, found))
        w.audit(
            "retention_dry_run",
            "retention",
            None,
            None,
            {"months": months, "cutoff": cutoff, "records": len(found), "person_links": len(links)},
        )
    return RetentionPlan(months, cutoff, tuple(r for r, _ in found), links)


def apply(db: Database, actor: Actor) -> RetentionPlan:
    """Remove the personal details past retention, all in one transaction, each record audited."""
    authorize(db, actor, PRIVILEGE, entity="retention")
    months = _months(db)
    with work(db, actor, privilege=PRIVILEGE) as w:
        cutoff = months_ago(w.now, months)
        _lock_closed(w, cutoff)
        found = _find(w.session, cutoff)
        stale = _stale_links(w.session, found)
        entity = {"welfare check": "welfare_check", "citation": "citation"}
        for removal, row in found:
            for field in removal.fields:
                setattr(row, field, "")
            w.audit(
                "retention_remove",
                entity[removal.kind],
                removal.record_id,
                {"record": removal.label, "closed_at": removal.closed_at},
                {"removed": list(removal.fields)},
            )
        for link in stale:
            w.audit("retention_remove", "person_link", link.id, {"kind": link.kind}, {"removed": ["person_link"]})
            w.session.delete(link)
        w.audit(
            "retention_apply",
            "retention",
            None,
            None,
            {"months": months, "cutoff": cutoff, "records": len(found), "person_links": len(stale)},
        )
        # The run's own entry first: the console's ledger names an action by its first audit row.
        w.audits.insert(0, w.audits.pop())
    return RetentionPlan(months, cutoff, tuple(r for r, _ in found), tuple(link.id for link in stale))

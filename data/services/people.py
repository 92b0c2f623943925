"""Person matching corrected by a supervisor: merge two people's contacts, split a record from a person, undo.

Matching (data.services.contacts) goes by name and date of birth, which is wrong both ways: "Bob Smith" and
"Robert Smith" may be one man; the "John Smith" of one welfare check may not be the one cited last month. A
supervisor records the correction with a reason; each is audited and can be undone (the row stays, ended).

A person here is a name (folded as contacts fold it) and a date of birth, which may be empty; an empty date
of birth on either side matches any.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import NotFoundError, ValidationError
from data.models import Citation, PersonLink, WelfareCheck
from data.permissions import Actor, authorize
from data.services._work import snapshot, work
from data.services.person_names import normalise_name, parse_dob

PRIVILEGE = "match_people"
RECORD_KINDS = ("welfare_check", "citation")
LINK_FIELDS = ("kind", "name_key", "dob", "other_name_key", "other_dob", "record_kind", "record_id", "reason")


@dataclass(frozen=True)
class LinkRecord:
    id: int
    kind: str  # merge, split
    name: str
    dob: str
    other_name: str
    other_dob: str
    record_kind: str
    record_id: int | None
    reason: str
    created_at: dt.datetime
    created_by: str
    ended_at: dt.datetime | None
    ended_by: str | None


@dataclass(frozen=True)
class Person:
    name: str  # folded
    dob: str

    def same_as(self, name: str, dob: str) -> bool:
        return self.name == name and (not self.dob or not dob or self.dob == dob)


def person(name: str, dob: str = "", *, field: str = "name") -> Person:
    folded = normalise_name(name)
    if sum(ch.isalpha() for ch in folded) < 3 or folded in ("declined", "unknown"):
        raise ValidationError(field, "Give the person's name (three letters or more).")
    if len(folded) > 160:
        raise ValidationError(field, "A name is at most 160 characters.")
    return Person(folded, parse_dob(dob))


def _reason(text: str) -> str:
    why = " ".join((text or "").split())
    if not why:
        raise ValidationError("reason", "Give the reason (what shows these are, or are not, the same person).")
    return why[:2000]


def _record(row: PersonLink) -> LinkRecord:
    return LinkRecord(
        row.id,
        row.kind,
        row.name_key,
        row.dob,
        row.other_name_key,
        row.other_dob,
        row.record_kind,
        row.record_id,
        row.reason,
        row.created_at,
        row.created_by,
        row.ended_at,
        row.ended_by,
    )


def active_links(session: Session, names: set[str]) -> list[PersonLink]:
    """Links in force naming any of these folded names (either side of a merge)."""
    if not names:
        return []
    return list(
        session.execute(
            select(PersonLink)
            .where(
                PersonLink.ended_at.is_(None),
                or_(PersonLink.name_key.in_(names), PersonLink.other_name_key.in_(names)),
            )
            .order_by(PersonLink.id)
        ).scalars()
    )


def identities(session: Session, who: Person) -> tuple[list[Person], list[PersonLink]]:
    """Everyone merged with `who` (itself first, merges followed transitively) and the splits naming any of them."""
    found = [who]
    seen: set[int] = set()
    grew = True
    links: list[PersonLink] = []
    while grew:
        grew = False
        links = active_links(session, {p.name for p in found})
        for link in links:
            if link.kind != "merge" or link.id in seen:
                continue
            a, b = Person(link.name_key, link.dob), Person(link.other_name_key, link.other_dob)
            if any(p.same_as(a.name, a.dob) for p in found):
                seen.add(link.id)
                found.append(b)
                grew = True
            elif any(p.same_as(b.name, b.dob) for p in found):
                seen.add(link.id)
                found.append(a)
                grew = True
    splits = [link for link in links if link.kind == "split" and any(p.same_as(link.name_key, link.dob) for p in found)]
    return found, splits


def merge_people(
    db: Database, actor: Actor, *, name: str, dob: str = "", other_name: str, other_dob: str = "", reason: str
) -> LinkRecord:
    """Record that two people are one: each one's earlier contacts then include the other's."""
    authorize(db, actor, PRIVILEGE, entity="person")
    a = person(name, dob)
    b = person(other_name, other_dob, field="other_name")
    why = _reason(reason)
    if a.same_as(b.name, b.dob):
        raise ValidationError("other_name", "These already match as one person; there is nothing to merge.")
    with work(db, actor, privilege=PRIVILEGE) as w:
        known, _ = identities(w.session, a)
        if any(p.same_as(b.name, b.dob) for p in known):
            raise ValidationError("other_name", "These two are already merged.")
        row = PersonLink(
            kind="merge",
            name_key=a.name,
            dob=a.dob,
            other_name_key=b.name,
            other_dob=b.dob,
            record_kind="",
            record_id=None,
            reason=why,
            created_at=w.now,
            created_by=w.actor.username,
        )
        w.session.add(row)
        w.session.flush()
        w.audit("merge_people", "person_link", row.id, None, snapshot(row, *LINK_FIELDS))
        return _record(row)


def split_record(
    db: Database, actor: Actor, *, name: str, dob: str = "", record_kind: str, record_id: int, reason: str
) -> LinkRecord:
    """Record that one welfare check or citation, though the name matches, is not this person."""
    authorize(db, actor, PRIVILEGE, entity="person")
    who = person(name, dob)
    why = _reason(reason)
    if record_kind not in RECORD_KINDS:
        raise ValidationError("record_kind", "Split a welfare check or a citation.")
    with work(db, actor, privilege=PRIVILEGE) as w:
        s = w.session
        if record_kind == "welfare_check":
            check = s.get(WelfareCheck, record_id)
            if check is None:
                raise NotFoundError(f"No welfare check {record_id}.")
            names, birth = {normalise_name(check.subject_name)}, ""
        else:
            citation = s.get(Citation, record_id)
            if citation is None:
                raise NotFoundError(f"No citation {record_id}.")
            names, birth = {normalise_name(citation.violator_name)}, citation.violator_dob
        known, splits = identities(s, who)
        if not any(p.same_as(n, birth) for p in known for n in names):
            raise ValidationError("record_id", "That record is not among this person's contacts; nothing to split.")
        if any(link.record_kind == record_kind and link.record_id == record_id for link in splits):
            raise ValidationError("record_id", "That record is already split from this person.")
        row = PersonLink(
            kind="split",
            name_key=who.name,
            dob=who.dob,
            other_name_key="",
            other_dob="",
            record_kind=record_kind,
            record_id=record_id,
            reason=why,
            created_at=w.now,
            created_by=w.actor.username,
        )
        s.add(row)
        s.flush()
        w.audit("split_person", "person_link", row.id, None, snapshot(row, *LINK_FIELDS))
        return _record(row)


def undo_link(db: Database, actor: Actor, link_id: int, *, reason: str) -> LinkRecord:
    """End a merge or a split: matching goes back to name and date of birth for it. The row stays."""
    authorize(db, actor, PRIVILEGE, entity="person_link", entity_id=link_id)
    why = _reason(reason)
    with work(db, actor, privilege=PRIVILEGE) as w:
        row = w.session.get(PersonLink, link_id)
        if row is None:
            raise NotFoundError(f"No merge or split {link_id}.")
        if row.ended_at is not None:
            raise ValidationError("link", f"That {row.kind} was already undone.")
        row.ended_at = w.now
        row.ended_by = w.actor.username
        w.audit("undo_person_link", "person_link", row.id, {"kind": row.kind}, {"ended": True, "reason": why})
        return _record(row)


def links_for(db: Database, actor: Actor, *, name: str, dob: str = "") -> list[LinkRecord]:
    """The merges and splits in force for a person (what a supervisor reviews before undoing one)."""
    authorize(db, actor, PRIVILEGE, entity="person")
    who = person(name, dob)
    with db.read() as s:
        _, splits = identities(s, who)
        merges = [link for link in active_links(s, {p.name for p in identities(s, who)[0]}) if link.kind == "merge"]
        return [_record(link) for link in sorted({*merges, *splits}, key=lambda link: link.id)]

"""Shifts, units and voided citations as a supervisor relies on them: what each leaves in the record."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, select, update

from data import services
from data.errors import InvalidTransitionError, PermissionDeniedError, ValidationError
from data.models import AuditEntry, ChangeLog, DirectoryAgency, Officer, Shift, Unit, User
from data.permissions import Actor
from data.services import citations, setup
from tests.data.helpers import SUPERVISOR

MS = dt.timedelta(milliseconds=1)
HOURS_10 = dt.timedelta(hours=10)


def audits(db, action: str) -> list[tuple[str, int | None, object]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()
        return [(r.entity, r.entity_id, r.after) for r in rows]


def start(db, name: str):
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Ruiz", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )


def test_starting_a_shift_closes_the_one_before_and_only_the_new_one_is_active(db):
    day = start(db, "Day")
    night = start(db, "Night")
    with db.read() as s:
        statuses = dict(s.execute(select(Shift.id, Shift.status)).all())
    assert statuses == {day.id: "closed", night.id: "active"}
    assert services.active_shift(db).id == night.id


def test_closing_a_shift_is_audited_against_that_shift(db):
    day = start(db, "Day")
    services.close_shift(db, SUPERVISOR, day.id)
    assert audits(db, "close_shift") == [("shift", day.id, {"status": "closed"})]
    assert services.active_shift(db) is None


def test_creating_a_unit_is_audited_against_that_unit(db):
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO31")
    assert audits(db, "create_unit") == [("unit", unit.id, {"call_sign": "CSO31", "zone": None})]


def test_a_voided_citation_is_announced_to_other_consoles_by_its_own_id(db, dispatcher, supervisor):
    officer = services.create_officer(db, supervisor, badge="C101", name="Ana Díaz")
    issued = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="John Smith",
        violations=["9.08.050"],
        location="8300 Santa Monica Blvd",
    )
    with db.read() as s:
        before = s.execute(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1)).scalar_one()
    voided = citations.void_citation(db, supervisor, issued.number, "Wrong person")
    with db.read() as s:
        announced = s.execute(select(ChangeLog.kind, ChangeLog.entity_id).where(ChangeLog.id > before)).all()
    assert voided.status == "void"
    assert ("citation", issued.id) in announced


# Helpers for the pins below -------------------------------------------------------------------------

ADMIN_ACTOR = Actor("admin.setup", role="admin", workstation="ws-adm")
DISPATCHER = Actor("disp.setup", role="dispatcher", workstation="ws-2")


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def audit_rows(db, action: str) -> list[tuple]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()
        return [(r.username, r.entity, r.entity_id, r.outcome, r.before, r.after) for r in rows]


def changes(db) -> list[tuple[str, int, int]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(select(ChangeLog.kind, ChangeLog.entity_id, ChangeLog.version)).all()]


def demoted_after_the_check(monkeypatch, db, username: str) -> None:
    """An administrator demotes the account to dispatcher after the service's first check, before its write."""
    real = setup.authorize

    def check_then_demote(*args, **kwargs):
        real(*args, **kwargs)
        with db.writer() as s, s.begin():
            s.add(User(username=username, role="dispatcher", active=True, locked=False, created_at=db.clock()))

    monkeypatch.setattr(setup, "authorize", check_then_demote)


# create_unit -----------------------------------------------------------------------------------------


def test_a_new_unit_starts_off_duty_and_off_shift_with_its_call_sign_in_capitals(db, clock):
    unit = services.create_unit(db, SUPERVISOR, call_sign="  cso31 ", zone="0971")
    with db.read() as s:
        row = s.get(Unit, unit.id)
        stored = (row.call_sign, row.status, row.status_since, row.zone, row.on_shift, row.version)
    assert stored == ("CSO31", "off_duty", clock(), "0971", False, 1)
    assert (unit.call_sign, unit.status, unit.status_since, unit.zone, unit.on_shift, unit.version) == stored
    assert audit_rows(db, "create_unit") == [
        (SUPERVISOR.username, "unit", unit.id, "ok", None, {"call_sign": "CSO31", "zone": "0971"})
    ]
    assert changes(db) == [("unit", unit.id, 1)]


@pytest.mark.parametrize(
    ("call_sign", "refusal"),
    [
        ("", "Enter the call sign."),
        ("   ", "Enter the call sign."),
        ("C" * 21, "The call sign is 21 characters; the limit is 20."),
    ],
)
def test_a_call_sign_is_required_and_at_most_twenty_characters(db, call_sign, refusal):
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        services.create_unit(db, SUPERVISOR, call_sign=call_sign)
    assert refused.value.field == "call_sign"
    assert audit_rows(db, "create_unit") == []


def test_a_call_sign_of_twenty_characters_is_accepted(db):
    assert services.create_unit(db, SUPERVISOR, call_sign="C" * 20).call_sign == "C" * 20


def test_a_call_sign_is_taken_whatever_its_case(db):
    services.create_unit(db, SUPERVISOR, call_sign="CSO31")
    with pytest.raises(ValidationError, match=exactly("Call sign CSO31 is taken.")) as refused:
        services.create_unit(db, SUPERVISOR, call_sign="cso31")
    assert refused.value.field == "call_sign"
    with db.read() as s:
        assert s.execute(select(Unit.call_sign)).scalars().all() == ["CSO31"]


def test_a_dispatcher_creating_a_unit_is_refused_and_the_refusal_names_units(db):
    with pytest.raises(PermissionDeniedError):
        services.create_unit(db, DISPATCHER, call_sign="CSO31")
    assert audit_rows(db, "edit_roster") == [
        (DISPATCHER.username, "unit", None, "refused", None, {"role": "dispatcher"})
    ]


def test_a_unit_is_not_created_by_an_account_demoted_after_the_first_check(db, monkeypatch):
    actor = Actor("sup.demoted", role="supervisor", workstation="ws-sup")
    demoted_after_the_check(monkeypatch, db, actor.username)
    with pytest.raises(PermissionDeniedError):
        services.create_unit(db, actor, call_sign="CSO31")
    with db.read() as s:
        assert s.execute(select(Unit.id)).all() == []


# create_officer --------------------------------------------------------------------------------------


def test_a_new_officer_keeps_badge_name_skills_and_languages_as_given(db):
    officer = services.create_officer(
        db, SUPERVISOR, badge=" C101 ", name=" Ana Díaz ", skills=["crisis intervention"], languages=["Spanish"]
    )
    with db.read() as s:
        row = s.get(Officer, officer.id)
        stored = (row.badge, row.name, row.skills, row.languages, row.active)
    assert stored == ("C101", "Ana Díaz", ["crisis intervention"], ["Spanish"], True)
    assert (officer.badge, officer.name, officer.skills, officer.languages) == (
        "C101",
        "Ana Díaz",
        ("crisis intervention",),
        ("Spanish",),
    )
    assert audit_rows(db, "create_officer") == [
        (
            SUPERVISOR.username,
            "officer",
            officer.id,
            "ok",
            None,
            {"badge": "C101", "name": "Ana Díaz", "skills": ["crisis intervention"]},
        )
    ]


def test_a_new_officer_without_skills_or_languages_has_empty_lists(db):
    officer = services.create_officer(db, SUPERVISOR, badge="C102", name="Lee Park")
    with db.read() as s:
        row = s.get(Officer, officer.id)
        assert (row.skills, row.languages) == ([], [])


@pytest.mark.parametrize(
    ("badge", "name", "refusal"),
    [
        ("", "Ana Díaz", "Enter the badge."),
        ("B" * 21, "Ana Díaz", "The badge is 21 characters; the limit is 20."),
        ("C101", "", "Enter the name."),
        ("C101", "N" * 121, "The name is 121 characters; the limit is 120."),
    ],
)
def test_an_officer_needs_a_badge_of_at_most_20_and_a_name_of_at_most_120_characters(db, badge, name, refusal):
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        services.create_officer(db, SUPERVISOR, badge=badge, name=name)
    assert refused.value.field == ("badge" if "badge" in refusal else "name")
    assert audit_rows(db, "create_officer") == []


def test_a_badge_of_20_and_a_name_of_120_characters_are_accepted(db):
    officer = services.create_officer(db, SUPERVISOR, badge="B" * 20, name="N" * 120)
    assert (officer.badge, officer.name) == ("B" * 20, "N" * 120)


def test_a_badge_is_taken_once(db):
    services.create_officer(db, SUPERVISOR, badge="C101", name="Ana Díaz")
    with pytest.raises(ValidationError, match=exactly("Badge C101 is taken.")) as refused:
        services.create_officer(db, SUPERVISOR, badge="C101", name="Someone Else")
    assert refused.value.field == "badge"
    with db.read() as s:
        assert s.execute(select(Officer.name)).scalars().all() == ["Ana Díaz"]


def test_a_dispatcher_creating_an_officer_is_refused_and_the_refusal_names_officers(db):
    with pytest.raises(PermissionDeniedError):
        services.create_officer(db, DISPATCHER, badge="C101", name="Ana Díaz")
    assert audit_rows(db, "edit_roster") == [
        (DISPATCHER.username, "officer", None, "refused", None, {"role": "dispatcher"})
    ]


def test_an_officer_is_not_created_by_an_account_demoted_after_the_first_check(db, monkeypatch):
    actor = Actor("sup.demoted", role="supervisor", workstation="ws-sup")
    demoted_after_the_check(monkeypatch, db, actor.username)
    with pytest.raises(PermissionDeniedError):
        services.create_officer(db, actor, badge="C101", name="Ana Díaz")
    with db.read() as s:
        assert s.execute(select(Officer.id)).all() == []


# start_shift -----------------------------------------------------------------------------------------


def test_a_started_shift_is_active_from_now_with_its_plan_and_audited(db, clock):
    planned = clock() + dt.timedelta(minutes=30)
    shift = services.start_shift(
        db, SUPERVISOR, name=" Day ", supervisor="Sgt. Ruiz", starts_at=planned, ends_at=planned + HOURS_10
    )
    assert (shift.name, shift.status, shift.supervisor, shift.starts_at, shift.ends_at) == (
        "Day",
        "active",
        "Sgt. Ruiz",
        planned,
        planned + HOURS_10,
    )
    assert (shift.started_at, shift.ended_at) == (clock(), None)
    with db.read() as s:
        row = s.get(Shift, shift.id)
        assert (row.name, row.status, row.started_at, row.ended_at) == ("Day", "active", clock(), None)
    assert audit_rows(db, "start_shift") == [
        (
            SUPERVISOR.username,
            "shift",
            shift.id,
            "ok",
            None,
            {
                "name": "Day",
                "supervisor": "Sgt. Ruiz",
                "starts_at": planned.isoformat(),
                "ends_at": (planned + HOURS_10).isoformat(),
            },
        )
    ]
    assert changes(db) == [("shift", shift.id, 0)]


def test_the_shift_a_new_one_replaces_ends_when_the_new_one_starts_and_both_are_announced(db, clock):
    day = start(db, "Day")
    clock.advance(hours=9)
    night = start(db, "Night")
    with db.read() as s:
        row = s.get(Shift, day.id)
        assert (row.status, row.ended_at) == ("closed", clock())
    assert changes(db) == [("shift", day.id, 0), ("shift", day.id, 0), ("shift", night.id, 0)]


@pytest.mark.parametrize(
    ("name", "refusal"),
    [("", "Enter the shift name."), ("S" * 81, "The shift name is 81 characters; the limit is 80.")],
)
def test_a_shift_name_is_required_and_at_most_80_characters(db, clock, name, refusal):
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        services.start_shift(
            db, SUPERVISOR, name=name, supervisor="Sgt. Ruiz", starts_at=clock(), ends_at=clock() + HOURS_10
        )
    assert refused.value.field == "name"
    assert services.active_shift(db) is None


def test_a_shift_name_of_80_characters_is_accepted(db, clock):
    shift = services.start_shift(
        db, SUPERVISOR, name="S" * 80, supervisor="Sgt. Ruiz", starts_at=clock(), ends_at=clock() + HOURS_10
    )
    assert shift.name == "S" * 80


@pytest.mark.parametrize(
    ("length", "accepted"),
    [(-MS, False), (dt.timedelta(0), False), (MS, True)],
    ids=["ends-before", "ends-as-it-starts", "ends-a-millisecond-after"],
)
def test_a_shift_must_end_after_it_starts(db, clock, length, accepted):
    starts = clock()
    call = lambda: services.start_shift(  # noqa: E731
        db, SUPERVISOR, name="Day", supervisor="Sgt. Ruiz", starts_at=starts, ends_at=starts + length
    )
    if accepted:
        assert call().ends_at == starts + length
    else:
        with pytest.raises(ValidationError, match=exactly("A shift must end after it starts.")) as refused:
            call()
        assert refused.value.field == "ends_at"
        assert services.active_shift(db) is None


def test_a_dispatcher_starting_a_shift_is_refused_and_the_refusal_names_shifts(db, clock):
    with pytest.raises(PermissionDeniedError):
        services.start_shift(db, DISPATCHER, name="Day", supervisor="x", starts_at=clock(), ends_at=clock() + HOURS_10)
    assert audit_rows(db, "manage_shift") == [
        (DISPATCHER.username, "shift", None, "refused", None, {"role": "dispatcher"})
    ]


def test_a_shift_is_not_started_by_an_account_demoted_after_the_first_check(db, clock, monkeypatch):
    actor = Actor("sup.demoted", role="supervisor", workstation="ws-sup")
    demoted_after_the_check(monkeypatch, db, actor.username)
    with pytest.raises(PermissionDeniedError):
        services.start_shift(db, actor, name="Day", supervisor="x", starts_at=clock(), ends_at=clock() + HOURS_10)
    assert services.active_shift(db) is None


# seed_directory --------------------------------------------------------------------------------------


def directory(db) -> list[tuple[str, str, str, str]]:
    with db.read() as s:
        rows = s.execute(select(DirectoryAgency).order_by(DirectoryAgency.key)).scalars()
        return [(r.key, r.name, r.phone, r.description) for r in rows]


def test_seeding_the_directory_copies_every_pack_entry_once(db):
    pack = sorted((e.key, e.name, e.phone, e.description) for e in db.pack.referrals)
    assert len(pack) == 13
    assert services.seed_directory(db, ADMIN_ACTOR) == 13
    assert directory(db) == pack
    assert services.seed_directory(db, ADMIN_ACTOR) == 0
    assert directory(db) == pack
    assert [after for *_, after in audit_rows(db, "seed_directory")] == [{"added": 13}, {"added": 0}]
    assert [(u, e, i, o) for u, e, i, o, _b, _a in audit_rows(db, "seed_directory")] == [
        (ADMIN_ACTOR.username, "directory", None, "ok")
    ] * 2


def test_seeding_adds_only_the_entries_missing_and_keeps_the_edited_ones(db):
    services.seed_directory(db, ADMIN_ACTOR)
    with db.writer() as s, s.begin():
        s.execute(delete(DirectoryAgency).where(DirectoryAgency.key == "dmh"))
        s.execute(update(DirectoryAgency).where(DirectoryAgency.key == "la_hop").values(phone="310-555-0199"))
    assert services.seed_directory(db, ADMIN_ACTOR) == 1
    rows = {key: phone for key, _n, phone, _d in directory(db)}
    assert len(rows) == 13 and "dmh" in rows and rows["la_hop"] == "310-555-0199"


def test_a_supervisor_seeding_the_directory_is_refused_and_the_refusal_names_it(db):
    with pytest.raises(PermissionDeniedError):
        services.seed_directory(db, SUPERVISOR)
    assert audit_rows(db, "edit_directory") == [
        (SUPERVISOR.username, "directory", None, "refused", None, {"role": "supervisor"})
    ]
    assert directory(db) == []


def test_the_directory_is_not_seeded_by_an_account_demoted_after_the_first_check(db, monkeypatch):
    actor = Actor("adm.demoted", role="admin", workstation="ws-adm")
    demoted_after_the_check(monkeypatch, db, actor.username)
    with pytest.raises(PermissionDeniedError):
        services.seed_directory(db, actor)
    assert directory(db) == []


# close_shift -----------------------------------------------------------------------------------------


def test_a_closed_shift_ends_now_and_is_announced(db, clock):
    day = start(db, "Day")
    clock.advance(hours=10, minutes=5)
    closed = services.close_shift(db, SUPERVISOR, day.id)
    assert (closed.id, closed.status, closed.ended_at) == (day.id, "closed", clock())
    with db.read() as s:
        row = s.get(Shift, day.id)
        assert (row.status, row.ended_at) == ("closed", clock())
    assert changes(db) == [("shift", day.id, 0), ("shift", day.id, 0)]
    assert audit_rows(db, "close_shift") == [(SUPERVISOR.username, "shift", day.id, "ok", None, {"status": "closed"})]


def test_only_the_active_shift_can_be_closed(db):
    day = start(db, "Day")
    services.close_shift(db, SUPERVISOR, day.id)
    for shift_id in (day.id, 9999):
        with pytest.raises(InvalidTransitionError, match=exactly("That shift is not active.")):
            services.close_shift(db, SUPERVISOR, shift_id)
    assert len(audit_rows(db, "close_shift")) == 1


def test_a_dispatcher_closing_a_shift_is_refused_and_the_refusal_names_that_shift(db):
    day = start(db, "Day")
    with pytest.raises(PermissionDeniedError):
        services.close_shift(db, DISPATCHER, day.id)
    assert audit_rows(db, "manage_shift") == [
        (DISPATCHER.username, "shift", day.id, "refused", None, {"role": "dispatcher"})
    ]
    assert services.active_shift(db).id == day.id


def test_a_shift_is_not_closed_by_an_account_demoted_after_the_first_check(db, monkeypatch):
    day = start(db, "Day")
    actor = Actor("sup.demoted", role="supervisor", workstation="ws-sup")
    demoted_after_the_check(monkeypatch, db, actor.username)
    with pytest.raises(PermissionDeniedError):
        services.close_shift(db, actor, day.id)
    assert services.active_shift(db).id == day.id

"""Cautions at a place, pinned: who may manage them, every limit at its boundary, what is shown where and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from data.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, StaleWriteError, ValidationError
from data.models import AuditEntry, ChangeLog
from data.permissions import Actor
from data.records import CautionRecord
from data.services import cautions
from data.services.cautions import add_caution, cautions_at, edit_caution, end_caution

HALL = (34.0900, -118.3661)
METRE_LAT = 1 / 111_320
MS = dt.timedelta(milliseconds=1)


def north_of(metres: float) -> tuple[float, float]:
    return HALL[0] + metres * METRE_LAT, HALL[1]


def add(db, actor, **extra) -> CautionRecord:
    fields = {
        "location": "8300 Santa Monica Blvd",
        "latitude": HALL[0],
        "longitude": HALL[1],
        "text": "Dog on the premises",
        "category": "safety",
        "expires_at": db.clock() + dt.timedelta(days=30),
    }
    fields.update(extra)
    return add_caution(db, actor, **fields)


def audits(db, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


def ids(found: list[CautionRecord]) -> list[int]:
    return [c.id for c in found]


# --- who ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "pack_allows", "may"),
    [
        ("supervisor", False, True),
        ("admin", False, True),
        ("dispatcher", False, False),
        ("dispatcher", True, True),
        ("cso", True, False),
    ],
)
def test_supervisors_and_admins_manage_cautions_dispatchers_only_when_the_pack_allows(db, role, pack_allows, may):
    pack = replace(db.pack, cautions=replace(db.pack.cautions, dispatchers_may_add=pack_allows))
    assert cautions.may_manage_cautions(pack, Actor("someone", role=role)) is may


def test_a_refused_edit_or_end_is_audited_against_the_caution(db, supervisor, dispatcher):
    added = add(db, supervisor)
    for call in (
        lambda: edit_caution(db, dispatcher, added.id, expected_version=1, text="x"),
        lambda: end_caution(db, dispatcher, added.id, reason="x"),
        lambda: add(db, dispatcher),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    refused = [(a.action, a.entity, a.entity_id, a.outcome) for a in audits(db, "manage_cautions")]
    assert refused == [
        ("manage_cautions", "caution", added.id, "refused"),
        ("manage_cautions", "caution", added.id, "refused"),
        ("manage_cautions", "caution", None, "refused"),
    ]


# --- adding: every field and limit -------------------------------------------------------------------


def test_a_new_caution_records_every_field_its_author_and_is_audited_and_announced(db, supervisor, clock):
    added = add(
        db,
        supervisor,
        location=" 8300 Santa Monica Blvd ",
        text="  Dog on the premises ",
        category=" ACCESS ",
        sheriff_first=1,
        radius_m=40,
        expires_at=clock() + dt.timedelta(days=3),
    )
    assert added == CautionRecord(
        id=added.id,
        location="8300 Santa Monica Blvd",
        latitude=HALL[0],
        longitude=HALL[1],
        radius_m=40.0,
        text="Dog on the premises",
        category="access",
        sheriff_first=True,
        author="supervisor1",
        created_at=clock(),
        starts_at=clock(),
        expires_at=clock() + dt.timedelta(days=3),
        ended_at=None,
        ended_by=None,
        end_reason="",
        version=1,
    )
    assert cautions.get_caution(db, added.id) == added
    [entry] = audits(db, "add_caution")
    assert (entry.username, entry.entity, entry.entity_id, entry.before) == ("supervisor1", "caution", added.id, None)
    assert entry.after == {
        "location": "8300 Santa Monica Blvd",
        "latitude": HALL[0],
        "longitude": HALL[1],
        "radius_m": 40.0,
        "text": "Dog on the premises",
        "category": "access",
        "sheriff_first": True,
        "starts_at": clock().isoformat(),
        "expires_at": (clock() + dt.timedelta(days=3)).isoformat(),
        "ended_at": None,
        "ended_by": None,
        "end_reason": "",
        "version": 1,
    }
    with db.read() as s:
        changes = [(c.kind, c.entity_id, c.version) for c in s.execute(select(ChangeLog)).scalars()]
    assert ("caution", added.id, 1) in changes


def test_the_radius_defaults_to_the_packs_and_runs_from_5_to_500_metres(db, supervisor):
    assert add(db, supervisor).radius_m == 30.0
    assert add(db, supervisor, radius_m=5).radius_m == 5.0
    assert add(db, supervisor, radius_m=500).radius_m == 500.0
    for bad in (4.99, 500.01, 0, -10):
        with pytest.raises(ValidationError) as refused:
            add(db, supervisor, radius_m=bad)
        assert refused.value.field == "radius_m"
    db.pack = replace(db.pack, cautions=replace(db.pack.cautions, default_radius_m=75.0))
    assert add(db, supervisor).radius_m == 75.0


def test_the_text_is_required_and_at_most_500_characters(db, supervisor):
    assert add(db, supervisor, text="x" * 500).text == "x" * 500
    for bad in ("x" * 501, "   ", None):
        with pytest.raises(ValidationError, match="caution text") as refused:
            add(db, supervisor, text=bad)
        assert refused.value.field == "text"


@pytest.mark.parametrize("category", ["gossip", "", None, "Safety first"])
def test_the_category_must_be_one_of_the_four(db, supervisor, category):
    with pytest.raises(ValidationError) as refused:
        add(db, supervisor, category=category)
    assert refused.value.field == "category"


@pytest.mark.parametrize(("lat", "lon"), [(None, None), (HALL[0], None), (None, HALL[1]), (91.0, HALL[1])])
def test_a_caution_needs_a_point_on_the_map(db, supervisor, lat, lon):
    with pytest.raises(ValidationError) as refused:
        add(db, supervisor, latitude=lat, longitude=lon)
    assert refused.value.field == "location"


def test_a_start_without_a_time_zone_is_refused(db, supervisor, clock):
    with pytest.raises(ValidationError, match="time zone") as refused:
        add(db, supervisor, starts_at=clock().replace(tzinfo=None), expires_at=clock() + dt.timedelta(days=1))
    assert refused.value.field == "starts_at"


def test_a_start_up_to_five_minutes_back_is_another_clock_not_a_back_dated_caution(db, supervisor, clock):
    slack = clock() - dt.timedelta(minutes=5)
    assert add(db, supervisor, starts_at=slack).starts_at == slack
    with pytest.raises(ValidationError) as refused:
        add(db, supervisor, starts_at=slack - MS)
    assert refused.value.field == "starts_at"


def test_the_expiry_is_after_the_start_after_now_and_at_most_the_packs_days_from_the_start(db, supervisor, clock):
    now = clock()
    later = now + dt.timedelta(days=10)
    longest = dt.timedelta(days=db.pack.cautions.longest_days)
    assert add(db, supervisor, expires_at=now + MS).expires_at == now + MS
    assert add(db, supervisor, starts_at=later, expires_at=later + longest).expires_at == later + longest
    assert add(db, supervisor, starts_at=later, expires_at=later + MS).expires_at == later + MS
    past_start = now - dt.timedelta(minutes=1)
    for starts, expires in [
        (None, None),
        (None, now),  # expiring now is already past
        (past_start, now),  # after the start, but not after now
        (later, later),  # not after the start
        (later, later - MS),
        (later, later + longest + MS),  # beyond the cap, counted from the start
        (None, now + longest + MS),
        (None, (now + dt.timedelta(days=1)).replace(tzinfo=None)),  # no time zone
    ]:
        with pytest.raises(ValidationError) as refused:
            add(db, supervisor, starts_at=starts, expires_at=expires)
        assert refused.value.field == "expires_at", (starts, expires)
    db.pack = replace(db.pack, cautions=replace(db.pack.cautions, longest_days=7))
    assert add(db, supervisor, expires_at=now + dt.timedelta(days=7)).expires_at == now + dt.timedelta(days=7)
    with pytest.raises(ValidationError, match="at most 7 days"):
        add(db, supervisor, expires_at=now + dt.timedelta(days=7) + MS)


# --- editing and ending ------------------------------------------------------------------------------


def test_an_edit_changes_only_what_differs_and_audits_before_and_after(db, supervisor, clock):
    added = add(db, supervisor)
    clock.advance(hours=1)
    edited = edit_caution(
        db,
        supervisor,
        added.id,
        expected_version=1,
        text="Dog on the premises",
        category=" Medical ",
        sheriff_first="yes",
        radius_m=12,
        expires_at=added.expires_at + dt.timedelta(days=1),
    )
    assert (edited.text, edited.category, edited.sheriff_first, edited.radius_m, edited.version) == (
        "Dog on the premises",
        "medical",
        True,
        12.0,
        2,
    )
    assert edited.expires_at == added.expires_at + dt.timedelta(days=1)
    [entry] = audits(db, "edit_caution")
    assert (entry.entity, entry.entity_id) == ("caution", added.id)
    assert {k: v for k, v in entry.before.items() if entry.after[k] != v} == {
        "category": "safety",
        "sheriff_first": False,
        "radius_m": 30.0,
        "expires_at": added.expires_at.isoformat(),
        "version": 1,
    }
    with db.read() as s:
        changes = [(c.kind, c.entity_id, c.version) for c in s.execute(select(ChangeLog)).scalars()]
    assert ("caution", added.id, 2) in changes
    with pytest.raises(ValidationError, match="Nothing changed"):
        edit_caution(db, supervisor, added.id, expected_version=2, text="Dog on the premises", radius_m=12.0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"location": "Elsewhere"}, "location"),
        ({"starts_at": None, "author": "x"}, "author"),
        ({"text": ""}, "text"),
        ({"category": "gossip"}, "category"),
        ({"radius_m": 501}, "radius_m"),
        ({"expires_at": None}, "expires_at"),
    ],
)
def test_an_edit_of_a_field_that_cannot_change_or_to_a_bad_value_is_refused(db, supervisor, change, field):
    added = add(db, supervisor)
    with pytest.raises(ValidationError) as refused:
        edit_caution(db, supervisor, added.id, expected_version=1, **change)
    assert refused.value.field == field
    assert audits(db, "edit_caution") == []


def test_an_edit_stretches_the_expiry_only_up_to_the_cap_from_the_start(db, supervisor, clock):
    added = add(db, supervisor)
    clock.advance(days=2)
    cap = added.starts_at + dt.timedelta(days=db.pack.cautions.longest_days)
    assert edit_caution(db, supervisor, added.id, expected_version=1, expires_at=cap).expires_at == cap
    with pytest.raises(ValidationError):
        edit_caution(db, supervisor, added.id, expected_version=2, expires_at=cap + MS)


def test_an_ended_or_expired_caution_cannot_be_edited_or_ended_an_upcoming_one_can(db, supervisor, clock):
    upcoming = add(db, supervisor, starts_at=clock() + dt.timedelta(days=1), expires_at=clock() + dt.timedelta(days=2))
    assert edit_caution(db, supervisor, upcoming.id, expected_version=1, text="Gate code").text == "Gate code"
    expiring = add(db, supervisor, expires_at=clock() + dt.timedelta(hours=1))
    ended = add(db, supervisor)
    end_caution(db, supervisor, ended.id, reason="Dog rehomed")
    clock.advance(hours=1)  # the expiry is now: expired
    for caution_id in (expiring.id, ended.id):
        with pytest.raises(InvalidTransitionError):
            edit_caution(db, supervisor, caution_id, expected_version=None, text="new")
        with pytest.raises(InvalidTransitionError):
            end_caution(db, supervisor, caution_id, reason="again")
    assert end_caution(db, supervisor, upcoming.id, reason="Not needed").ended_by == "supervisor1"


def test_ending_records_when_who_and_why_and_keeps_the_row(db, supervisor, clock):
    added = add(db, supervisor)
    clock.advance(hours=3)
    ended = end_caution(db, supervisor, added.id, reason="  Dog rehomed ", expected_version=1)
    assert (ended.ended_at, ended.ended_by, ended.end_reason, ended.version) == (
        clock(),
        "supervisor1",
        "Dog rehomed",
        2,
    )
    assert cautions.get_caution(db, added.id) == ended
    [entry] = audits(db, "end_caution")
    assert (entry.entity, entry.entity_id, entry.before["ended_at"], entry.after["end_reason"]) == (
        "caution",
        added.id,
        None,
        "Dog rehomed",
    )
    with pytest.raises(ValidationError) as refused:
        end_caution(db, supervisor, add(db, supervisor).id, reason="x" * 501)
    assert refused.value.field == "end_reason"
    with pytest.raises(ValidationError) as refused:
        end_caution(db, supervisor, add(db, supervisor).id, reason=" ")
    assert refused.value.field == "end_reason"


def test_a_stale_version_or_a_missing_caution_is_refused(db, supervisor):
    added = add(db, supervisor)
    with pytest.raises(StaleWriteError):
        end_caution(db, supervisor, added.id, reason="x", expected_version=2)
    with pytest.raises(StaleWriteError):
        edit_caution(db, supervisor, added.id, expected_version=0, text="x")
    with pytest.raises(NotFoundError):
        end_caution(db, supervisor, added.id + 1, reason="x")
    with pytest.raises(NotFoundError):
        cautions.get_caution(db, added.id + 1)
    assert end_caution(db, supervisor, added.id, reason="x").version == 2  # no version given: not checked


# --- where and when they are shown -------------------------------------------------------------------


def test_a_caution_shows_inside_its_circle_and_at_its_typed_address(db, supervisor, clock):
    near = add(db, supervisor, radius_m=40)
    clock.advance(minutes=1)
    wide = add(db, supervisor, radius_m=500, latitude=north_of(100)[0], location="Elsewhere")
    assert ids(cautions_at(db, latitude=north_of(39)[0], longitude=HALL[1])) == [wide.id, near.id]
    assert ids(cautions_at(db, latitude=north_of(41)[0], longitude=HALL[1])) == [wide.id]
    assert ids(cautions_at(db, latitude=north_of(599)[0], longitude=HALL[1])) == [wide.id]
    assert ids(cautions_at(db, latitude=north_of(601)[0], longitude=HALL[1])) == []
    # By address alone (no point, or half a point), the address as the index compares it.
    for lat, lon in [(None, None), (HALL[0], None), (None, HALL[1])]:
        assert ids(cautions_at(db, latitude=lat, longitude=lon, location=" 8300  SANTA monica blvd ")) == [near.id]
    assert cautions_at(db, latitude=None, longitude=None, location="") == []
    assert ids(cautions_at(db, latitude=north_of(601)[0], longitude=HALL[1], location="elsewhere")) == [wide.id]


def test_shown_from_its_start_until_its_expiry_or_its_end(db, supervisor, clock):
    start = clock() + dt.timedelta(hours=1)
    later = add(db, supervisor, starts_at=start, expires_at=start + dt.timedelta(hours=2))
    assert cautions_at(db, latitude=HALL[0], longitude=HALL[1]) == [] and cautions.active_cautions(db) == []
    clock.advance(hours=1)  # its start: shown
    assert ids(cautions_at(db, latitude=HALL[0], longitude=HALL[1])) == [later.id]
    assert ids(cautions_at(db, latitude=None, longitude=None, location="8300 Santa Monica Blvd")) == [later.id]
    assert ids(cautions.active_cautions(db)) == [later.id]
    clock.advance(hours=2)
    clock.now -= MS  # just before its expiry
    assert ids(cautions.active_cautions(db)) == [later.id]
    clock.now += MS  # its expiry: gone
    assert cautions_at(db, latitude=HALL[0], longitude=HALL[1]) == [] and cautions.active_cautions(db) == []
    assert ids(cautions_at(db, latitude=HALL[0], longitude=HALL[1], include_inactive=True)) == [later.id]
    current = add(db, supervisor)
    end_caution(db, supervisor, current.id, reason="done")
    assert cautions.active_cautions(db) == []
    assert ids(
        cautions_at(db, latitude=None, longitude=None, location="8300 Santa Monica Blvd", include_inactive=True)
    ) == [current.id, later.id]


def test_active_ones_first_then_sheriff_first_then_the_newest(db, supervisor, clock):
    old_plain = add(db, supervisor)
    clock.advance(minutes=1)
    old_sheriff = add(db, supervisor, sheriff_first=True)
    clock.advance(minutes=1)
    new_plain = add(db, supervisor)
    clock.advance(minutes=1)
    ended_sheriff = add(db, supervisor, sheriff_first=True)
    end_caution(db, supervisor, ended_sheriff.id, reason="done")
    clock.advance(minutes=1)
    new_sheriff = add(db, supervisor, sheriff_first=True)
    everything = cautions_at(db, latitude=HALL[0], longitude=HALL[1], include_inactive=True)
    assert ids(everything) == [new_sheriff.id, old_sheriff.id, new_plain.id, old_plain.id, ended_sheriff.id]
    assert ids(cautions.active_cautions(db)) == [old_plain.id, old_sheriff.id, new_plain.id, new_sheriff.id]
    with db.read() as s:
        first = cautions.sheriff_first_cautions(
            s, latitude=HALL[0], longitude=HALL[1], location="8300 Santa Monica Blvd", now=clock()
        )
    assert ids(first) == [new_sheriff.id, old_sheriff.id]

"""Location history and cautions: what is known about a place, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from data import rules, services
from data.errors import (
    InvalidTransitionError,
    PermissionDeniedError,
    SheriffFirstError,
    StaleWriteError,
    ValidationError,
)
from data.models import AuditEntry, Caution, Incident
from data.permissions import Actor
from data.services.cautions import active_cautions, add_caution, cautions_at, edit_caution, end_caution
from data.services.history import location_history, months_ago
from tests.data.helpers import small_shift

# 8300 Santa Monica Blvd (City Hall) and points measured from it.
HALL = (34.0900, -118.3661)
METRE_LAT = 1 / 111_320


def north_of(metres: float) -> tuple[float, float]:
    return HALL[0] + metres * METRE_LAT, HALL[1]


def call(db, actor, where=HALL, location="8300 Santa Monica Blvd", **extra):
    return services.create_incident(
        db,
        actor,
        call_type=extra.pop("call_type", "WELFARE"),
        location=location,
        latitude=where[0],
        longitude=where[1],
        **extra,
    )


def caution(db, actor, **extra):
    fields = {
        "location": "8300 Santa Monica Blvd",
        "latitude": HALL[0],
        "longitude": HALL[1],
        "text": "Dog on the premises, not friendly",
        "category": "safety",
        "expires_at": db.clock() + dt.timedelta(days=30),
    }
    fields.update(extra)
    return add_caution(db, actor, **fields)


# --- location history -------------------------------------------------------------------------------


def test_history_counts_incidents_within_the_radius_and_the_months(db, dispatcher, clock):
    radius = db.pack.history.radius_m
    old = call(db, dispatcher, call_type="NOISE")  # 13 months ago by the time we look
    clock.advance(days=30 * 13 + 10)
    inside = call(db, dispatcher, where=north_of(radius - 10), call_type="NOISE")
    clock.advance(hours=1)
    edge_out = call(db, dispatcher, where=north_of(radius + 15), location="8301 Santa Monica Blvd")
    clock.advance(hours=1)
    here = call(db, dispatcher)
    services.cancel_incident(db, dispatcher, here.id, reason="caller called back")
    clock.advance(hours=1)
    opened = call(db, dispatcher, call_type="NOISE")

    history = location_history(db, latitude=HALL[0], longitude=HALL[1], location="8300 Santa Monica Blvd")
    numbers = [e.number for e in history.entries]
    # Open ones first, then newest first; the old one and the one just outside the radius are not there.
    assert numbers == [opened.number, inside.number, here.number]
    assert old.number not in numbers and edge_out.number not in numbers
    assert history.by_type[0] == ("NOISE", "Noise complaint", 2)
    assert history.total == 3 and history.open_count == 2
    cancelled = history.entries[2]
    assert cancelled.status == "cancelled" and cancelled.distance_m == pytest.approx(0, abs=0.5)
    assert history.since == months_ago(db.clock(), 12)

    # The detail leaves out the incident it shows.
    seen = location_history(db, latitude=HALL[0], longitude=HALL[1], exclude_id=opened.id)
    assert opened.number not in [e.number for e in seen.entries]


def test_history_finds_calls_without_a_map_point_by_their_address(db, dispatcher):
    typed = services.create_incident(db, dispatcher, call_type="NOISE", location="1234 Fountain Ave")
    elsewhere = services.create_incident(db, dispatcher, call_type="NOISE", location="1234 Fountain Ave Apt 2")
    history = location_history(db, latitude=None, longitude=None, location=" 1234 FOUNTAIN   ave ")
    assert [e.number for e in history.entries] == [typed.number]
    assert history.entries[0].distance_m is None and elsewhere.number not in [e.number for e in history.entries]


def test_merged_duplicates_do_not_count_twice(db, dispatcher):
    first = call(db, dispatcher)
    second = call(db, dispatcher)
    services.merge_duplicate(db, dispatcher, duplicate_id=second.id, into_id=first.id)
    history = location_history(db, latitude=HALL[0], longitude=HALL[1])
    assert [e.number for e in history.entries] == [first.number]


def test_history_reads_the_point_index(db):
    """The query planner narrows by the index, not a scan of every incident."""
    south, north = HALL[0] - 0.001, HALL[0] + 0.001
    west, east = HALL[1] - 0.001, HALL[1] + 0.001
    sql = (
        "SELECT id FROM incidents WHERE latitude BETWEEN :s AND :n AND longitude BETWEEN :w AND :e "
        "AND received_at >= :since"
    )
    params = {"s": south, "n": north, "w": west, "e": east, "since": "2025-01-01"}
    with db.read() as s:
        if db.dialect == "sqlite":
            plan = " ".join(str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql), params))
            assert "ix_incidents_point" in plan, plan
        else:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in s.execute(text("EXPLAIN " + sql), params))
            assert "ix_incidents_point" in plan, plan


# --- cautions ----------------------------------------------------------------------------------------


def test_a_supervisor_adds_a_caution_and_it_is_shown_inside_its_radius(db, supervisor):
    added = caution(db, supervisor, radius_m=40)
    assert added.author == supervisor.username and added.is_active(db.clock())
    assert [c.id for c in cautions_at(db, latitude=north_of(35)[0], longitude=HALL[1])] == [added.id]
    assert cautions_at(db, latitude=north_of(60)[0], longitude=HALL[1]) == []
    # The same address as typed finds it too (a call saved without a map point).
    assert [c.id for c in cautions_at(db, latitude=None, longitude=None, location=" 8300 santa monica blvd")] == [
        added.id
    ]
    with db.read() as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "add_caution")).scalar_one()
    assert (audit.username, audit.entity, audit.entity_id) == (supervisor.username, "caution", added.id)
    assert audit.after["text"] == "Dog on the premises, not friendly"


def test_a_dispatcher_may_not_add_a_caution_unless_the_pack_allows(db, dispatcher):
    with pytest.raises(PermissionDeniedError):
        caution(db, dispatcher)
    with db.read() as s:
        assert s.execute(select(Caution)).first() is None
        refused = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalar_one()
    assert refused.action == "manage_cautions" and refused.username == dispatcher.username

    from dataclasses import replace

    db.pack = replace(db.pack, cautions=replace(db.pack.cautions, dispatchers_may_add=True))
    assert caution(db, dispatcher).author == dispatcher.username


def test_the_expiry_is_required_and_capped_by_the_pack(db, supervisor):
    longest = db.pack.cautions.longest_days
    now = db.clock()
    with pytest.raises(ValidationError, match="expiry"):
        caution(db, supervisor, expires_at=None)
    with pytest.raises(ValidationError, match=f"at most {longest} days"):
        caution(db, supervisor, expires_at=now + dt.timedelta(days=longest, minutes=1))
    with pytest.raises(ValidationError, match="expire after it starts"):
        caution(db, supervisor, expires_at=now - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="category"):
        caution(db, supervisor, category="gossip")
    with pytest.raises(ValidationError, match="caution text"):
        caution(db, supervisor, text="   ")
    with pytest.raises(ValidationError, match="place on the map"):
        caution(db, supervisor, latitude=None, longitude=None)
    exact = caution(db, supervisor, expires_at=now + dt.timedelta(days=longest))
    assert exact.expires_at == now + dt.timedelta(days=longest)
    # An edit cannot stretch it past the cap either: it counts from the caution's start.
    with pytest.raises(ValidationError, match="at most"):
        edit_caution(
            db, supervisor, exact.id, expected_version=exact.version, expires_at=now + dt.timedelta(days=longest + 1)
        )


def test_lifetime_upcoming_active_expired_and_ended_early(db, supervisor, clock):
    start = db.clock() + dt.timedelta(days=1)
    later = caution(db, supervisor, starts_at=start, expires_at=start + dt.timedelta(days=2), text="Gate code 4411")
    assert later.state(db.clock()) == "upcoming"
    assert cautions_at(db, latitude=HALL[0], longitude=HALL[1]) == []
    clock.advance(days=1, minutes=1)
    assert [c.text for c in cautions_at(db, latitude=HALL[0], longitude=HALL[1])] == ["Gate code 4411"]
    assert [c.id for c in active_cautions(db)] == [later.id]
    clock.advance(days=2)
    assert cautions_at(db, latitude=HALL[0], longitude=HALL[1]) == []
    # Expired ones stay in the place's history.
    past = cautions_at(db, latitude=HALL[0], longitude=HALL[1], include_inactive=True)
    assert [(c.id, c.state(db.clock())) for c in past] == [(later.id, "expired")]
    with pytest.raises(InvalidTransitionError):
        end_caution(db, supervisor, later.id, reason="done")

    current = caution(db, supervisor)
    ended = end_caution(db, supervisor, current.id, reason="Dog rehomed", expected_version=current.version)
    assert ended.state(db.clock()) == "ended" and ended.ended_by == supervisor.username
    assert cautions_at(db, latitude=HALL[0], longitude=HALL[1]) == []
    with db.read() as s:
        actions = [a.action for a in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions.count("add_caution") == 2 and actions.count("end_caution") == 1


def test_an_edit_is_audited_and_a_stale_edit_refused(db, supervisor):
    added = caution(db, supervisor)
    edited = edit_caution(db, supervisor, added.id, expected_version=added.version, text="Two dogs", sheriff_first=True)
    assert edited.text == "Two dogs" and edited.sheriff_first and edited.version == added.version + 1
    with pytest.raises(StaleWriteError):
        edit_caution(db, supervisor, added.id, expected_version=added.version, text="Three dogs")
    with db.read() as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "edit_caution")).scalar_one()
    assert audit.before["text"] == "Dog on the premises, not friendly" and audit.after["text"] == "Two dogs"


def test_the_database_refuses_a_caution_that_breaks_its_shape(db):
    now = db.clock()
    row = {
        "location": "x",
        "latitude": HALL[0],
        "longitude": HALL[1],
        "radius_m": 30.0,
        "text": "t",
        "category": "safety",
        "sheriff_first": False,
        "author": "raw",
        "created_at": now,
        "starts_at": now,
        "expires_at": now + dt.timedelta(days=1),
        "end_reason": "",
        "version": 1,
    }
    for bad in ({"category": "gossip"}, {"expires_at": now - dt.timedelta(days=1)}, {"radius_m": 0.0}, {"text": ""}):
        with pytest.raises(IntegrityError), db.writer() as s, s.begin():
            s.execute(insert(Caution), [{**row, **bad}])
    with db.writer() as s, s.begin():
        s.execute(insert(Caution), [row])


# --- Sheriff first ----------------------------------------------------------------------------------


def test_a_sheriff_first_caution_presets_the_screening_and_an_override_needs_a_reason(db, supervisor, dispatcher):
    units = small_shift(db, units=1)
    caution(db, supervisor, text="Prior assault on staff", sheriff_first=True)
    preset = call(db, dispatcher, call_type="NOISE")
    assert preset.screening[rules.CAUTION_SCREENING_KEY] is True
    assert rules.incident_needs_sheriff(preset, db.pack.call_types)
    assert any(e.kind == "caution" and "Prior assault on staff" in e.text for e in services.timeline(db, preset.id))
    with pytest.raises(SheriffFirstError):
        services.dispatch_units(db, dispatcher, preset.id, units)
    sent = services.dispatch_units(db, dispatcher, preset.id, units, override_reason="LASD advised CSOs may go")
    assert sent.override_reason == "LASD advised CSOs may go" and sent.status == "dispatched"

    # An override given at intake is kept with the call.
    overridden = call(db, dispatcher, call_type="NOISE", override_reason="Caller is the staff member; no threat")
    assert overridden.screening[rules.CAUTION_SCREENING_KEY] is True
    assert not rules.csos_alone_need_override(overridden, db.pack.call_types)

    # Away from the caution, or once it has ended, nothing is preset.
    away = call(db, dispatcher, where=north_of(300), location="Somewhere else", call_type="NOISE")
    assert not away.screening.get(rules.CAUTION_SCREENING_KEY)


def test_a_plain_caution_does_not_preset_sheriff_first(db, supervisor, dispatcher):
    caution(db, supervisor, text="Gate code 4411", category="access")
    plain = call(db, dispatcher, call_type="NOISE")
    assert not plain.screening.get(rules.CAUTION_SCREENING_KEY)
    assert not rules.incident_needs_sheriff(plain, db.pack.call_types)


def test_hostile_text_is_kept_as_written(db, supervisor):
    hostile = "<script>alert(1)</script> ' OR 1=1; -- Ж ☑"
    added = caution(db, supervisor, text=hostile, location="8300 Santa Monica Blvd'; DROP TABLE cautions;--")
    assert cautions_at(db, latitude=HALL[0], longitude=HALL[1])[0].text == hostile
    with db.read() as s:
        assert s.execute(select(Incident).limit(1)).first() is None  # the tables are all still there
    assert added.location.endswith("--")


def test_two_supervisors_add_cautions_at_once(db, supervisor):
    from tests.data.helpers import at_once

    other = Actor("supervisor2", role="supervisor", workstation="ws-2")
    a, b = at_once(lambda: caution(db, supervisor, text="One"), lambda: caution(db, other, text="Two"))
    assert {c.text for c in cautions_at(db, latitude=HALL[0], longitude=HALL[1])} == {"One", "Two"}
    assert a.id != b.id


def test_the_shift_report_counts_repeat_places(db, dispatcher, clock):
    from console.paperwork.shift_report import shift_report_pdf
    from data.shift_summary import shift_summary
    from tests.console.paperwork_helpers import pdf_text, squash

    call(db, dispatcher, call_type="NOISE")  # before the shift: the place's history
    clock.advance(days=3)
    small_shift(db, units=1)
    again = call(db, dispatcher, call_type="NOISE")
    once = call(db, dispatcher, where=north_of(900), location="1000 N Kings Rd")
    shift = services.active_shift(db)
    summary = shift_summary(db, shift.id)
    assert [(c.label, c.count) for c in summary.repeat_locations] == [(again.location, 2)]
    assert once.location not in [c.label for c in summary.repeat_locations]
    text = squash(pdf_text(shift_report_pdf(db, shift.id)))
    assert squash("Repeat places (two or more incidents in 12 months): 8300 Santa Monica Blvd (2).") in text


def test_hostile_caution_text_prints_as_written_on_the_handoff_sheet(db, supervisor, dispatcher):
    from console.paperwork.handoff import handoff_pdf
    from tests.console.paperwork_helpers import pdf_text, squash

    hostile = "<b>Dog</b> & <para>Мария</para> ☑ </font>"
    caution(db, supervisor, text=hostile, sheriff_first=True)
    incident = call(db, dispatcher, call_type="NOISE")
    text = squash(pdf_text(handoff_pdf(db, incident.id)))
    assert squash(f"CAUTION · SAFETY · LASD FIRST: {hostile}") in text
    assert squash("Cautions at this place") in text

"""What the views read (data/services/queries.py): the board, lookups by short name, search, the audit
log, duplicates. Expected values are written out; times move only with the controlled clock."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from data import services
from data.errors import DatabaseUnavailableError, NotFoundError, PermissionDeniedError, ValidationError
from data.models import AuditEntry, Shift
from data.permissions import Actor
from data.services import queries
from data.services._work import work
from tests.data.helpers import CITY_HALL, SUPERVISOR, small_shift, welfare_call

MS = dt.timedelta(milliseconds=1)
T0 = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # the clock fixture's start


def cleared(db, actor, **extra):
    call = welfare_call(db, actor, **extra)
    return services.clear_incident(db, actor, call.id, disposition="04")


def numbers(records) -> list[str]:
    return [r.number for r in records]


# The board: open incidents whatever their age, closed ones for 24 hours (inclusive) -----------------


def test_the_board_shows_an_incident_closed_exactly_24_hours_ago_and_not_one_a_millisecond_older(db, clock, dispatcher):
    cleared(db, dispatcher)  # closed at T0
    clock.advance(milliseconds=1)
    recent = cleared(db, dispatcher)
    still_open = welfare_call(db, dispatcher)
    clock.advance(hours=24)  # old closed 24 h + 1 ms ago, recent exactly 24 h ago
    assert sorted(numbers(services.load_board(db).incidents)) == sorted([recent.number, still_open.number])
    clock.advance(milliseconds=1)
    assert numbers(services.load_board(db).incidents) == [still_open.number]
    clock.advance(days=30)
    assert numbers(services.load_board(db).incidents) == [still_open.number]


def test_the_board_window_for_closed_incidents_can_be_narrowed(db, clock, dispatcher):
    done = cleared(db, dispatcher)
    clock.advance(minutes=30)
    assert numbers(services.load_board(db, closed_within=dt.timedelta(minutes=30)).incidents) == [done.number]
    assert numbers(services.load_board(db, closed_within=dt.timedelta(minutes=30) - MS).incidents) == []


def test_the_board_lists_units_on_shift_by_call_sign_and_leaves_out_units_off_shift(db):
    small_shift(db, units=0)
    officer_ids = [services.create_officer(db, SUPERVISOR, badge=f"B-{n}", name=f"Crew {n}").id for n in range(2)]
    for sign, officer_id in (("CSO30", officer_ids[0]), ("CSO20", officer_ids[1])):
        unit = services.create_unit(db, SUPERVISOR, call_sign=sign)
        services.sign_on_unit(db, SUPERVISOR, unit.id, officer_ids=[officer_id])
    services.create_unit(db, SUPERVISOR, call_sign="CSO10")  # never signed on
    board = services.load_board(db)
    assert [u.call_sign for u in board.units] == ["CSO20", "CSO30"]
    assert [u.officers for u in board.units] == [("Crew 1",), ("Crew 0",)]


# One incident, units, the timeline -------------------------------------------------------------------


def test_an_incident_is_read_by_id_and_an_unknown_id_is_not_found(db, dispatcher):
    call = welfare_call(db, dispatcher)
    assert services.get_incident(db, call.id).number == call.number
    with pytest.raises(NotFoundError, match=rf"No incident with id {call.id + 1}\."):
        services.get_incident(db, call.id + 1)


def test_units_are_listed_by_call_sign_all_of_them_or_the_ones_asked_for(db):
    ids = {}
    for sign in ("CSO13", "CSO11", "CSO12"):
        ids[sign] = services.create_unit(db, SUPERVISOR, call_sign=sign).id
    assert [u.call_sign for u in services.get_units(db)] == ["CSO11", "CSO12", "CSO13"]
    assert [u.call_sign for u in services.get_units(db, [ids["CSO13"], ids["CSO11"]])] == ["CSO11", "CSO13"]
    assert services.get_units(db, []) == []


def test_the_timeline_of_an_incident_is_its_own_events_oldest_first(db, clock, dispatcher):
    call = welfare_call(db, dispatcher)
    other = welfare_call(db, dispatcher)
    clock.advance(minutes=1)
    services.add_note(db, dispatcher, call.id, "Caller called back")
    services.add_note(db, dispatcher, other.id, "Not this one")
    clock.advance(minutes=1)
    services.add_note(db, dispatcher, call.id, "Neighbour has a key")
    events = services.timeline(db, call.id)
    assert [(e.kind, e.at - T0) for e in events] == [
        ("created", dt.timedelta(0)),
        ("note", dt.timedelta(minutes=1)),
        ("note", dt.timedelta(minutes=2)),
    ]
    assert [e.text for e in events[1:]] == ["Caller called back", "Neighbour has a key"]


# Short names: an incident by its last digits, a unit by the end of its call sign --------------------


def test_an_incident_is_found_by_its_full_number_or_its_last_digits(db, dispatcher):
    calls = [welfare_call(db, dispatcher) for _ in range(3)]
    assert [c.number for c in calls] == ["2026-000001", "2026-000002", "2026-000003"]
    assert services.find_incident(db, " 2026-000002 ").id == calls[1].id
    assert services.find_incident(db, "3").id == calls[2].id
    assert services.find_incident(db, "0001").id == calls[0].id


@pytest.mark.parametrize(
    ("typed", "error", "message"),
    [
        ("", ValidationError, "Name an incident."),
        ("   ", ValidationError, "Name an incident."),
        ("4", NotFoundError, "No incident ending in 4."),
        ("2026-000004", NotFoundError, "No incident '2026-000004'."),
        ("CSO11", NotFoundError, "No incident 'CSO11'."),
    ],
)
def test_an_incident_not_named_or_not_there_is_refused_in_words(db, dispatcher, typed, error, message):
    welfare_call(db, dispatcher)
    with pytest.raises(error) as caught:
        services.find_incident(db, typed)
    assert str(caught.value) == message


def test_a_unit_is_found_by_its_call_sign_or_the_end_of_it(db):
    small_shift(db, units=2)
    assert services.find_unit(db, "cso12").call_sign == "CSO12"
    assert services.find_unit(db, " 11 ").call_sign == "CSO11"
    with pytest.raises(ValidationError, match=r"Name a unit\."):
        services.find_unit(db, "  ")
    with pytest.raises(NotFoundError, match=r"No unit 'CSO99'\."):
        services.find_unit(db, "CSO99")


# Search: a part of the number, location, caller, narrative or call type; newest first ----------------


def test_search_finds_a_part_of_each_searched_field_whatever_its_case(db, clock, dispatcher):
    by_location = welfare_call(db, dispatcher, location="1200 N Fairfax Ave")
    clock.advance(minutes=1)
    by_caller = welfare_call(db, dispatcher, caller_name="Bea Quill")
    clock.advance(minutes=1)
    by_narrative = welfare_call(db, dispatcher, narrative="Smell of GAS in the hallway")
    clock.advance(minutes=1)
    by_type = welfare_call(db, dispatcher, call_type="NOISE", screening=None)
    expected = {
        "fairfax": [by_location.number],
        "QUILL": [by_caller.number],
        "gas in": [by_narrative.number],
        "noise": [by_type.number],
        "-000002": [by_caller.number],
        "Santa Monica": [by_type.number, by_narrative.number, by_caller.number],  # newest first
        "nothing like it": [],
    }
    assert {typed: numbers(services.search_incidents(db, typed)) for typed in expected} == expected


def test_search_takes_percent_underscore_and_backslash_as_themselves(db, clock, dispatcher):
    plain = welfare_call(db, dispatcher, narrative="Rent is 50 due")
    clock.advance(minutes=1)
    percent = welfare_call(db, dispatcher, narrative="Rent is 50% due")
    clock.advance(minutes=1)
    underscore = welfare_call(db, dispatcher, narrative="Tag reads A_B")
    clock.advance(minutes=1)
    backslash = welfare_call(db, dispatcher, narrative=r"Graffiti reads A\B")
    welfare_call(db, dispatcher, narrative="Tag reads AxB")
    assert numbers(services.search_incidents(db, "50%")) == [percent.number]
    assert numbers(services.search_incidents(db, "A_B")) == [underscore.number]
    assert numbers(services.search_incidents(db, "A\\B")) == [backslash.number]
    assert numbers(services.search_incidents(db, " 50 ")) == [percent.number, plain.number]


def test_search_takes_a_percent_or_underscore_in_a_caller_name_as_itself(db, clock, dispatcher):
    welfare_call(db, dispatcher, caller_name="Unit 50 Tenant")
    percent = welfare_call(db, dispatcher, caller_name="Unit 50% Tenant")
    welfare_call(db, dispatcher, caller_name="Jo Lee")
    underscore = welfare_call(db, dispatcher, caller_name="Jo_Lee")
    assert numbers(services.search_incidents(db, "50%")) == [percent.number]
    assert numbers(services.search_incidents(db, "o_l")) == [underscore.number]


def test_search_returns_the_newest_up_to_its_limit_fifty_unless_told(db, clock, dispatcher):
    calls = []
    for _ in range(51):
        calls.append(welfare_call(db, dispatcher))
        clock.advance(seconds=1)
    newest_first = [c.number for c in reversed(calls)]
    assert numbers(services.search_incidents(db, "Santa")) == newest_first[:50]
    assert numbers(services.search_incidents(db, "Santa", limit=2)) == newest_first[:2]


# Duplicates: the query reads open incidents and ones closed within the pack's 10 minutes ---------------


def test_a_call_with_no_place_at_all_has_no_duplicates(db, dispatcher):
    welfare_call(db, dispatcher)
    for lat, lon in ((None, None), (CITY_HALL[0], None), (None, CITY_HALL[1])):
        assert services.duplicates_near(db, latitude=lat, longitude=lon, location="   ") == []


def test_a_call_with_only_an_address_finds_an_open_incident_at_that_address(db, dispatcher):
    call = welfare_call(db, dispatcher)
    found = services.duplicates_near(db, latitude=None, longitude=None, location="8300 santa monica blvd")
    assert [d.incident.number for d in found] == [call.number]


def test_a_closed_incident_is_a_possible_duplicate_for_exactly_ten_minutes_after_it_closed(db, clock, dispatcher):
    done = cleared(db, dispatcher)
    clock.advance(minutes=10)
    near = {"latitude": CITY_HALL[0], "longitude": CITY_HALL[1]}
    assert [d.incident.number for d in services.duplicates_near(db, **near)] == [done.number]
    assert [d.incident.number for d in services.duplicates_near(db, **near, received_at=T0 + dt.timedelta(minutes=10))]
    assert services.duplicates_near(db, **near, received_at=T0 + dt.timedelta(minutes=10) + MS) == []
    clock.advance(milliseconds=1)
    assert services.duplicates_near(db, **near) == []


# Recommendations, officers, the active shift ----------------------------------------------------------


def test_a_unit_with_the_skill_the_call_type_wants_is_recommended_first(db, dispatcher):
    # CSO11's officer has crisis intervention, which a welfare check wants; all three stand at city hall.
    units = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    assert [r.unit.call_sign for r in services.recommendations(db, call)] == ["CSO11", "CSO12", "CSO13"]
    assert services.recommendations(db, call)[0].matching_skills == ("crisis intervention",)
    noise = welfare_call(db, dispatcher, call_type="NOISE", screening=None)
    assert [r.matching_skills for r in services.recommendations(db, noise)] == [(), (), ()]
    assert [r.unit.call_sign for r in services.recommendations(db, call, services.get_units(db, units[1:]))] == [
        "CSO12",
        "CSO13",
    ]


def test_a_call_type_the_pack_does_not_know_wants_no_skill(db, dispatcher):
    small_shift(db, units=2)
    call = welfare_call(db, dispatcher)
    from dataclasses import replace

    unknown = replace(call, call_type="GONE")
    assert [r.matching_skills for r in services.recommendations(db, unknown)] == [(), ()]


def test_officers_are_listed_by_name(db):
    for badge, name in (("3", "Cruz"), ("1", "Abel"), ("2", "Baker")):
        services.create_officer(db, SUPERVISOR, badge=badge, name=name)
    assert [(o.badge, o.name) for o in services.officers(db)] == [("1", "Abel"), ("2", "Baker"), ("3", "Cruz")]


def test_the_active_shift_is_the_newest_active_one_and_none_before_any(db, clock):
    assert services.active_shift(db) is None
    for name in ("Day", "Swing"):
        services.start_shift(
            db, SUPERVISOR, name=name, supervisor="Sgt. A", starts_at=clock(), ends_at=clock() + dt.timedelta(hours=8)
        )
    with db.writer() as s, s.begin():
        s.execute(update(Shift).where(Shift.name == "Day").values(status="active", ended_at=None))
    assert services.active_shift(db).name == "Swing"
    with db.writer() as s, s.begin():
        s.execute(update(Shift).values(status="closed"))
    assert services.active_shift(db) is None


def test_an_empty_database_has_no_units(db):
    assert services.is_empty(db) is True
    services.create_unit(db, SUPERVISOR, call_sign="CSO11")
    assert services.is_empty(db) is False


# Ping: the banner's probe ---------------------------------------------------------------------------


def test_a_database_that_answers_is_pinged_true(db):
    assert services.ping(db) is True


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_that_does_not_answer_is_reported_by_its_first_line(db, monkeypatch, error):
    @contextmanager
    def broken():
        raise error("SELECT 1", {}, Exception("  server closed the connection\nDETAIL: gone  "))
        yield

    monkeypatch.setattr(type(db), "writer", property(lambda self: broken))
    with pytest.raises(DatabaseUnavailableError) as caught:
        services.ping(db)
    assert str(caught.value) == "The database does not answer (server closed the connection)."


# The audit log: supervisors read it, filtered, newest first; each read is audited ----------------------


def add_audit(db, at, username="ana", action="create_incident", outcome="ok", entity="incident", entity_id=1):
    """One audit row by `username` at `at` (the clock is set there for the row, then put back)."""
    back = db.clock()
    db.clock.now = at
    try:
        with work(db, Actor(username, role="dispatcher", workstation="ws-9"), check_account=False) as w:
            w.audit(action, entity, entity_id, {"status": "pending"}, {"status": "cleared"}, outcome=outcome)
    finally:
        db.clock.now = back


def read_audit_rows(db) -> list[AuditEntry]:
    with db.read() as s:
        return list(
            s.execute(select(AuditEntry).where(AuditEntry.action == "read_audit").order_by(AuditEntry.id)).scalars()
        )


@pytest.fixture
def audit_log(db):
    """Five rows at known times (minutes after T0); written straight to the table to control every field."""
    # carl's row is written last but happened at minute 3: the log reads by time, not by arrival.
    add_audit(db, T0 + dt.timedelta(minutes=1), username="Ana.Ruiz", action="create_incident")
    add_audit(db, T0 + dt.timedelta(minutes=2), username="bo_lee", action="clear_incident", entity_id=2)
    add_audit(db, T0 + dt.timedelta(minutes=2), username="bo%lee", action="sign_in", outcome="refused", entity="user")
    add_audit(db, T0 + dt.timedelta(minutes=4), username="ANA", action="create_unit", entity="unit", entity_id=1)
    add_audit(db, T0 + dt.timedelta(minutes=3), username="carl", action="add_note", entity_id=1)
    db.clock.now = T0 + dt.timedelta(hours=1)  # reads of the log are audited an hour later
    return db


def read(db, **filters) -> list[tuple[str, str]]:
    """The rows read, leaving out the audit of earlier reads."""
    rows = services.audit_entries(db, SUPERVISOR, **filters)
    return [(a.username, a.action) for a in rows if a.action != "read_audit"]


def test_the_audit_log_reads_newest_first_and_by_id_within_one_moment(audit_log):
    (first,) = services.audit_entries(audit_log, SUPERVISOR, limit=1)
    assert (first.at, first.username, first.workstation, first.action) == (
        T0 + dt.timedelta(minutes=4),
        "ANA",
        "ws-9",
        "create_unit",
    )
    assert (first.entity, first.entity_id, first.outcome) == ("unit", 1, "ok")
    assert (first.before, first.after) == ({"status": "pending"}, {"status": "cleared"})
    assert isinstance(first.id, int)
    assert read(audit_log) == [
        ("ANA", "create_unit"),
        ("carl", "add_note"),
        ("bo%lee", "sign_in"),
        ("bo_lee", "clear_incident"),
        ("Ana.Ruiz", "create_incident"),
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"username": " ana "}, [("ANA", "create_unit"), ("Ana.Ruiz", "create_incident")]),
        ({"username": "bo_"}, [("bo_lee", "clear_incident")]),
        ({"username": "bo%"}, [("bo%lee", "sign_in")]),
        ({"username": ""}, "all"),
        ({"action": "INCIDENT"}, [("bo_lee", "clear_incident"), ("Ana.Ruiz", "create_incident")]),
        ({"action": " add_"}, [("carl", "add_note")]),
        ({"action": ""}, "all"),
        ({"outcome": "refused"}, [("bo%lee", "sign_in")]),
        ({"outcome": "refuse"}, []),
        ({"outcome": ""}, "all"),
        ({"incident_id": 1}, [("carl", "add_note"), ("Ana.Ruiz", "create_incident")]),
        ({"incident_id": 2}, [("bo_lee", "clear_incident")]),
        ({"since": T0 + dt.timedelta(minutes=3)}, [("ANA", "create_unit"), ("carl", "add_note")]),
        ({"until": T0 + dt.timedelta(minutes=2)}, [("Ana.Ruiz", "create_incident")]),
        ({"since": T0 + dt.timedelta(minutes=2), "until": T0 + dt.timedelta(minutes=2)}, []),
        ({"limit": 2}, [("ANA", "create_unit"), ("carl", "add_note")]),
        ({"limit": None}, "all"),
    ],
)
def test_the_audit_log_filters_each_as_a_supervisor_asks(audit_log, filters, expected):
    everything = [
        ("ANA", "create_unit"),
        ("carl", "add_note"),
        ("bo%lee", "sign_in"),
        ("bo_lee", "clear_incident"),
        ("Ana.Ruiz", "create_incident"),
    ]
    assert read(audit_log, **filters) == (everything if expected == "all" else expected)


def test_the_audit_log_reads_at_most_500_rows_unless_told(db):
    for n in range(501):
        add_audit(db, T0 + dt.timedelta(seconds=n), username=f"u{n}")
    rows = services.audit_entries(db, SUPERVISOR)
    assert (len(rows), rows[0].username, rows[-1].username) == (500, "u500", "u1")


@pytest.mark.parametrize(
    ("filters", "field", "message"),
    [
        ({"limit": 0}, "limit", "Ask for at least one audit entry."),
        ({"limit": -1}, "limit", "Ask for at least one audit entry."),
        (
            {"since": T0 + dt.timedelta(minutes=2), "until": T0 + dt.timedelta(minutes=2) - MS},
            "until",
            "The end of the time range is before its start.",
        ),
    ],
)
def test_an_audit_read_asking_for_nothing_is_refused(audit_log, filters, field, message):
    with pytest.raises(ValidationError) as caught:
        services.audit_entries(audit_log, SUPERVISOR, **filters)
    assert (caught.value.field, str(caught.value)) == (field, message)
    assert read_audit_rows(audit_log) == []


def test_an_audit_read_of_one_row_or_an_open_ended_range_is_allowed(audit_log):
    assert read(audit_log, limit=1) == [("ANA", "create_unit")]
    assert len(read(audit_log, since=T0 + dt.timedelta(minutes=2))) == 4
    assert len(read(audit_log, until=T0 + dt.timedelta(minutes=3))) == 3


def test_a_dispatcher_may_not_read_the_audit_log_and_the_refusal_is_audited_once(audit_log, dispatcher):
    with pytest.raises(PermissionDeniedError):
        services.audit_entries(audit_log, dispatcher)
    with audit_log.read() as s:
        refused = list(s.execute(select(AuditEntry).where(AuditEntry.username == "dispatcher1")).scalars())
    assert [(a.username, a.action, a.entity, a.entity_id, a.after) for a in refused] == [
        ("dispatcher1", "read_audit", "audit_log", None, {"role": "dispatcher"})
    ]


def test_each_audit_read_is_itself_audited_with_its_purpose_count_and_filters(audit_log, clock):
    services.audit_entries(audit_log, SUPERVISOR)
    services.audit_entries(
        audit_log,
        SUPERVISOR,
        username="ana",
        action="",
        outcome="ok",
        incident_id=1,
        since=T0,
        until=T0 + dt.timedelta(minutes=5),
        limit=3,
        purpose="export",
    )
    services.audit_entries(audit_log, SUPERVISOR, action="note", limit=None)
    first, second, third = read_audit_rows(audit_log)
    assert third.after == {"purpose": "view", "rows": 1, "filters": {"action": "note"}}
    assert (first.username, first.workstation, first.entity, first.entity_id, first.outcome, first.before) == (
        "sup.setup",
        "ws-sup",
        "audit_log",
        None,
        "ok",
        None,
    )
    assert first.after == {"purpose": "view", "rows": 5, "filters": {}}
    assert second.after == {
        "purpose": "export",
        "rows": 1,
        "filters": {
            "username": "ana",
            "outcome": "ok",
            "incident_id": 1,
            "since": "2026-11-26T16:00:00+00:00",
            "until": "2026-11-26T16:05:00+00:00",
        },
    }


def test_the_read_itself_checks_the_right_again_in_its_own_transaction(audit_log, dispatcher, monkeypatch):
    # The role may change between the first check and the read: the read's own transaction refuses too.
    monkeypatch.setattr(queries, "authorize", lambda *args, **kwargs: None)
    with pytest.raises(PermissionDeniedError):
        services.audit_entries(audit_log, dispatcher)
    assert [(a.username, a.outcome) for a in read_audit_rows(audit_log)] == [("dispatcher1", "refused")]


def test_an_actor_with_the_right_to_read_the_audit_log_other_than_a_supervisor(audit_log):
    admin = Actor("adm", role="admin", workstation="ws-a")
    assert len(services.audit_entries(audit_log, admin)) == 5

"""Taking a call: a Sheriff-first caution at the place presets the screening; a call handed over or
merged as it is taken is written with its transfer or merge, texts and audit rows as a dispatcher reads them."""

from __future__ import annotations

import datetime as dt

import pytest

from data import services
from data.errors import ValidationError
from data.services.cautions import add_caution
from tests.data.helpers import CITY_HALL, NO_SCREENING, changes_after, last_change_id, small_shift, welfare_call
from tests.data.test_incident_services_pinned import START, audits, events

SCREENED_NO = "screening: weapon no · violence no · medical no · crime no"


def sheriff_first_caution(db, actor, *, location: str, text: str = "Prior assault on staff"):
    return add_caution(
        db,
        actor,
        location=location,
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        text=text,
        category="safety",
        expires_at=db.clock() + dt.timedelta(days=30),
        sheriff_first=True,
    )


def test_a_sheriff_first_caution_at_the_pin_presets_the_screening_and_is_quoted(db, dispatcher, supervisor):
    # Recorded under another address: the call is matched by where its pin is.
    found = sheriff_first_caution(db, supervisor, location="City Hall lobby")
    call = welfare_call(db, dispatcher)
    assert call.screening == NO_SCREENING | {"caution": True}
    assert events(db, call.id) == [
        ("created", f"Welfare check (P2) at 8300 Santa Monica Blvd; {SCREENED_NO}; response: cso", None),
        ("caution", f"LASD first by caution {found.id}: Prior assault on staff", None),
    ]


def test_a_sheriff_first_caution_at_the_address_typed_presets_a_call_without_a_pin(db, dispatcher, supervisor):
    found = sheriff_first_caution(db, supervisor, location="8300 Santa Monica Blvd", text="Locked gate")
    call = welfare_call(db, dispatcher, latitude=None, longitude=None)
    assert call.screening == NO_SCREENING | {"caution": True}
    assert events(db, call.id)[1:] == [("caution", f"LASD first by caution {found.id}: Locked gate", None)]


def test_a_call_away_from_any_caution_has_no_preset(db, dispatcher, supervisor):
    sheriff_first_caution(db, supervisor, location="City Hall lobby")
    call = welfare_call(db, dispatcher, location="Plummer Park", latitude=34.0917, longitude=-118.3495)
    assert call.screening == NO_SCREENING
    assert events(db, call.id) == [("created", f"Welfare check (P2) at Plummer Park; {SCREENED_NO}", None)]


def test_a_call_handed_over_as_it_is_taken_reads_as_created_then_transferred(db, clock, dispatcher):
    clock.advance(minutes=2)
    mark = last_change_id(db)
    call = services.create_and_transfer(
        db,
        dispatcher,
        call_type="WELFARE",
        location="8300 Santa Monica Blvd",
        screening=NO_SCREENING | {"weapon": True},
        response="sheriff",
    )
    assert (call.status, call.response, call.disposition_code, call.disposition_note, call.units) == (
        "transferred",
        "sheriff",
        "15",
        "Transferred to LASD",
        (),
    )
    assert (call.received_at, call.cleared_at) == (START + dt.timedelta(minutes=2),) * 2
    assert events(db, call.id) == [
        (
            "created",
            "Welfare check (P2) at 8300 Santa Monica Blvd; screening: weapon YES · violence no · medical no · "
            "crime no; response: sheriff",
            None,
        ),
        ("transferred", "Transferred to LASD", None),
    ]
    (created,) = audits(db, "create_incident")
    (moved,) = audits(db, "transfer_to_sheriff")
    assert (created.before, created.after["status"], moved.before["status"], moved.after["status"]) == (
        {},
        "pending",
        "pending",
        "transferred",
    )
    assert sorted(changes_after(db, mark)) == sorted([("timeline", call.id, 0), ("incident", call.id, call.version)])


def test_a_transfer_note_at_intake_is_kept_as_typed(db, dispatcher):
    call = services.create_and_transfer(
        db, dispatcher, note="  Weapon seen  ", call_type="WELFARE", location="Plummer Park", screening=NO_SCREENING
    )
    assert call.disposition_note == "Weapon seen"
    assert events(db, call.id)[-1] == ("transferred", "Transferred to LASD: Weapon seen", None)


def test_a_call_merged_as_it_is_taken_is_announced_with_the_incident_it_joins(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    first = welfare_call(db, dispatcher)
    sent = services.dispatch_units(db, dispatcher, first.id, [unit_id])
    clock.advance(minutes=4)
    mark = last_change_id(db)
    merged = services.create_and_merge(
        db,
        dispatcher,
        into_id=first.id,
        into_version=sent.version,
        call_type="NOISE",
        location="8300 Santa Monica Blvd",
        caller_name="Bo Neighbour",
        narrative="Music again",
        screening=NO_SCREENING,
    )
    dup, into = merged.duplicate, merged.into
    assert (dup.number, dup.status, dup.merged_into_id, dup.disposition_note, dup.units) == (
        "2026-000002",
        "merged",
        first.id,
        "Duplicate of 2026-000001",
        (),
    )
    assert (dup.cleared_at, dup.received_at) == (START + dt.timedelta(minutes=4),) * 2
    assert (into.id, into.status, into.units, into.version) == (first.id, "dispatched", ("CSO11",), sent.version)
    assert events(db, dup.id) == [
        ("created", f"Noise complaint (P3) at 8300 Santa Monica Blvd; {SCREENED_NO}", None),
        ("merged", "Merged into 2026-000001 as a duplicate call", None),
    ]
    assert events(db, first.id)[-1] == (
        "merged",
        "Duplicate call 2026-000002 from Bo Neighbour merged: Music again",
        None,
    )
    assert sorted(changes_after(db, mark)) == sorted(
        [
            ("timeline", dup.id, 0),
            ("timeline", first.id, 0),
            ("incident", dup.id, dup.version),
            ("incident", first.id, into.version),
        ]
    )


def test_a_call_given_only_its_type_and_place_is_a_cso_call_with_nothing_asked(db, dispatcher):
    call = services.create_incident(db, dispatcher, call_type="NOISE", location="Plummer Park")
    assert (call.priority, call.latitude, call.longitude, call.zone, call.in_city) == (3, None, None, None, None)
    assert (call.caller_name, call.caller_phone, call.narrative, call.override_reason) == ("", "", "", "")
    assert (call.screening, call.response, call.received_at, call.shift_id) == ({}, "cso", START, None)
    assert events(db, call.id) == [
        (
            "created",
            "Noise complaint (P3) at Plummer Park; screening: weapon not asked · violence not asked · "
            "medical not asked · crime not asked",
            None,
        )
    ]


@pytest.mark.parametrize(("length", "accepted"), [(2000, True), (2001, False)])
def test_a_transfer_note_at_intake_holds_up_to_two_thousand_characters(db, dispatcher, length, accepted):
    call = {"call_type": "WELFARE", "location": "Plummer Park", "screening": NO_SCREENING}
    if accepted:
        moved = services.create_and_transfer(db, dispatcher, note="t" * length, **call)
        assert moved.disposition_note == "t" * length
    else:
        with pytest.raises(ValidationError, match="The note is 2,001 characters; the limit is 2,000") as refused:
            services.create_and_transfer(db, dispatcher, note="t" * length, **call)
        assert refused.value.field == "note"
        assert audits(db, "create_incident") == []

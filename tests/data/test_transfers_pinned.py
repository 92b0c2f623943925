"""A transferred call's place, caller and messages, pinned: what is ours, what is outside, what is cut and how."""

from __future__ import annotations

import datetime as dt

import pytest

from data.eido_transfer import Place, Transfer
from data.records import IncidentRecord
from data.services import transfers
from data.services.transfers import Placement, TransferResult, placement_by_name

STREET = {"HNO": "8300", "RD": "Santa Monica", "STS": "Blvd"}


def place(
    civic: dict[str, str], text: str = "as sent", lat: float | None = 34.09, lon: float | None = -118.36
) -> Place:
    return Place("Incident", text, civic, lat, lon)


@pytest.mark.parametrize(
    ("civic", "label", "in_city"),
    [
        ({**STREET, "A3": "West Hollywood", "A1": "CA"}, "8300 Santa Monica Blvd", None),  # ours, written as ours
        ({**STREET, "A3": "WEST HOLLYWOOD", "A1": "ca"}, "8300 Santa Monica Blvd", None),  # case does not matter
        ({**STREET, "A3": "West Hollywood"}, "8300 Santa Monica Blvd", None),  # no state named: still ours
        ({**STREET, "A3": "Los Angeles", "A1": "CA"}, None, False),  # another city
        ({**STREET, "A3": "West Hollywood", "A1": "FL"}, None, False),  # a West Hollywood in another state
        ({**STREET, "A1": "DE"}, None, False),  # only another state named
        ({**STREET, "A1": "CA"}, None, None),  # our state, no city: not known to be outside
        (STREET, None, None),  # neither named
        ({"A3": "West Hollywood", "A1": "CA"}, None, None),  # ours, but no street to write
    ],
)
def test_without_the_map_a_place_is_ours_outside_or_unknown_by_the_city_and_state_it_names(db, civic, label, in_city):
    found = placement_by_name(place(civic), db.pack)
    assert found == Placement(label, 34.09, -118.36, None, in_city)


def incident(**extra: object) -> IncidentRecord:
    fields = {
        "number": "26-00042",
        "call_type_label": "Welfare check",
        "location": "8300 Santa Monica Blvd",
        "in_city": None,
    }
    fields.update(extra)
    return type("Incident", (), fields)()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (
            TransferResult("created", incident(), "LASD"),
            "26-00042 transferred from LASD: Welfare check at 8300 Santa Monica Blvd; pending",
        ),
        (
            TransferResult("created", incident(in_city=False, location="1 Main St, Dover"), "LASD"),
            "26-00042 transferred from LASD: Welfare check at 1 Main St, Dover (outside the city); pending",
        ),
        (
            TransferResult("updated", incident(), "LASD", ("their status Closed", "1 new note")),
            "26-00042 updated from LASD: their status Closed; 1 new note",
        ),
        (
            TransferResult("unchanged", incident(), "LASD"),
            "Already imported as 26-00042 (transferred from LASD); nothing changed.",
        ),
    ],
)
def test_the_dispatcher_is_told_what_a_transfer_did(result, message):
    assert result.message == message


def transfer(**extra: object) -> Transfer:
    fields: dict[str, object] = {
        "agency": "lasd.lacounty.gov",
        "agency_name": "LASD",
        "issuing_element": "",
        "incident_identifier": "",
        "internal_incident_id": "",
        "call_identifiers": ("call-1",),
        "sent_at": dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC),
        "call_started_at": None,
        "call_type": "WELFARE",
        "priority": None,
        "status": "",
        "place": Place("Incident", "", {}, 34.0905, -118.3707),
        "caller_name": "",
        "caller_phone": "",
        "narrative": "",
        "items": (),
    }
    fields.update(extra)
    return Transfer(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "label", "text"),
    [
        (
            Place("Incident", "42 W Cellular St", {}, 34.0905, -118.3707),
            "8300 Santa Monica Blvd",
            "8300 Santa Monica Blvd",
        ),
        (Place("Incident", "42 W Cellular St", {}, 34.0905, -118.3707), None, "42 W Cellular St"),
        (Place("Incident", "", {}, 34.0905, -118.3707), None, "34.090500, -118.370700"),
        (Place("Incident", "x" * 300, {}), None, "x" * 300),  # 300 characters: kept whole
        (Place("Incident", "x" * 301, {}), None, "x" * 299 + "…"),  # longer: cut to 300 with an ellipsis
    ],
)
def test_the_location_is_ours_else_theirs_else_the_point_cut_at_300_characters(given, label, text):
    placement = Placement(label, given.latitude, given.longitude, None, None)
    assert transfers._location_text(transfer(place=given), placement) == text


@pytest.mark.parametrize(
    ("name", "phone", "kept"),
    [
        ("Ana Caller", "310-555-0100", ("Ana Caller", "310-555-0100")),
        ("x" * 121, "", ("x" * 120, "")),  # a name cut at 120 characters
        ("Ana", "sip:8195551212@osp.com", ("Ana", "")),  # a number the rules refuse stays in the timeline only
    ],
)
def test_the_caller_fields_keep_what_the_rules_accept(name, phone, kept):
    assert transfers._caller(transfer(caller_name=name, caller_phone=phone)) == kept


def test_their_times_are_written_in_the_packs_time_zone(db):
    assert transfers._local(db, dt.datetime(2021, 4, 30, 18, 43, 49, tzinfo=dt.UTC)) == "2021-04-30 11:43:49"

"""The field checks every door shares (data/services/validate.py), at their limits, in the words a
dispatcher reads. Each refusal names the field the intake marks; limits are written out here."""

from __future__ import annotations

import datetime as dt

import pytest

from data import services
from data.errors import ValidationError
from data.pack import load_pack
from data.services import validate
from tests.data.helpers import SUPERVISOR


def refusal(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.field, str(caught.value)


# One field, one limit: exactly at the limit is kept, one character more is refused -------------


@pytest.mark.parametrize(
    ("check", "field", "limit", "label"),
    [
        (validate.location, "location", 300, "location"),
        (validate.caller_name, "caller_name", 120, "caller name"),
        (validate.override_reason, "override_reason", 2000, "override reason"),
        (validate.narrative, "narrative", 20_000, "narrative"),
        (validate.note, "note", 20_000, "note"),
    ],
)
def test_each_free_text_field_keeps_its_limit_and_refuses_one_more(check, field, limit, label):
    assert check("a" * limit) == "a" * limit
    assert refusal(check, "a" * (limit + 1)) == (
        field,
        f"The {label} is {limit + 1:,} characters; the limit is {limit:,}.",
    )


def test_a_callback_number_has_at_most_forty_characters():
    assert validate.phone("310 555 0100" + " " * 28) == "310 555 0100"  # spaces around are trimmed
    accepted = "(310) 555-0100 x12" + "-" * 22
    assert len(accepted) == 40 and validate.phone(accepted) == accepted
    assert refusal(validate.phone, accepted + "-")[0] == "caller_phone"


@pytest.mark.parametrize(
    ("check", "field", "message"),
    [
        (validate.location, "location", "Enter the location."),
        (validate.note, "note", "Enter the note."),
        (lambda v: validate.override_reason(v, required=True), "override_reason", "Enter the override reason."),
    ],
)
def test_a_required_field_left_blank_is_refused_by_name(check, field, message):
    assert refusal(check, "  \n ") == (field, message)
    assert refusal(check, None) == (field, message)


@pytest.mark.parametrize("check", [validate.caller_name, validate.narrative, validate.override_reason])
def test_an_optional_field_left_blank_is_an_empty_text(check):
    assert check(None) == ""
    assert check("  ") == ""


def test_text_is_trimmed_and_windows_line_breaks_become_one():
    assert validate.narrative("  first\r\nsecond\rthird  ") == "first\nsecond\nthird"


@pytest.mark.parametrize(
    ("check", "field", "label"),
    [(validate.location, "location", "location"), (validate.caller_name, "caller_name", "caller name")],
)
def test_one_line_fields_refuse_a_line_break_or_a_tab_by_name(check, field, label):
    message = f"The {label} is one line: no line breaks or tabs."
    assert refusal(check, "8300 Santa Monica\nBlvd") == (field, message)
    assert refusal(check, "8300 Santa Monica\tBlvd") == (field, message)


def test_a_narrative_keeps_tabs_and_line_breaks():
    assert validate.narrative("Caller:\tneighbour\nSays: music") == "Caller:\tneighbour\nSays: music"


# Priority: 1 to 4 -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "kept"), [(1, 1), (4, 4), ("2", 2), (" 3 ", 3)])
def test_a_priority_from_one_to_four_is_kept(value, kept):
    assert validate.priority(value) == kept


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "Priority must be 1 (most urgent) to 4, not 0."),
        (5, "Priority must be 1 (most urgent) to 4, not 5."),
        ("high", "Priority must be 1 to 4, not 'high'."),
        (True, "Priority must be 1 to 4, not 'True'."),
    ],
)
def test_a_priority_outside_one_to_four_is_refused(value, message):
    assert refusal(validate.priority, value) == ("priority", message)


# Coordinates: both or neither, on Earth -------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (34.0900, -118.3617), (0.0, 0.0)])
def test_coordinates_on_earth_are_kept(lat, lon):
    assert validate.coordinates(lat, lon) == (lat, lon)


def test_no_coordinates_at_all_is_allowed():
    assert validate.coordinates(None, None) == (None, None)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (34.09, None, "Give both latitude and longitude, or neither."),
        (None, -118.36, "Give both latitude and longitude, or neither."),
        (90.000001, -118.36, "Coordinates 90.000001, -118.36 are not on Earth."),
        (-90.000001, -118.36, "Coordinates -90.000001, -118.36 are not on Earth."),
        (34.09, 180.000001, "Coordinates 34.09, 180.000001 are not on Earth."),
        (34.09, -180.000001, "Coordinates 34.09, -180.000001 are not on Earth."),
        (float("nan"), -118.36, "Coordinates nan, -118.36 are not on Earth."),
        (34.09, float("inf"), "Coordinates 34.09, inf are not on Earth."),
    ],
)
def test_coordinates_off_earth_or_half_given_are_refused(lat, lon, message):
    assert refusal(validate.coordinates, lat, lon) == ("location", message)


# Call types come from the pack --------------------------------------------------------------------


def test_a_call_type_is_read_from_the_pack_and_an_unknown_one_is_refused():
    pack = load_pack()
    assert validate.call_type(pack, " WELFARE ").code == "WELFARE"
    assert refusal(validate.call_type, pack, "") == ("call_type", "Choose a call type.")
    assert refusal(validate.call_type, pack, "   ") == ("call_type", "Choose a call type.")
    assert refusal(validate.call_type, pack, "ARSON") == ("call_type", "Unknown call type 'ARSON'.")


# A shift ends after it starts ---------------------------------------------------------------------


def test_a_shift_that_ends_when_it_starts_is_refused_one_that_ends_a_millisecond_later_is_kept(db):
    starts = db.clock()
    with pytest.raises(ValidationError, match="A shift must end after it starts"):
        services.start_shift(db, SUPERVISOR, name="Day", supervisor="Sgt. Ruiz", starts_at=starts, ends_at=starts)
    assert services.active_shift(db) is None
    shift = services.start_shift(
        db,
        SUPERVISOR,
        name="Day",
        supervisor="Sgt. Ruiz",
        starts_at=starts,
        ends_at=starts + dt.timedelta(milliseconds=1),
    )
    assert (shift.name, shift.supervisor) == ("Day", "Sgt. Ruiz")

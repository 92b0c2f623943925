"""One text rule for every door: only tabs and line breaks among invisible characters, no bidi overrides."""

from __future__ import annotations

import re

import pytest

from data import services
from data.errors import ValidationError
from data.services import validate
from tests.data.helpers import NO_SCREENING, welfare_call


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loud \x1b[31mmusic", "control character (U+001B)"),
        ("bell\x07", "control character (U+0007)"),
        ("c1 \x85 next line", "control character (U+0085)"),
        ("evil \u202e txt.exe", "bidirectional override (U+202E)"),
        ("isolate \u2066x\u2069", "bidirectional override (U+2066)"),
        ("nul \x00", "NUL character"),
    ],
)
def test_hostile_characters_are_refused_in_free_text(db, dispatcher, text, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        welfare_call(db, dispatcher, narrative=text)
    inc = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match=r"control character|bidirectional|NUL"):
        services.add_note(db, dispatcher, inc.id, text)


def test_tabs_and_line_breaks_are_kept_windows_breaks_become_one():
    assert validate.narrative("first\tcolumn\r\nsecond\rthird") == "first\tcolumn\nsecond\nthird"


def test_one_line_fields_refuse_line_breaks(db, dispatcher):
    with pytest.raises(ValidationError, match="location is one line"):
        services.create_incident(db, dispatcher, call_type="NOISE", location="Plummer\nPark", screening=NO_SCREENING)
    with pytest.raises(ValidationError, match="caller name is one line"):
        welfare_call(db, dispatcher, caller_name="Ana\tRuiz")


@pytest.mark.parametrize(
    ("phone", "accepted", "message"),
    [
        ("", True, ""),  # withheld
        ("911", True, ""),  # three digits: the shortest number
        ("+1 (310) 555-0100 x12", True, ""),
        ("4" * 15, True, ""),  # E.164's longest
        ("--", False, "has too few digits"),
        ("31", False, "has too few digits"),
        ("4" * 16, False, "has too many digits"),
        ("call me maybe", False, "has characters a phone number cannot"),
    ],
)
def test_a_callback_number_has_three_to_fifteen_digits_whoever_saves_it(db, dispatcher, phone, accepted, message):
    """The intake asks validate.phone; the service asks it again, so a caller bypassing the form reads the same."""
    if accepted:
        assert welfare_call(db, dispatcher, caller_phone=phone).caller_phone == phone.strip()
        return
    with pytest.raises(ValidationError, match=re.escape(message)) as refused:
        welfare_call(db, dispatcher, caller_phone=phone)
    assert refused.value.field == "caller_phone"
    inc = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.update_incident(db, dispatcher, inc.id, expected_version=inc.version, caller_phone=phone)

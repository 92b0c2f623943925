"""Short names, as the dispatcher types them: one matcher for the services (rows) and the board (records)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from data.errors import NotFoundError, ValidationError
from data.names import ends_with_digits, match_incident, match_unit


@dataclass(frozen=True)
class U:
    call_sign: str
    on_shift: bool = True


@dataclass(frozen=True)
class I:  # noqa: E742
    number: str
    status: str = "pending"


UNITS = [U("CSO-11"), U("CSO-12"), U("CSO-21", on_shift=False), U("CSO-31")]
INCIDENTS = [I(f"2026-{n:06d}") for n in (2, 12, 112)] + [I("2025-000012", "cleared")]


@pytest.mark.parametrize(
    ("typed", "sign"),
    [("CSO-12", "CSO-12"), ("cso-12", "CSO-12"), ("12", "CSO-12"), (" 2 ", "CSO-12"), ("31", "CSO-31")],
)
def test_a_unit_by_its_call_sign_or_its_end(typed, sign):
    assert match_unit(UNITS, typed).call_sign == sign


def test_units_on_shift_come_first_and_two_on_shift_are_ambiguous():
    assert match_unit(UNITS, "21").call_sign == "CSO-21"  # only one has that end, off shift or not
    with pytest.raises(ValidationError, match="1 matches CSO-11, CSO-21, CSO-31; type more"):
        match_unit([*UNITS[:2], U("CSO-21"), UNITS[3]], "1")
    with pytest.raises(NotFoundError, match="No unit '99'"):
        match_unit(UNITS, "99")
    with pytest.raises(ValidationError, match="Name a unit"):
        match_unit(UNITS, "  ")


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("2026-000112", "2026-000112"),
        ("2025-000012", "2025-000012"),  # a full number, closed or not
        ("2", "2026-000002"),  # the exact short number wins over ...12 and ...112
        ("12", "2026-000012"),  # open first, then the exact short number over ...112
        ("112", "2026-000112"),
        ("0112", "2026-000112"),
    ],
)
def test_an_incident_by_its_number_or_its_last_digits(typed, number):
    assert match_incident(INCIDENTS, typed).number == number


def test_an_incident_not_named_or_named_twice_is_refused():
    with pytest.raises(NotFoundError, match="No incident ending in 7"):
        match_incident(INCIDENTS, "7")
    with pytest.raises(NotFoundError, match="No incident 'x1'"):
        match_incident(INCIDENTS, "x1")
    with pytest.raises(ValidationError, match=r"12 matches several incidents \(2026-000012, 2027-000012\)"):
        match_incident([I("2026-000012"), I("2027-000012")], "12")


def test_last_digits_with_leading_zeros_name_only_numbers_ending_so():
    assert ends_with_digits("2026-000012", "012") and not ends_with_digits("2026-000112", "012")
    assert ends_with_digits("2026-000112", "12")

"""How a person's name is folded and a date of birth read, the one way every record that names someone uses."""

from __future__ import annotations

import pytest

from data.errors import ValidationError
from data.services.person_names import normalise_name, parse_dob


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Kim Lee", "kim lee"),
        ("KIM  LEE", "kim lee"),  # case and doubled spaces
        ("  kim\tlee \n", "kim lee"),  # leading, trailing and other white space
        ("ＫＩＭ　ＬＥＥ", "kim lee"),  # full-width letters and space, as some keyboards type them
        ("Jürgen STRAßE", "jürgen strasse"),  # case folded, not just lowered: ß is ss
        ("José", "josé"),  # accents stay: José and Jose are not folded together
        ("", ""),
    ],
)
def test_a_name_is_folded_for_case_width_and_spacing(typed, folded):
    assert normalise_name(typed) == folded


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),  # nothing typed but spaces: no date of birth
        ("1970-01-05", "1970-01-05"),
        (" 1970-01-05 ", "1970-01-05"),
        ("1/5/1970", "1970-01-05"),  # month first, as written here
        ("5/1/1970", "1970-05-01"),
        ("01/05/1970", "1970-01-05"),
        ("12/31/1999", "1999-12-31"),
        ("1900-01-01", "1900-01-01"),  # the earliest date of birth taken
        ("1/1/1900", "1900-01-01"),
        ("2/29/2000", "2000-02-29"),
    ],
)
def test_a_date_of_birth_is_read_as_year_month_day_or_month_day_year(typed, iso):
    assert parse_dob(typed) == iso


@pytest.mark.parametrize(
    "typed",
    [
        "13/45/2000",  # no such month
        "2/30/2000",  # no such day
        "1/5/70",  # a two-digit year
        "123/5/1970",
        "1/123/1970",
        "1/5/19701",
        "x1/5/1970",
        "1/5/1970x",
        "1-5-1970",
        "yesterday",
        "1899-12-31",  # before 1900: too far in the past
        "12/31/1899",
    ],
)
def test_a_date_of_birth_that_is_not_a_date_or_before_1900_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        parse_dob(typed)
    assert refused.value.field == "violator_dob"
    assert repr(typed.strip()[:20]) in str(refused.value)

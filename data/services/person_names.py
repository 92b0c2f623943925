"""How a person's name and date of birth are read and compared, one way for every record that names someone.

Citations, welfare checks, repeat contacts, person matching, statistics and retention all fold a name the
same way, so "Kim  LEE" on a citation and "kim lee" on a welfare check are one person to each of them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from data.errors import ValidationError


def normalise_name(name: str) -> str:
    """Case-, accent-width- and whitespace-insensitive form of a person's name."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split())


def parse_dob(text: str | None) -> str:
    """A date of birth as YYYY-MM-DD (accepts that or M/D/YYYY); empty when not given."""
    raw = (text or "").strip()
    if not raw:
        return ""
    day: dt.date | None = None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
        if m:
            try:
                day = dt.date(int(m[3]), int(m[1]), int(m[2]))
            except ValueError:
                day = None
    if day is None:
        raise ValidationError("violator_dob", f"Date of birth {raw[:20]!r} is not a date; use YYYY-MM-DD or M/D/YYYY.")
    if day.year < 1900:
        raise ValidationError("violator_dob", f"Date of birth {raw[:20]!r} is too far in the past.")
    return day.isoformat()


__all__ = [
    "normalise_name",
    "parse_dob",
]

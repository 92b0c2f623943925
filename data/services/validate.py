"""Field checks shared by the services: each bad value gets its own readable message."""

from __future__ import annotations

import math
import re

from data.errors import ValidationError
from data.pack import CallType, Pack
from data.rules import (
    MAX_LOCATION,
    MAX_NAME,
    MAX_NARRATIVE,
    MAX_PHONE,
    MAX_PHONE_DIGITS,
    MAX_REASON,
    MIN_PHONE_DIGITS,
)

# A reason, a note or another short free-text field of the paperwork.
MAX_SHORT = 2000
_PHONE = re.compile(r"^[0-9+()\-. x#*]*$")
# Free text may hold tabs and line breaks, nothing else invisible: no C0 or C1 control character (a
# terminal escape in a narrative reaches printers and exports), no bidirectional override (text that
# displays differently from what it says). One rule for every door: intake, command line, CLI, EIDO.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def call_type(pack: Pack, code: str | None) -> CallType:
    if not code or not code.strip():
        raise ValidationError("call_type", "Choose a call type.")
    found = pack.call_type(code.strip())
    if found is None:
        raise ValidationError("call_type", f"Unknown call type {code.strip()[:40]!r}.")
    return found


def priority(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise ValidationError("priority", f"Priority must be 1 to 4, not {str(value)[:20]!r}.") from None
    if not 1 <= value <= 4:
        raise ValidationError("priority", f"Priority must be 1 (most urgent) to 4, not {value}.")
    return value


def text(
    field: str, value: str | None, *, limit: int, required: bool = False, label: str = "", single_line: bool = False
) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    name = label or field.replace("_", " ")
    if required and not value:
        raise ValidationError(field, f"Enter the {name}.")
    if len(value) > limit:
        raise ValidationError(field, f"The {name} is {len(value):,} characters; the limit is {limit:,}.")
    if "\x00" in value:
        raise ValidationError(field, f"The {name} contains a NUL character.")
    bad = _CONTROL.search(value)
    if bad:
        raise ValidationError(
            field,
            f"The {name} contains a control character (U+{ord(bad.group()):04X}); only tabs and line breaks are allowed.",
        )
    bidi = _BIDI.search(value)
    if bidi:
        raise ValidationError(
            field,
            f"The {name} contains a bidirectional override (U+{ord(bidi.group()):04X}), which hides what the text says.",
        )
    if single_line and ("\n" in value or "\t" in value):
        raise ValidationError(field, f"The {name} is one line: no line breaks or tabs.")
    return value


def location(value: str | None) -> str:
    return text("location", value, limit=MAX_LOCATION, required=True, single_line=True)


def caller_name(value: str | None) -> str:
    return text("caller_name", value, limit=MAX_NAME, label="caller name", single_line=True)


def phone(value: str | None) -> str:
    value = text("caller_phone", value, limit=MAX_PHONE, label="callback number")
    if not _PHONE.match(value):
        raise ValidationError("caller_phone", f"The callback number {value!r} has characters a phone number cannot.")
    digits = sum(ch.isdigit() for ch in value)
    if value and digits < MIN_PHONE_DIGITS:
        raise ValidationError("caller_phone", f"The callback number {value!r} has too few digits.")
    if digits > MAX_PHONE_DIGITS:
        raise ValidationError("caller_phone", f"The callback number {value!r} has too many digits.")
    return value


def override_reason(value: str | None, *, required: bool = False) -> str:
    """Why CSOs go alone where the rules want law enforcement first or with them (kept on the incident)."""
    return text("override_reason", value, limit=MAX_REASON, required=required, label="override reason")


def narrative(value: str | None) -> str:
    return text("narrative", value, limit=MAX_NARRATIVE)


def coordinates(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise ValidationError("location", "Give both latitude and longitude, or neither.")
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("location", f"Coordinates {lat}, {lon} are not on Earth.")
    return float(lat), float(lon)


def note(value: str | None) -> str:
    return text("note", value, limit=MAX_NARRATIVE, required=True)

"""Which unit or incident a dispatcher means by what they typed: a call sign or its end, a number or its last
digits. Pure: the services match database rows with it, the console the records its board holds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from data.errors import NotFoundError, ValidationError
from data.records import OPEN_STATUSES


class NamedUnit(Protocol):
    @property
    def call_sign(self) -> str: ...
    @property
    def on_shift(self) -> bool: ...


class NumberedIncident(Protocol):
    @property
    def number(self) -> str: ...
    @property
    def status(self) -> str: ...


U = TypeVar("U", bound=NamedUnit)
I = TypeVar("I", bound=NumberedIncident)  # noqa: E741 (the incident type, beside U for units)


def unit_key(text: str) -> str:
    """The typed name as call signs are compared: trimmed, upper case."""
    return text.strip().upper()


def match_unit(units: Iterable[U], text: str) -> U:
    """A unit by call sign, or by the end of its call sign when that is unambiguous (units on shift first)."""
    key = unit_key(text)
    if not key:
        raise ValidationError("unit", "Name a unit.")
    known = list(units)
    exact = [u for u in known if u.call_sign.upper() == key]
    pool = exact or [u for u in known if u.call_sign.upper().endswith(key)]
    on_shift = [u for u in pool if u.on_shift]
    pool = on_shift or pool
    if not pool:
        raise NotFoundError(f"No unit {text.strip()!r}.")
    if len(pool) > 1:
        raise ValidationError("unit", f"{text.strip()} matches {', '.join(u.call_sign for u in pool[:4])}; type more.")
    return pool[0]


def number_suffix(key: str) -> str:
    """What the number of an incident named by its last digits ends with ("12" → "12", "7" → "7")."""
    return f"{int(key):0{min(len(key), 6)}d}" if len(key) < 6 else key


def _sequence(number: str) -> str:
    """The sequence part of a number without its leading zeros ("2026-000012" → "12")."""
    return number.split("-")[-1].lstrip("0")


def ends_with_digits(number: str, key: str) -> bool:
    """Whether an incident number is one the typed last digits name."""
    return number.endswith(number_suffix(key)) and _sequence(number).endswith(key.lstrip("0") or "0")


def match_incident(incidents: Iterable[I], text: str) -> I:
    """An incident by full number, or by its last digits when that is unambiguous (open ones first)."""
    key = text.strip()
    if not key:
        raise ValidationError("incident", "Name an incident.")
    known = list(incidents)
    exact = [i for i in known if i.number == key]
    if exact:
        return exact[0]
    if not key.isdigit():
        raise NotFoundError(f"No incident {key!r}.")
    matches = [i for i in known if ends_with_digits(i.number, key)]
    open_ones = [i for i in matches if i.status in OPEN_STATUSES]
    pool = open_ones or matches
    if not pool:
        raise NotFoundError(f"No incident ending in {key}.")
    pool = [i for i in pool if _sequence(i.number) == key.lstrip("0")] or pool  # the exact short number wins
    if len(pool) > 1:
        listed = ", ".join(i.number for i in pool[:4])
        raise ValidationError("incident", f"{key} matches several incidents ({listed}); type more digits.")
    return pool[0]

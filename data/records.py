"""Immutable records the services hand to the UI, the CLI and the paperwork (never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

OPEN_STATUSES = ("pending", "dispatched", "enroute", "onscene")
CLOSED_STATUSES = ("cleared", "cancelled", "transferred", "merged")

# The demo shift's name starts with this, so a console knows demo data (data.demo seeds it).
DEMO_MARK = "DEMO"


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    number: str
    kind: str
    call_type: str
    call_type_label: str
    apco_code: str
    priority: int
    status: str
    location: str
    latitude: float | None
    longitude: float | None
    zone: str | None
    in_city: bool | None
    caller_name: str
    caller_phone: str
    narrative: str
    screening: dict[str, Any]
    response: str
    override_reason: str
    received_at: dt.datetime
    entered_at: dt.datetime
    dispatched_at: dt.datetime | None
    enroute_at: dt.datetime | None
    onscene_at: dt.datetime | None
    cleared_at: dt.datetime | None
    status_changed_at: dt.datetime
    disposition_code: str | None
    disposition_note: str
    merged_into_id: int | None
    shift_id: int | None
    created_by: str
    version: int
    units: tuple[str, ...] = ()
    transferred_from: str = ""  # the agency that transferred the call in (NENA EIDO), "" for our own calls

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def short_number(self) -> str:
        return self.number.split("-")[-1].lstrip("0") or "0"


@dataclass(frozen=True)
class MergedCall:
    """A call saved straight into the incident it repeats: the new call, closed as merged, and that incident."""

    duplicate: IncidentRecord
    into: IncidentRecord


@dataclass(frozen=True)
class UnitRecord:
    id: int
    call_sign: str
    status: str
    status_since: dt.datetime
    check_started_at: dt.datetime | None
    incident_id: int | None
    incident_number: str | None
    incident_location: str | None
    latitude: float | None
    longitude: float | None
    zone: str | None
    on_shift: bool
    version: int
    officers: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventRecord:
    id: int
    incident_id: int
    at: dt.datetime
    kind: str
    text: str
    author: str
    workstation: str
    unit_call_sign: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: dt.datetime
    username: str
    workstation: str
    action: str
    entity: str
    entity_id: int | None
    outcome: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class OfficerRecord:
    id: int
    badge: str
    name: str
    skills: tuple[str, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ShiftRecord:
    id: int
    name: str
    status: str
    supervisor: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class ViolationRecord:
    section: str
    title: str
    offense_number: int
    fine_dollars: int


@dataclass(frozen=True)
class CitationRecord:
    id: int
    number: str
    incident_id: int | None
    incident_number: str | None
    issued_at: dt.datetime
    violator_name: str
    violator_dob: str
    violator_address: str
    violator_id_number: str
    location: str
    description: str
    officer_name: str
    officer_badge: str
    status: str
    void_reason: str
    voided_by: str
    voided_at: dt.datetime | None
    violations: tuple[ViolationRecord, ...]
    version: int

    @property
    def total_dollars(self) -> int:
        return sum(v.fine_dollars for v in self.violations)


@dataclass(frozen=True)
class ReferralRecord:
    id: int
    incident_id: int
    agency_key: str
    agency_name: str
    agency_phone: str
    outcome: str
    follow_up_on: dt.date | None
    note: str
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True)
class WelfareCheckRecord:
    id: int
    incident_id: int
    recorded_at: dt.datetime
    officer_name: str
    subject_name: str
    subject_declined: bool
    approx_age: str
    description: str
    observations: dict[str, Any]
    services_offered: str
    services_accepted: bool | None
    escalation: tuple[str, ...]
    follow_up_needed: bool
    follow_up_note: str


@dataclass(frozen=True)
class Board:
    """What a dispatcher's screen shows: open (and recently closed) incidents and units on shift."""

    incidents: tuple[IncidentRecord, ...]
    units: tuple[UnitRecord, ...]


@dataclass(frozen=True)
class DuplicateCandidate:
    incident: IncidentRecord
    distance_m: float
    minutes_apart: float


CAUTION_CATEGORIES = {"safety": "Safety", "access": "Access", "medical": "Medical", "other": "Other"}


@dataclass(frozen=True)
class CautionRecord:
    """A caution at a place: a point with a radius, shown in red while it is active."""

    id: int
    location: str
    latitude: float
    longitude: float
    radius_m: float
    text: str
    category: str
    sheriff_first: bool
    author: str
    created_at: dt.datetime
    starts_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None
    ended_by: str | None
    end_reason: str
    version: int

    def state(self, now: dt.datetime) -> str:
        """'active', 'upcoming', 'expired' (its expiry passed) or 'ended' (someone ended it early)."""
        if self.ended_at is not None and self.ended_at <= now:
            return "ended"
        if self.expires_at <= now:
            return "expired"
        if self.starts_at > now:
            return "upcoming"
        return "active"

    def is_active(self, now: dt.datetime) -> bool:
        return self.state(now) == "active"

    @property
    def category_label(self) -> str:
        return CAUTION_CATEGORIES.get(self.category, self.category)

    def headline(self, agency: str = "LASD") -> str:
        """'SAFETY · LASD FIRST: prior assault on staff' - how the caution reads in red."""
        first = f" · {agency.upper()} FIRST" if self.sheriff_first else ""
        return f"{self.category_label.upper()}{first}: {self.text}"


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier incident at or near a place."""

    incident_id: int
    number: str
    call_type: str
    call_type_label: str
    status: str
    location: str
    received_at: dt.datetime
    disposition_code: str | None
    disposition_label: str
    distance_m: float | None  # None: matched by the address as typed (no map point)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class LocationHistory:
    """What happened at a place: incidents within the pack's radius (or at the same address) since `since`.

    `entries` are open ones first, then newest first; `by_type` counts them per call type, most first.
    """

    location: str
    latitude: float | None
    longitude: float | None
    radius_m: float
    since: dt.datetime
    entries: tuple[HistoryEntry, ...]
    by_type: tuple[tuple[str, str, int], ...]  # (code, label, count)
    total: int = 0  # every incident counted, also past the full list's limit

    @property
    def truncated(self) -> bool:
        return self.total > len(self.entries)

    @property
    def open_count(self) -> int:
        return sum(1 for e in self.entries if e.is_open)

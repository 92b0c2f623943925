"""ORM models of the dispatch data (SQLAlchemy 2, typed). Times are UTC, timezone-aware."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC; SQLite drops the offset, so put it back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Counter(Base):
    """Named counters for readable numbers (incident numbers per year, citation numbers)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Shift(Base):
    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="active")  # planned, active, closed
    supervisor: Mapped[str] = mapped_column(String(80), default="")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    handoff_note: Mapped[str] = mapped_column(Text, default="")


class Officer(Base):
    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(primary_key=True)
    badge: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    skills: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_sign: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="off_duty")
    status_since: Mapped[dt.datetime]
    check_started_at: Mapped[dt.datetime | None]  # status-check timer restarts on acknowledge
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[dt.datetime | None]
    zone: Mapped[str | None] = mapped_column(String(20))
    on_shift: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class RosterEntry(Base):
    """Who works in which unit and zone during a shift."""

    __tablename__ = "roster"
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    zone: Mapped[str | None] = mapped_column(String(20))
    signed_on_at: Mapped[dt.datetime | None]
    signed_off_at: Mapped[dt.datetime | None]
    __table_args__ = (UniqueConstraint("shift_id", "officer_id"),)


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="call")  # call, self_initiated
    call_type: Mapped[str] = mapped_column(String(20))
    apco_code: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    location: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    zone: Mapped[str | None] = mapped_column(String(20))
    in_city: Mapped[bool | None] = mapped_column(Boolean)
    caller_name: Mapped[str] = mapped_column(String(120), default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="")
    narrative: Mapped[str] = mapped_column(Text, default="")
    screening: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response: Mapped[str] = mapped_column(String(16), default="cso")  # cso, joint, sheriff
    override_reason: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime]
    entered_at: Mapped[dt.datetime]
    dispatched_at: Mapped[dt.datetime | None]
    enroute_at: Mapped[dt.datetime | None]
    onscene_at: Mapped[dt.datetime | None]
    cleared_at: Mapped[dt.datetime | None]
    status_changed_at: Mapped[dt.datetime]
    disposition_code: Mapped[str | None] = mapped_column(String(8))
    disposition_note: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    created_by: Mapped[str] = mapped_column(String(80), default="")
    # Added by migration 0007: the agency that transferred the call in (NENA EIDO), for the queue's marker.
    transferred_from: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_incidents_status", "status"),
        Index("ix_incidents_received_at", "received_at"),
        Index("ix_incidents_cleared_at", "cleared_at"),
        # Added by migration 0012 (location history): incidents near a point over a time.
        Index(
            "ix_incidents_point",
            "latitude",
            "longitude",
            "received_at",
            postgresql_include=["id", "number", "call_type", "status", "location", "disposition_code"],
        ),
    )


# Added by migration 0012: incidents without a map point are found by their address as typed, any case.
Index("ix_incidents_location_lower", func.lower(Incident.location), Incident.latitude)


class IncidentEvent(Base):
    """Append-only incident timeline."""

    __tablename__ = "incident_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    author: Mapped[str] = mapped_column(String(80))
    workstation: Mapped[str] = mapped_column(String(80), default="")
    # Added by migration 0011: the row's place in the timeline's hash chain and its seal (data.audit_chain).
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    row_hash: Mapped[str | None] = mapped_column(String(64))


class AuditEntry(Base):
    """Append-only audit log: who did what, where, when, before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    workstation: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(20), default="")
    entity_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(12), default="ok")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # One random key per action (all its audit rows share it): a console asks which of its actions the server has.
    action_key: Mapped[str | None] = mapped_column(String(32), index=True)
    # Added by migration 0011: the row's place in the audit hash chain and its seal (data.audit_chain).
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    row_hash: Mapped[str | None] = mapped_column(String(64))


class ChainHead(Base):
    """The last number and seal of each hash chain (audit_log, incident_events), kept by whoever seals rows."""

    __tablename__ = "chain_heads"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))  # dispatcher, supervisor, admin
    # Deferred: on a dispatch centre's server a workstation's login may not read it (migration 0011).
    password_hash: Mapped[str | None] = mapped_column(String(200), deferred=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    # Added by migration 0003 (sign-in): when the lockout started and was released; failed attempts
    # before the release no longer count towards the next lockout.
    locked_at: Mapped[dt.datetime | None]
    unlocked_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """Every sign-in and screen-unlock attempt, for the lockout count (the audit log has the detail)."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime]
    workstation: Mapped[str] = mapped_column(String(80), default="")
    success: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)


class Citation(Base):
    __tablename__ = "citations"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    issued_at: Mapped[dt.datetime]
    violator_name: Mapped[str] = mapped_column(String(160))
    violator_key: Mapped[str] = mapped_column(String(200), index=True)  # normalised, for offense counts
    violator_dob: Mapped[str] = mapped_column(String(20), default="")
    violator_address: Mapped[str] = mapped_column(String(300), default="")
    violator_id_number: Mapped[str] = mapped_column(String(60), default="")
    location: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="issued")  # issued, void
    void_reason: Mapped[str] = mapped_column(Text, default="")
    voided_by: Mapped[str] = mapped_column(String(80), default="")
    voided_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CitationViolation(Base):
    __tablename__ = "citation_violations"
    id: Mapped[int] = mapped_column(primary_key=True)
    citation_id: Mapped[int] = mapped_column(ForeignKey("citations.id"), index=True)
    section: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    offense_number: Mapped[int] = mapped_column(Integer)
    fine_dollars: Mapped[int] = mapped_column(Integer)


class WelfareCheck(Base):
    __tablename__ = "welfare_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    recorded_at: Mapped[dt.datetime]
    subject_name: Mapped[str] = mapped_column(String(160), default="")
    subject_declined: Mapped[bool] = mapped_column(Boolean, default=False)
    approx_age: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    observations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    services_offered: Mapped[str] = mapped_column(Text, default="")
    services_accepted: Mapped[bool | None] = mapped_column(Boolean)
    escalation: Mapped[list[Any]] = mapped_column(default=list)
    follow_up_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_note: Mapped[str] = mapped_column(Text, default="")


class DirectoryAgency(Base):
    """Referral directory entry (agency, phone); seeded from the pack, editable by admins."""

    __tablename__ = "referral_directory"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    phone: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Referral(Base):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("referral_directory.id"))
    outcome: Mapped[str] = mapped_column(String(12))  # offered, accepted, declined
    follow_up_on: Mapped[dt.date | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    # Added by migration 0004 (supervisor tools): when the follow-up was done, and by whom.
    followed_up_at: Mapped[dt.datetime | None]
    followed_up_by: Mapped[str | None] = mapped_column(String(80))
    __table_args__ = (
        Index("ix_referrals_created_at", "created_at"),
        Index("ix_referrals_follow_up_on", "follow_up_on"),
    )


class ChangeLog(Base):
    """Outbox of committed changes, so consoles on other connections can follow without NOTIFY."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)


class EidoTransfer(Base):
    """A call another agency transferred in as NENA EIDO: who sent it and what of theirs is already taken."""

    __tablename__ = "eido_transfers"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    agency: Mapped[str] = mapped_column(String(300))  # their agency identifier, e.g. lasd.lacounty.gov
    agency_name: Mapped[str] = mapped_column(String(200), default="")
    issuing_element: Mapped[str] = mapped_column(String(300), default="")
    their_incident: Mapped[str] = mapped_column(String(300), default="")  # their incident tracking identifier
    received_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    # Keys of the timeline lines already taken, their last status, location and caller: an update adds only news.
    taken: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EidoIdentifier(Base):
    """Their incident and call identifiers: a later document naming any of them updates the same incident."""

    __tablename__ = "eido_identifiers"
    identifier: Mapped[str] = mapped_column(String(300), primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("eido_transfers.id"), index=True)


class EidoOutbox(Base):
    """An EIDO update owed to the agency that transferred the call, written in the action's own transaction.

    Published to the outbox folder in two steps (staged, then renamed into place), each committed, so a
    crash neither loses an update nor writes it twice (see docs/architecture.md).
    """

    __tablename__ = "eido_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("eido_transfers.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    created_at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)
    staged_in: Mapped[str | None] = mapped_column(Text)  # the outbox folder it was staged in
    written_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class Caution(Base):
    """A caution at a place (a point and a radius): shown in red wherever the place comes up, until it expires.

    Never deleted: one ended early keeps its row with who ended it and why, so the history stays.
    """

    __tablename__ = "cautions"
    id: Mapped[int] = mapped_column(primary_key=True)
    location: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(12))  # safety, access, medical, other
    sheriff_first: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime]
    starts_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(80))
    end_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("category IN ('safety', 'access', 'medical', 'other')", name="ck_cautions_category"),
        CheckConstraint("expires_at > starts_at", name="ck_cautions_expiry_after_start"),
        CheckConstraint("radius_m > 0 AND radius_m <= 1000", name="ck_cautions_radius"),
        CheckConstraint("length(text) > 0", name="ck_cautions_text"),
        Index("ix_cautions_latitude_longitude", "latitude", "longitude"),
        Index("ix_cautions_expires_at", "expires_at"),
    )


class IntakeDraft(Base):
    """A call being typed, saved as the dispatcher types (per user and workstation) until saved or discarded.

    Added by migration 0010: a call survives Escape, a closed window, a crash or a killed process.
    """

    __tablename__ = "intake_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)  # made by the form, so saves in flight share it
    username: Mapped[str] = mapped_column(String(80))
    workstation: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    __table_args__ = (Index("ix_intake_drafts_owner", "username", "workstation"),)


class PersonLink(Base):
    """A supervisor's correction of person matching (data.services.people), added by migration 0013.

    kind "merge": the person (name_key, dob) and (other_name_key, other_dob) are one person, so each one's
    earlier contacts include the other's. kind "split": the record (record_kind, record_id) is not the
    person (name_key, dob), though the name matches. An undone link keeps its row, with who ended it.
    Names are stored folded (data.services.person_names.normalise_name); an empty dob matches any.
    """

    __tablename__ = "person_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name_key: Mapped[str] = mapped_column(String(160), index=True)
    dob: Mapped[str] = mapped_column(String(20), default="")
    other_name_key: Mapped[str] = mapped_column(String(160), default="", index=True)
    other_dob: Mapped[str] = mapped_column(String(20), default="")
    record_kind: Mapped[str] = mapped_column(String(16), default="")
    record_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(80))
    __table_args__ = (
        CheckConstraint(
            "(kind = 'merge' AND length(other_name_key) > 0 AND record_id IS NULL) OR "
            "(kind = 'split' AND record_kind IN ('welfare_check', 'citation') AND record_id IS NOT NULL)",
            name="ck_person_links_shape",
        ),
        CheckConstraint("length(name_key) > 0 AND length(reason) > 0", name="ck_person_links_named"),
    )

"""The audit log and the timelines as hash chains: each row sealed over the previous row's seal and its own content.

A row's seal is sha256(previous seal | its number in the chain | its fields), every field written as
``length:text`` (or ``-`` for NULL), times as UTC ``YYYY-MM-DD HH:MM:SS.ffffff``, JSON as the text stored.
The table ``chain_heads`` keeps the last number and seal of each chain. On PostgreSQL the database seals
each row in a trigger (migration 0011), whoever inserts it; on SQLite the console seals the rows it
writes (``append``). ``verify`` recomputes every seal and names the first row that was altered, inserted
or deleted. The chain proves the rows were not changed one by one; someone who can rewrite every later
seal and the head as well (the database owner with the triggers off, or anyone with the SQLite file) is
caught only by a copy kept outside the database, such as the head ``audit verify`` prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, cast, insert, select, update
from sqlalchemy.orm import Session

from data.models import AuditEntry, ChainHead, IncidentEvent

if TYPE_CHECKING:
    from data.db import Database

GENESIS = "0" * 64
# The fields each chain seals, in order (the row id is not sealed: PostgreSQL hands out ids before the seal).
SEALED: dict[str, tuple[str, ...]] = {
    "audit_log": (
        "at",
        "username",
        "workstation",
        "action",
        "entity",
        "entity_id",
        "outcome",
        "before",
        "after",
        "action_key",
    ),
    "incident_events": ("incident_id", "at", "kind", "text", "unit_id", "author", "workstation"),
}
MODELS: dict[str, type[AuditEntry] | type[IncidentEvent]] = {
    "audit_log": AuditEntry,
    "incident_events": IncidentEvent,
}
JSON_FIELDS = frozenset({"before", "after"})


def field_text(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def seal(previous: str, seq: int, texts: Sequence[str | None]) -> str:
    """The seal of one row from its fields as text (the same formula as cso_seal() in migration 0011)."""
    body = "|".join(["-" if t is None else f"{len(t)}:{t}" for t in texts])
    return hashlib.sha256(f"{previous}|{seq}|{body}".encode("utf-8", "surrogatepass")).hexdigest()


def _json_writers(session: Session, table: str) -> dict[str, Any]:
    """How each JSON column turns a value into the text it holds (its own bind processing: the seal matches the file)."""
    dialect = session.get_bind().dialect
    columns = MODELS[table].__table__.c
    writers = {}
    for name in JSON_FIELDS & set(SEALED[table]):
        processor = columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        writers[name] = processor or (lambda value: value)
    return writers


def append(session: Session, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows into a chained table inside the caller's transaction.

    PostgreSQL seals them itself (its trigger ignores what a client sends); on SQLite they are sealed
    here, after the head row that the writer's lock (BEGIN IMMEDIATE) already keeps to this transaction.
    """
    if not rows:
        return
    model = MODELS[table]
    if session.get_bind().dialect.name != "sqlite":
        session.execute(insert(model), list(rows))
        return
    head = session.execute(select(ChainHead).where(ChainHead.name == table)).scalar_one()
    seq, previous = head.seq, head.hash
    sealed = []
    writers = _json_writers(session, table)
    for row in rows:
        seq += 1
        texts = []
        for name in SEALED[table]:
            value = row.get(name)
            texts.append(writers[name](value) if name in writers else field_text(value))
        previous = seal(previous, seq, texts)
        sealed.append({**row, "chain_seq": seq, "row_hash": previous})
    session.execute(insert(model), sealed)
    session.execute(update(ChainHead).where(ChainHead.name == table).values(seq=seq, hash=previous))


# Verification ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Break:
    """One place where the chain does not hold."""

    kind: str  # altered, inserted, missing, unsealed
    row_id: int | None
    seq: int | None
    message: str


@dataclass
class ChainReport:
    table: str
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks

    @property
    def first(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


ROW_NAMES = {"audit_log": "audit row", "incident_events": "timeline event"}


def verify_table(session: Session, table: str, *, batch: int = 5000) -> ChainReport:
    """Recompute the chain of one table; every break found, the first first."""
    model = MODELS[table]
    columns = [
        cast(getattr(model, name), Text).label(name) if name in JSON_FIELDS else getattr(model, name)
        for name in SEALED[table]
    ]
    query = (
        select(model.id, model.chain_seq, model.row_hash, *columns)
        .order_by(model.chain_seq.is_(None), model.chain_seq, model.id)
        .execution_options(stream_results=True, yield_per=batch)
    )
    head = session.execute(select(ChainHead).where(ChainHead.name == table)).scalar_one_or_none()
    report = ChainReport(table)
    noun = ROW_NAMES[table]
    previous, expected = GENESIS, 1
    last_hash, last_seq = GENESIS, 0
    for row in session.connection().execute(query):
        report.rows += 1
        row_id, seq, stored = row[0], row[1], row[2]
        texts = [field_text(v) for v in row[3:]]
        if seq is None or stored is None:
            report.breaks.append(
                Break(
                    "unsealed",
                    row_id,
                    None,
                    f"{noun} id {row_id} has no seal: it was inserted past the database's seal",
                )
            )
            continue
        if seq < expected:
            report.breaks.append(
                Break("inserted", row_id, seq, f"{noun} id {row_id} repeats seal number {seq}: it was inserted")
            )
            continue
        if seq > expected:
            gone = f"number {expected}" if seq == expected + 1 else f"numbers {expected} to {seq - 1}"
            report.breaks.append(
                Break("missing", row_id, seq, f"{noun}s with seal {gone} are missing (deleted) before id {row_id}")
            )
        elif seal(previous, seq, texts) != stored:
            report.breaks.append(
                Break(
                    "altered", row_id, seq, f"{noun} id {row_id} (seal number {seq}) was altered after it was written"
                )
            )
        previous, expected = stored, seq + 1
        last_hash, last_seq = stored, seq
    if head is None:
        report.breaks.append(Break("missing", None, None, f"the head of the {table} chain is missing"))
        return report
    report.head_seq, report.head_hash = head.seq, head.hash
    if head.seq > last_seq:
        gone = f"number {head.seq}" if head.seq == last_seq + 1 else f"numbers {last_seq + 1} to {head.seq}"
        report.breaks.append(
            Break("missing", None, last_seq + 1, f"the newest {noun}s, seal {gone}, are missing (deleted)")
        )
    elif head.seq < last_seq or head.hash != last_hash:
        report.breaks.append(
            Break(
                "inserted",
                None,
                last_seq,
                f"the last {noun} (seal number {last_seq}) is not the one the chain's head recorded",
            )
        )
    return report


def verify(session: Session, tables: Iterable[str] = tuple(SEALED)) -> list[ChainReport]:
    return [verify_table(session, table) for table in tables]


def describe(report: ChainReport) -> str:
    if report.intact:
        return f"{report.table}: {report.rows} rows, chain intact; head {report.head_seq} {report.head_hash}"
    first = report.first
    assert first is not None
    more = f" (and {len(report.breaks) - 1} more breaks)" if len(report.breaks) > 1 else ""
    return f"{report.table}: BROKEN at {first.message}{more}"


def broken_chains(db: Database) -> list[str]:
    """The check the console runs at start for supervisors: one line per chain that does not verify."""
    with db.read() as session:
        return [describe(report) for report in verify(session) if not report.intact]

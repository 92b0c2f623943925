"""Reading the audit log as a supervisor filters it, and writing it to CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from data import services
from data.db import Database
from data.permissions import Actor
from data.records import AuditRecord

COLUMNS = (
    "id",
    "at_utc",
    "at_local",
    "username",
    "workstation",
    "action",
    "entity",
    "entity_id",
    "outcome",
    "before",
    "after",
)
# A cell starting with one of these runs as a formula in common spreadsheets; user names typed at a
# failed sign-in and incident text end up here, so such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _json(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def timestamp(moment: dt.datetime) -> str:
    """ISO 8601 to the millisecond with its offset (CJIS asks for 1/100 s with UTC or an offset)."""
    return moment.isoformat(timespec="milliseconds")


def audit_rows(records: Iterable[AuditRecord], timezone: str) -> list[list[str]]:
    tz = ZoneInfo(timezone)
    rows = []
    for r in records:
        rows.append(
            [
                str(r.id),
                timestamp(r.at.astimezone(dt.UTC)),
                timestamp(r.at.astimezone(tz)),
                _cell(r.username),
                _cell(r.workstation),
                _cell(r.action),
                _cell(r.entity),
                "" if r.entity_id is None else str(r.entity_id),
                _cell(r.outcome),
                _cell(_json(r.before)),
                _cell(_json(r.after)),
            ]
        )
    return rows


def write_audit_csv(records: Iterable[AuditRecord], path: Path | str, *, timezone: str) -> int:
    """Write the records (newest first, as given) to a UTF-8 CSV file; returns the row count."""
    rows = audit_rows(records, timezone)
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)


def export_audit(
    db: Database,
    actor: Actor,
    path: Path | str,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    username: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    incident_id: int | None = None,
) -> int:
    """Read the audit log (audited, needs read_audit) and write it to a CSV file."""
    records = services.audit_entries(
        db,
        actor,
        since=since,
        until=until,
        username=username,
        action=action,
        outcome=outcome,
        incident_id=incident_id,
        limit=None,
        purpose=f"export to {Path(path).name}",
    )
    return write_audit_csv(records, path, timezone=db.pack.timezone)


@dataclass(frozen=True)
class AuditFilters:
    """What the audit viewer's filter bar holds; empty strings mean "any"."""

    username: str = ""
    action: str = ""
    outcome: str = ""
    incident: str = ""  # an incident number, full or its last digits
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def query(self, db: Database) -> dict[str, Any]:
        """Keyword arguments for services.audit_entries and export_audit (resolves the incident number)."""
        incident_id = services.find_incident(db, self.incident).id if self.incident.strip() else None
        return {
            "username": self.username or None,
            "action": self.action or None,
            "outcome": self.outcome or None,
            "incident_id": incident_id,
            "since": self.since,
            "until": self.until,
        }


def read_audit(db: Database, actor: Actor, filters: AuditFilters, *, limit: int) -> list[AuditRecord]:
    """The newest entries matching the filters (the read is itself audited; needs read_audit)."""
    return services.audit_entries(db, actor, limit=limit, **filters.query(db))


def export_filtered(db: Database, actor: Actor, filters: AuditFilters, path: Path | str) -> int:
    """export_audit with the viewer's filters."""
    return export_audit(db, actor, path, **filters.query(db))

"""What this console told its dispatcher was saved, so a resync can show what the server no longer has.

Every action writes its audit rows with one random ``action_key``. The ledger keeps the key and a
short description of each acknowledged action (and of each one committed on the primary alone)
for a while; after a reconnect the console asks the server which keys it has. A key the server
lacks is an action that was lost (a failover to a standby that had not received it): it is shown
to the supervisor and audited instead of vanishing from the board.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry

KEEP = dt.timedelta(hours=2)
LIMIT = 20_000

ACTION_LABELS = {
    "create_incident": "created",
    "dispatch_units": "units dispatched",
    "clear_incident": "cleared",
    "cancel_incident": "cancelled",
    "add_note": "note added",
    "update_incident": "edited",
}


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    at: dt.datetime
    action: str
    entity: str
    entity_id: int | None
    number: str | None = None  # the incident's number when the action concerns an incident
    confirmed: bool = True  # False: committed on the primary alone, never acknowledged as saved

    def describe(self, tz: dt.tzinfo | str) -> str:
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        when = self.at.astimezone(zone).strftime("%H:%M:%S")
        what = ACTION_LABELS.get(self.action, self.action.replace("_", " "))
        subject = self.number or (f"{self.entity} {self.entity_id}" if self.entity_id is not None else self.entity)
        text = f"{subject} {what} at {when}"
        return text if self.confirmed else f"{text} (saved on the primary only)"


class ActionLedger:
    """Acknowledged actions of one console, newest last; thread-safe (actions commit on worker threads)."""

    def __init__(self, keep: dt.timedelta = KEEP, limit: int = LIMIT) -> None:
        self.keep = keep
        self.limit = limit
        self._entries: OrderedDict[str, LedgerEntry] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, entry: LedgerEntry) -> None:
        with self._lock:
            self._entries[entry.key] = entry
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)
            oldest = entry.at - self.keep
            while self._entries and next(iter(self._entries.values())).at < oldest:
                self._entries.popitem(last=False)

    def entries(self) -> list[LedgerEntry]:
        with self._lock:
            return list(self._entries.values())

    def forget(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def keys_on_server(session: Session, keys: list[str]) -> set[str]:
    """Which of ``keys`` the server's audit log holds."""
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        found.update(
            k
            for (k,) in session.execute(select(AuditEntry.action_key).where(AuditEntry.action_key.in_(chunk))).all()
            if k is not None
        )
    return found

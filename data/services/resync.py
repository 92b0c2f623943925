"""After a reconnect: reload the board and find what this console had acknowledged that the server lacks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from data.db import Database
from data.ledger import LedgerEntry, keys_on_server
from data.models import Incident
from data.permissions import Actor
from data.records import Board
from data.services._work import work
from data.services.queries import load_board


@dataclass(frozen=True)
class Resync:
    board: Board
    lost: tuple[LedgerEntry, ...]  # acknowledged here (or shown on the board), missing on the server


def resync(db: Database, shown: dict[int, LedgerEntry]) -> Resync:
    """The board as the server has it, and the actions it no longer has.

    ``shown``: incidents the console's board showed (id → how it was created), so an incident
    another position created and the server lost is reported too. The lost actions are taken out of
    the ledger: they are reported once.
    """
    board = load_board(db)
    entries = db.ledger.entries()
    with db.read() as session:
        present = keys_on_server(session, [e.key for e in entries])
        ids = sorted(shown)
        numbers: dict[int, str] = {}
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            numbers.update(
                (i, n) for i, n in session.execute(select(Incident.id, Incident.number).where(Incident.id.in_(chunk)))
            )
    lost = [e for e in entries if e.key not in present]
    db.ledger.forget(e.key for e in lost)
    reported = {(e.entity, e.entity_id) for e in lost if e.action == "create_incident"}
    for incident_id in ids:
        entry = shown[incident_id]
        if numbers.get(incident_id) != entry.number and ("incident", incident_id) not in reported:
            lost.append(entry)  # gone, or its id now belongs to another incident
    lost.sort(key=lambda e: e.at)
    return Resync(board, tuple(lost))


def record_lost_actions(db: Database, actor: Actor, lost: list[LedgerEntry]) -> int:
    """One audit row per lost action (outcome "lost"), for the supervisor; returns how many."""
    with work(db, actor) as w:
        for entry in lost:
            w.audit(
                "action_lost",
                entry.entity,
                entry.entity_id,
                None,
                {
                    "action": entry.action,
                    "number": entry.number,
                    "at": entry.at,
                    "action_key": entry.key or None,
                    "saved_on_primary_only": not entry.confirmed,
                },
                outcome="lost",
            )
        if not lost:
            w.audit("action_lost", "", None, None, {"count": 0}, outcome="ok")
    return len(lost)

"""Answering the agency that transferred a call: an EIDO update for each action on it, durably delivered.

Queueing: every action on a transferred incident (dispatch, unit status, edit, note, clear…) adds an
`eido_outbox` row holding the finished document, in the action's own transaction (`data.services._work`
calls `queue_answers`): the update exists exactly when the action committed.

Publishing (`drain_outbox`), in two committed steps per row, so a crash at any point neither loses an
update nor writes it twice:
1. stage: write the file into `<outbox>/.staging/` (temporary name, fsync, rename) and commit
   `staged_in`;
2. publish: rename it from `.staging/` into the outbox folder (atomic, the one moment the other agency
   can see it) and commit `written_at`.
After a crash, a row staged but not written is published if its staged file is still there; if it is not,
the rename already happened before the crash and only the commit is repeated. The row lock (BEGIN
IMMEDIATE on SQLite, FOR UPDATE SKIP LOCKED on PostgreSQL) keeps two consoles from publishing one row twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from data.db import Database
from data.eido import build_eido, validation_errors
from data.models import EidoIdentifier, EidoOutbox, EidoTransfer
from data.pack import Pack
from data.services._work import Work
from data.services.incident_paperwork import IncidentPaperwork, read_incident_paperwork

log = logging.getLogger(__name__)

STAGING = ".staging"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def answer_document(
    paperwork: IncidentPaperwork, link: EidoTransfer, their_calls: list[str], pack: Pack, *, now: dt.datetime
) -> dict[str, Any]:
    """Our EIDO of the incident, linked to the sender's incident and naming the sender's agency and calls."""
    document = build_eido(paperwork, pack, now=now)
    agency = str(pack.city.get("agency_id") or "cso.invalid")
    number = paperwork.incident.number
    stamp = document["lastUpdateTimeStamp"]
    prologue = {"lastUpdateTimeStamp": stamp, "updatedByAgencyReference": {"$ref": agency}}
    if link.their_incident:
        document["linkComponent"] = [
            {
                "$id": f"urn:emergency:uid:linkid:{number}.transfer:{agency}",
                **prologue,
                "incidentTrackingIdentifier": link.their_incident,
                "linkDirectionCode": "RELATED",
                "transactionReasonText": f"Call transferred from {link.agency_name or link.agency} to {agency}",
                "involvedAgencyReference": {"$ref": link.agency},
            }
        ]
    document["agencyComponent"].append(
        {
            "$id": link.agency,
            **prologue,
            "agencyRoleDescriptionRegistryText": ["CallReceiving"],
            "agencyType": ["psap"],
            "incidentOwningAgencyIndicator": False,
        }
    )
    if their_calls:
        document["callComponent"][0]["relatedCallIdentifier"] = their_calls
    return document


def _their_calls(w: Work, link: EidoTransfer) -> list[str]:
    idents = w.session.execute(select(EidoIdentifier.identifier).where(EidoIdentifier.transfer_id == link.id))
    return sorted(i for i in idents.scalars() if i != link.their_incident)


def queue_answers(w: Work) -> None:
    """Queue an EIDO update for each transferred incident this action changed or added a note to."""
    touched = {c.id for c in w.changes if c.kind == "incident"} | {
        e["incident_id"] for e in w.events if e["kind"] == "note"
    }
    if not touched:
        return
    links = w.session.execute(select(EidoTransfer).where(EidoTransfer.incident_id.in_(touched))).scalars().all()
    action = str(w.audits[0]["action"]) if w.audits else "update"
    for link in links:
        paperwork = read_incident_paperwork(w.session, w.db.pack, link.incident_id)
        document = answer_document(paperwork, link, _their_calls(w, link), w.db.pack, now=w.now)
        row = EidoOutbox(
            transfer_id=link.id,
            incident_id=link.incident_id,
            created_at=w.now,
            action=action[:40],
            file_name="",
            document=json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        )
        w.session.add(row)
        w.session.flush()
        row.file_name = f"eido-{_safe(paperwork.incident.number)}-{row.id:06d}-{_safe(action)}.json"
        w.changed("eido_outbox", row.id)


# --- publishing --------------------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_staged(path: Path, text: str) -> None:
    """Write the whole file under a temporary name, flush it to disk, then give it its name."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, path)
    _fsync_folder(path.parent)


def _locked(db: Database) -> dict[str, bool] | None:
    # A row another console is publishing is skipped on PostgreSQL; SQLite's writer lock already serialises.
    return {"skip_locked": True} if db.dialect == "postgresql" else None


def pending_answers(db: Database, folder: Path) -> list[int]:
    """Outbox rows this folder should publish: never staged, or staged here and not yet written."""
    with db.read() as s:
        query = (
            select(EidoOutbox.id)
            .where(EidoOutbox.written_at.is_(None))
            .where(or_(EidoOutbox.staged_in.is_(None), EidoOutbox.staged_in == str(folder)))
            .order_by(EidoOutbox.id)
        )
        return list(s.execute(query).scalars())


def drain_outbox(db: Database, folder: Path) -> list[Path]:
    """Publish every pending EIDO update into `folder`; returns the files written now, oldest first."""
    folder = folder.resolve()
    staging = folder / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    written = []
    for ident in pending_answers(db, folder):
        name = _stage(db, ident, folder, staging)
        path = _release(db, ident, folder, staging) if name is not None else None
        if path is not None:
            written.append(path)
    return written


def _stage(db: Database, ident: int, folder: Path, staging: Path) -> str | None:
    """Step 1: the file staged where the other agency does not look, and that fact committed."""
    with db.writer() as s, s.begin():
        row = s.get(EidoOutbox, ident, with_for_update=_locked(db))
        if row is None or row.written_at is not None:
            return None
        if row.staged_in is None:
            problems = validation_errors(json.loads(row.document))
            if problems:  # a bug in the export, never the sender's fault: kept, logged, not sent
                log.error("EIDO update %s is not valid and was not written: %s", row.file_name, problems[0])
                return None
            _write_staged(staging / row.file_name, row.document)
            row.staged_in = str(folder)
        elif row.staged_in != str(folder):
            return None
        return row.file_name


def _release(db: Database, ident: int, folder: Path, staging: Path) -> Path | None:
    """Step 2: renamed into the outbox (the other agency sees the whole file at once), and that committed."""
    with db.writer() as s, s.begin():
        row = s.get(EidoOutbox, ident, with_for_update=_locked(db))
        if row is None or row.written_at is not None or row.staged_in != str(folder):
            return None
        staged = staging / row.file_name
        if staged.exists():
            os.replace(staged, folder / row.file_name)
            _fsync_folder(folder)
        # else: renamed by a run that stopped before this commit; the file is already out.
        row.written_at = db.clock()
        return folder / row.file_name

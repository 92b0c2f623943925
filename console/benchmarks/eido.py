"""Transfer figures: importing NENA's call-transfer sample, a document at the size limit, /dev/zero refused,
and the cost an EIDO answer adds to an action on a transferred call (SQLite, synchronous=FULL)."""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from data import eido_reader, services
from data.db import Database
from data.errors import ValidationError
from data.permissions import Actor
from data.services import answer_back, transfers

ROUNDS = 15
ACTOR = Actor("bench.dispatcher", workstation="bench")


def sample() -> dict[str, Any]:
    path = Path(str(resources.files("resources") / "standards" / "eido_sample_call_transfer.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def variant(n: int) -> dict[str, Any]:
    """The sample as call number n: its own incident and call identifiers, so each import creates."""
    document = sample()
    document["$id"] = f"urn:emergency:uid:incidentid:bench{n}:lasd.example"
    document["callComponent"][0]["$id"] = f"urn:emergency:uid:callid:bench{n}:lasd.example"
    return document


def at_the_limit() -> bytes:
    """A valid document just under the 2 MiB limit: 500 notes of about 4 KB."""
    document = variant(10**6)
    body = "Caller describes the situation at length. " * 95
    document["notesComponent"] = [
        {
            "$id": f"note-{i}",
            "lastUpdateTimeStamp": "2021-04-30T14:42:30.0-04:00",
            "updatedByAgencyReference": {"$ref": "state.pa.us"},
            "notesActionComments": body,
        }
        for i in range(500)
    ]
    raw = json.dumps(document).encode("utf-8")
    assert len(raw) <= eido_reader.MAX_DOCUMENT_BYTES, len(raw)
    return raw


def _median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 2)


def run(args: argparse.Namespace | None = None, *, rounds: int = ROUNDS) -> dict[str, Any]:
    rounds = int(getattr(args, "rounds", None) or rounds)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'eido.sqlite3'}")
        raws = [json.dumps(variant(n)).encode("utf-8") for n in range(rounds)]
        created = []
        t_import = []
        for raw in raws:
            t0 = time.perf_counter()
            created.append(transfers.import_eido_bytes(db, ACTOR, raw).incident)
            t_import.append(time.perf_counter() - t0)
        t_repeat = []
        for raw in raws:
            t0 = time.perf_counter()
            assert transfers.import_eido_bytes(db, ACTOR, raw).outcome == "unchanged"
            t_repeat.append(time.perf_counter() - t0)
        big = at_the_limit()
        t0 = time.perf_counter()
        transfers.import_eido_bytes(db, ACTOR, big)
        limit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with contextlib.suppress(ValidationError):
            eido_reader.read_file(Path("/dev/zero"))
        zero_ms = (time.perf_counter() - t0) * 1000
        # A note on a transferred call (its answer built in the same transaction) and on one of ours.
        ours = [services.create_incident(db, ACTOR, call_type="NOISE", location="Plummer Park") for _ in range(rounds)]
        t_note_transferred, t_note_ours = [], []
        for theirs, mine in zip(created, ours, strict=True):
            t0 = time.perf_counter()
            services.add_note(db, ACTOR, theirs.id, "Called the caller back")
            t_note_transferred.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            services.add_note(db, ACTOR, mine.id, "Called the caller back")
            t_note_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        written = answer_back.drain_outbox(db, Path(tmp) / "outbox")
        drain_s = time.perf_counter() - t0
        db.dispose()
    return {
        "import_sample_ms_median": _median_ms(t_import),
        "import_repeat_ms_median": _median_ms(t_repeat),
        "import_2mib_s": round(limit_s, 3),
        "refuse_dev_zero_ms": round(zero_ms, 2),
        "note_transferred_ms_median": _median_ms(t_note_transferred),
        "note_ours_ms_median": _median_ms(t_note_ours),
        "publish_update_ms": round(drain_s * 1000 / max(1, len(written)), 2),
        "rounds": rounds,
        "document_2mib_bytes": len(big),
    }

"""`cso-console import eido FILE`: NENA's sample once, then nothing; hostile files refused with one line and exit 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from data import eido, services
from data.db import Database
from data.permissions import Actor
from tests.data.eido_documents import SAMPLE, row_counts, sample, to_bytes, with_notes


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def db_file(tmp_path) -> Path:
    path = tmp_path / "cso.sqlite3"
    Database(str(path)).dispose()
    return path


def counts(path: Path) -> dict:
    db = Database(str(path))
    try:
        return row_counts(db)
    finally:
        db.dispose()


def test_the_sample_is_imported_once_then_nothing_changes(db_file):
    first = cli("import", "eido", str(SAMPLE), "--db", str(db_file))
    assert first.returncode == 0, first.stderr
    number = first.stdout.split()[0]
    assert first.stdout == (
        f"{number} transferred from state.pa.us: Assist LASD or Fire at 42 W Cellular Street, Wilmington, DE "
        "(outside the city); pending\n"
    )
    before = counts(db_file)
    again = cli("import", "eido", str(SAMPLE), "--db", str(db_file))
    assert (again.returncode, again.stdout) == (
        0,
        f"Already imported as {number} (transferred from state.pa.us); nothing changed.\n",
    )
    assert counts(db_file) == before
    db = Database(str(db_file))
    stored = services.find_incident(db, number)
    db.dispose()
    assert (stored.status, stored.in_city, stored.caller_phone) == ("pending", False, "819-555-1212")


def test_a_point_in_the_city_gets_its_zone_from_the_map(db_file, tmp_path):
    from tests.data.eido_documents import point_pidf, with_location_value

    path = tmp_path / "point.json"
    path.write_bytes(to_bytes(with_location_value(sample(), point_pidf(34.0905, -118.3707))))
    done = cli("import", "eido", str(path), "--db", str(db_file))
    assert done.returncode == 0, done.stderr
    db = Database(str(db_file))
    stored = services.find_incident(db, done.stdout.split()[0])
    db.dispose()
    assert (stored.in_city, stored.zone) == (True, "0976")
    assert stored.location == "8312 Santa Monica Blvd"  # the nearest address on our map


HOSTILE = {
    "nul.json": to_bytes(
        with_notes(
            sample(),
            ("n1", "2021-04-30T14:42:30-04:00", "first"),
            ("n2", "2021-04-30T14:42:40-04:00", "last \x00 note"),
        )
    ),
    "surrogate.json": to_bytes(sample()).replace(b'"Caller"', b'"Caller\\udc80"', 1),
    "year-9999.json": to_bytes(sample()).replace(b"2021-04-30T14:42:00.0-04:00", b"9999-12-31T23:59:59-05:00", 1),
    "latin-1.json": '{"note": "Stra\u00dfe"}'.encode("latin-1"),
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "xxe.json": to_bytes(sample()).replace(
        b'<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?> <presence',
        b'<?xml version=\\"1.0\\"?><!DOCTYPE presence [<!ENTITY x SYSTEM \\"file:///etc/passwd\\">]> <presence',
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_exits_2_with_one_line_and_writes_nothing(db_file, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    before = counts(db_file)
    done = cli("import", "eido", str(path), "--db", str(db_file))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"cso-console import eido: {path}: ")
    assert "Traceback" not in done.stderr
    assert counts(db_file) == before


def test_dev_zero_and_a_missing_file_are_refused_without_reading_them_all(db_file, tmp_path):
    zero = cli("import", "eido", "/dev/zero", "--db", str(db_file))
    assert (zero.returncode, zero.stderr) == (
        2,
        "cso-console import eido: /dev/zero: The document is larger than the 2 MiB limit; refused unread.\n",
    )
    missing = cli("import", "eido", str(tmp_path / "nope.json"), "--db", str(db_file))
    assert missing.returncode == 2
    assert (
        missing.stderr == f"cso-console import eido: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"
    )


def test_inbox_and_outbox_from_the_command_line(db_file, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / "lasd.json")
    import os

    os.utime(inbox / "lasd.json", (0, 0))  # long settled
    done = cli("import", "eido", "--inbox", str(inbox), "--db", str(db_file))
    assert done.returncode == 0, done.stderr
    assert (inbox / "done" / "lasd.json").exists()
    number = done.stdout.split()[0]
    db = Database(str(db_file))
    incident = services.find_incident(db, number)
    services.add_note(db, Actor("d1", workstation="ws"), incident.id, "Called the caller back")
    db.dispose()
    outbox = tmp_path / "outbox"
    written = cli("export", "eido", "--outbox", str(outbox), "--db", str(db_file))
    assert written.returncode == 0, written.stderr
    path = Path(written.stdout.strip())
    assert path.parent == outbox.resolve()
    assert eido.validation_errors(json.loads(path.read_text(encoding="utf-8"))) == []
    assert cli("export", "eido", "--outbox", str(outbox), "--db", str(db_file)).stdout == ""

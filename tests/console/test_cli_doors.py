"""Every command-line door: bad input ends in one line and status 2, never a traceback; reads never create a
database; the SQLite file and its folder are private."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from data import db as db_module
from data.db import Database
from data.permissions import Actor
from tests.data.helpers import welfare_call

A = Actor("dispatcher1", role="dispatcher", workstation="ws-1")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def filled(tmp_path) -> Path:
    path = tmp_path / "cso.sqlite3"
    db = Database(f"sqlite:///{path}")
    welfare_call(db, A)
    db.dispose()
    return path


BAD_URLS = [
    "mysql://someone@db/cso",
    "postgresql+nosuchdriver://x@y/z",
    "postgresql+psycopg://u@no-such-host.invalid/cso",
    "postgresql+psycopg://u@127.0.0.1:99999/cso",
    "postgresql+psycopg://u@127.0.0.1:1/cso",
    "postgresql+psycopg://u:p@[::1/cso",
    "sqlite:////no/such/folder/cso.sqlite3",
    "://",
    "postgresql+psycopg://",
    "oracle+cx_oracle://x@y/z",
    "/no/such/folder/cso.sqlite3",
    "sqlite:///" + "x" * 5000,
    "postgresql+psycopg://u@127.0.0.1/cso?sslmode=sometimes",
    "\x00",
]


@pytest.mark.parametrize("url", BAD_URLS, ids=range(len(BAD_URLS)))
def test_a_bad_database_url_is_one_line_and_status_2(url, capsys):
    assert main(["users", "list", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_reading_commands_never_create_a_database(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite3"
    for argv in (
        ["users", "list"],
        ["audit", "verify"],
        ["audit", "export", "--out", str(tmp_path / "a.csv")],
        ["print", "shift-report", "--shift", "current", "--out", str(tmp_path / "r.pdf")],
        ["export", "eido", "1", "--out", str(tmp_path / "e.json")],
    ):
        assert main([*argv, "--db", str(missing)]) == 2, argv
        err = capsys.readouterr().err
        assert "No database at" in err and "nothing was created" in err and "Traceback" not in err
        assert not missing.exists()


def test_a_damaged_sqlite_file_is_one_line_and_left_alone(tmp_path, capsys):
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database, it was overwritten by mistake\n" * 200)
    os.chmod(damaged, 0o600)
    before = digest(damaged)
    for argv in (["users", "list"], ["audit", "verify"], ["migrate"], ["seed-demo"]):
        assert main([*argv, "--db", str(damaged)]) == 2, argv
        err = capsys.readouterr().err
        assert "the database cannot be used: file is not a database" in err and "Traceback" not in err
    assert digest(damaged) == before


def test_an_enormous_shift_number_is_refused_and_changes_nothing(filled, tmp_path, capsys):
    before = digest(filled)
    assert (
        main(["print", "shift-report", "--shift", "9" * 23, "--db", str(filled), "--out", str(tmp_path / "r.pdf")]) == 2
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.pdf").exists()
    assert digest(filled) == before


def test_details_come_with_v(tmp_path, capsys):
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"x" * 4096)
    assert main(["users", "list", "-v", "--db", str(damaged)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_the_installed_command_prints_no_traceback(tmp_path):
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"x" * 4096)
    damaged.chmod(0o600)
    done = subprocess.run(
        [sys.executable, "-m", "console", "users", "list", "--db", str(damaged)], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "cso-console: the database cannot be used: file is not a database"


# Private files ---------------------------------------------------------------------------------
def test_a_new_database_and_its_wal_and_shm_files_are_private(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "umask", os.umask)  # restored: the test changes the process umask
    old = os.umask(0o022)
    try:
        path = tmp_path / "new.sqlite3"
        db = Database(f"sqlite:///{path}")
        welfare_call(db, A)
        with db.read():
            for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                assert name.exists() and mode(name) == 0o600, name
        db.dispose()
    finally:
        os.umask(old)


def test_the_default_folder_is_private(tmp_path, monkeypatch):
    folder = tmp_path / "share" / "cso-console"
    monkeypatch.delenv(db_module.ENV_URL, raising=False)
    monkeypatch.setattr(db_module, "default_database_path", lambda: folder / "cso-console.sqlite3")
    url = db_module.resolve_url(None)
    assert mode(folder) == 0o700
    folder.chmod(0o755)  # opened up by someone: put back
    assert db_module.resolve_url(None) == url and mode(folder) == 0o700


def test_an_existing_database_readable_by_others_is_warned_about_with_the_fix(filled, caplog):
    filled.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="data.db"):
        Database(f"sqlite:///{filled}").dispose()
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "can be read by other users" in warning and f"chmod 600 {filled}" in warning

"""Opening a database skips Alembic only when the schema is already current; anything older is upgraded."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from data.db import Database, _alembic_config, migration_head


def test_the_head_read_from_the_files_is_alembics_head():
    assert migration_head() == ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _revision(db: Database) -> str:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()


@pytest.mark.parametrize("older", ["0001", "0004"])
def test_an_older_schema_is_upgraded_when_opened(tmp_path, older):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, older)
    assert _revision(db) == older
    assert not inspect(db.engine).has_table("eido_transfers")  # added by 0007
    db.dispose()

    reopened = Database(url)  # as the console opens it at start
    try:
        assert _revision(reopened) == migration_head()
        assert inspect(reopened.engine).has_table("eido_transfers")
    finally:
        reopened.dispose()


def test_an_empty_file_gets_the_whole_schema(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert _revision(db) == migration_head()
        assert db.has_schema()
    finally:
        db.dispose()


def test_a_current_schema_opens_without_loading_alembic(tmp_path):
    path = tmp_path / "current.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    probe = (
        "import sys; from data.db import Database; "
        f"Database({f'sqlite:///{path}'!r}).dispose(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"


@pytest.mark.postgres
def test_an_older_postgresql_schema_is_upgraded_when_opened(pg_url):
    db = Database(pg_url)
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    db.dispose()
    reopened = Database(pg_url)
    try:
        assert _revision(reopened) == migration_head()
        assert inspect(reopened.engine).has_table("eido_transfers")
    finally:
        reopened.dispose()

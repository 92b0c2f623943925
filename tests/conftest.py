"""Shared fixtures. Qt runs offscreen; QtWebEngine needs no sandbox when tests run as root."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
os.environ.setdefault("QT_OPENGL", "software")

import datetime as dt
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data.clock import ManualClock
from data.db import Database
from data.permissions import Actor

PG_ADMIN_URL = os.environ.get("CSO_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC))


@pytest.fixture
def dispatcher() -> Actor:
    return Actor("dispatcher1", role="dispatcher", workstation="ws-1")


@pytest.fixture
def supervisor() -> Actor:
    return Actor("supervisor1", role="supervisor", workstation="ws-sup")


def terminate_connections(url: str) -> int:
    """Cut every connection to the database at url from the server side, as a lost network would; how many."""
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": make_url(url).database},
            ).all()
    finally:
        engine.dispose()
    return len(rows)


def postgres_available() -> bool:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect():
            pass
        eng.dispose()
        return True
    except Exception:
        return False


def _migrations_digest() -> str:
    """A short hash of the schema's migrations: a new migration makes a new template database."""
    import hashlib
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "data" / "migrations"
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def migrated_template(admin) -> str:
    """A database with the current schema, kept as a template so each test copies it in a fraction of a second.

    Several test runs may race to build it: the first creates it, migrates it and then marks it a template
    that accepts no connections; the others wait for that mark.
    """
    import time

    name = f"cso_template_{_migrations_digest()}"
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists is None:
            try:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception:
                exists = True  # another run created it first
    if exists is None:
        db = Database(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'))
        return name
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with admin.connect() as conn:
            ready = conn.execute(text("SELECT datistemplate FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if ready:
            return name
        time.sleep(0.2)
    raise RuntimeError(f"template database {name} was not ready within 120 s")


def _scratch_database(*, migrated: bool) -> Iterator[str]:
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 (CI must start it)")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    name = f"cso_test_{uuid.uuid4().hex[:10]}"
    # pre-ping: a test may restart the server, which kills this engine's pooled connection.
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    template = f' TEMPLATE "{migrated_template(admin)}"' if migrated else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database with the current schema (copied from a template) on the local server, dropped afterwards."""
    yield from _scratch_database(migrated=True)


@pytest.fixture
def pg_empty_url() -> Iterator[str]:
    """A fresh, empty database on the local server (no schema yet), dropped afterwards."""
    yield from _scratch_database(migrated=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test run: each test's database is a copy of it.

    Copying takes a few milliseconds where creating and migrating a file takes 150 ms or more, which
    was most of a data test's time (and of each mutant's, under ./scripts/mutation).
    """
    path = tmp_path_factory.mktemp("sqlite-template") / "cso.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    return path


def sqlite_database(template: Path, tmp_path: Path, clock: ManualClock) -> Database:
    """A fresh database for one test: a copy of the migrated template in the test's own folder."""
    path = tmp_path / "cso.sqlite3"
    shutil.copy2(template, path)
    return Database(f"sqlite:///{path}", clock=clock)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path, clock, sqlite_template) -> Iterator[Database]:
    """The same test on the embedded SQLite file and on the local PostgreSQL server."""
    if request.param == "sqlite":
        db = sqlite_database(sqlite_template, tmp_path, clock)
    else:
        db = Database(request.getfixturevalue("pg_url"), clock=clock)
    yield db
    db.dispose()


@pytest.fixture
def db(tmp_path, clock, sqlite_template) -> Iterator[Database]:
    database = sqlite_database(sqlite_template, tmp_path, clock)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def qapp(qapp):
    """pytest-qt's application, collecting garbage on its own thread only, as the console does."""
    from console import garbage

    garbage.install(qapp)
    return qapp


@pytest.fixture(autouse=True)
def collect_garbage_between_tests() -> Iterator[None]:
    """Once the application exists, automatic collection is off (console/garbage.py) and the event
    loop does not always run: the main thread collects what is due after each test."""
    yield
    garbage = sys.modules.get("console.garbage")
    if garbage is not None:
        garbage.collect_if_due()


@pytest.fixture
def qloop(qapp):
    """The qasync loop the console runs on, attached to the already-running test QApplication."""
    import asyncio

    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    # qasync leaves itself registered as the running loop; later asyncio.run() calls would refuse.
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def store(qloop, db):
    """A BoardStore over the test database, with feed bursts applied at once."""
    from widgets.operations import Operations
    from widgets.store import BoardStore
    from widgets.tasks import TaskRunner

    runner = TaskRunner()
    board = BoardStore(db, Operations(runner))
    board.flush_timer.setInterval(0)
    yield board
    board.close()
    runner.shutdown()


@pytest.fixture
def operations(store):
    """The operation layer over the store's task runner; its reports collected in `operations.reports`."""
    from widgets.operations import Operations

    ops = Operations(store.runner)
    ops.reports = []
    ops.reported.connect(ops.reports.append)
    return ops


@pytest.fixture
def actions(store, dispatcher, operations):
    from widgets.actions import DispatchActions

    return DispatchActions(store, dispatcher, operations)

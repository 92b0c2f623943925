"""Engine and session factory, SQLite durability settings, schema upgrades at open."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from data.centre import Centre, Limits, connect_args
from data.clock import Clock, utc_now
from data.errors import DatabaseUnavailableError
from data.feed import ChangeFeed
from data.fence import TimelineFence
from data.ledger import ActionLedger
from data.pack import Pack, load_pack

log = logging.getLogger(__name__)

ENV_URL = "CSO_DATABASE_URL"


def default_database_path() -> Path:
    return Path(platformdirs.user_data_dir("cso-console", appauthor=False)) / "cso-console.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """--db wins, then CSO_DATABASE_URL, then the SQLite file in the user's data directory."""
    if url:
        return url if "://" in url else f"sqlite:///{Path(url).resolve()}"
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    path = default_database_path()
    private_folder(path.parent)
    return f"sqlite:///{path}"


def private_folder(folder: Path) -> None:
    """The console's own data folder: made 0700, and put back to 0700 if someone opened it up."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def prepare_sqlite_file(path: Path, *, create: bool) -> None:
    """A new database file is made 0600 (SQLite gives its -wal and -shm files the same mode); an existing one
    that others can read gets a warning with the fix. ``create=False``: a missing file is refused, not made."""
    if not path.exists():
        if not create:
            raise DatabaseUnavailableError(f"No database at {path}: check the path (nothing was created).")
        if not path.parent.is_dir():
            raise DatabaseUnavailableError(f"Cannot create a database in {path.parent}: no such folder.")
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass  # another console made it at the same moment
        except OSError as exc:
            raise DatabaseUnavailableError(f"Cannot create a database at {path}: {exc.strerror}.") from exc
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & 0o077:
        others = [str(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        log.warning(
            "%s can be read by other users of this computer (mode %o): it holds callers' names and phone numbers "
            "and the password hashes. Fix: chmod 600 %s",
            path,
            mode & 0o777,
            " ".join(others),
        )


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (pysqlite recipe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: a committed action survives a power cut too, not only a killed process.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front so two workstations never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def default_fence_file() -> Path:
    """Where a console keeps the highest server timeline it has written to (data.fence)."""
    return Path(platformdirs.user_state_dir("cso-console", appauthor=False)) / "timelines.json"


def _postgres_engine(url: str, limits: Limits | None, fence_file: Path | None) -> tuple[Engine, Centre]:
    """The engine for a dispatch centre's server: bounded waits, fenced against old primaries (data.centre)."""
    engine = create_engine(url, connect_args=connect_args(url, limits))
    return engine, Centre(engine, fence=TimelineFence(fence_file), limits=limits)


def unreachable(exc: OperationalError | InterfaceError) -> DatabaseUnavailableError:
    """A read that the server did not answer, as the dispatcher reads it (the banner follows these too)."""
    text = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return DatabaseUnavailableError(f"The database did not answer; nothing was changed. ({text})")


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("data") / "migrations"))
    return cfg


class Database:
    """One database: engines, session factories, the pack, the clock and the change feed."""

    def __init__(
        self,
        url: str | None = None,
        *,
        pack: Pack | None = None,
        clock: Clock = utc_now,
        upgrade: bool = True,
        feed: ChangeFeed | None = None,
        limits: Limits | None = None,
        fence_file: Path | None = None,
        create: bool = True,
    ) -> None:
        """``limits``: bound every wait on a PostgreSQL server (a console passes its deadline; scripts and
        schema upgrades that may run long leave it out). ``fence_file``: where the highest timeline
        written to is kept across restarts (None: in memory only). ``create=False``: commands that only read
        refuse a SQLite file that does not exist instead of making an empty database."""
        self.url = resolve_url(url)
        path = sqlite_path(self.url) if self.url.startswith("sqlite") else None
        if path is not None:
            prepare_sqlite_file(path, create=create)
        self.pack = pack or load_pack()
        self.clock = clock
        self.feed = feed or ChangeFeed()
        self.limits = None if self.url.startswith("sqlite") else limits  # SQLite has its own busy timeout
        self.ledger = ActionLedger()  # acknowledged actions, checked against the server after a reconnect
        # PostgreSQL: the token of the signed-in user's database session (data.auth), set on every connection.
        self.session_token: str | None = None
        self.centre: Centre | None = None
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url, immediate=True)
            self.read_engine = _sqlite_engine(self.url, immediate=False)
        else:
            self.engine, self.centre = _postgres_engine(self.url, limits, fence_file)
            self.read_engine = self.engine
            event.listen(self.engine, "connect", self._bind_connection)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self._joined = threading.local()  # one_transaction(): this thread's sessions share one connection
        if not create and not self._schema_present():
            self.dispose()
            raise DatabaseUnavailableError(
                f"{self.display_name} holds no CSO Console database: check the URL (nothing was created)."
            )
        if upgrade:
            self.upgrade()

    def _bind_connection(self, dbapi_conn: Any, _record: Any) -> None:
        if self.session_token:
            with dbapi_conn.cursor() as cur:
                cur.execute("SELECT set_config('cso.session', %s, false)", (self.session_token,))
            dbapi_conn.commit()  # a setting made in a rolled-back transaction would be undone

    def bind_session(self, token: str | None) -> None:
        """Carry a sign-in's token on every connection from now on (PostgreSQL guards read it); None: nobody."""
        self.session_token = token
        if self.dialect == "postgresql":
            self.engine.dispose()  # pooled connections carry the old token: new ones are made on demand

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_name(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def upgrade(self) -> None:
        """Bring the schema to the newest revision (an older database is upgraded in place)."""
        cfg = _alembic_config()
        with self._unbounded(), self.engine.begin() as conn:
            if self.limits is not None:  # a migration may take longer than a dispatcher's action
                conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
                conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _unbounded(self) -> contextlib.AbstractContextManager[None]:
        if self.centre is not None and self.centre.watchdog is not None:
            return self.centre.watchdog.unbounded()
        return contextlib.nullcontext()

    def interrupt_thread(self, ident: int) -> None:
        """Stop the database call the thread ``ident`` is waiting on (its action passed the deadline)."""
        if self.centre is not None:
            self.centre.interrupt_thread(ident)

    def _schema_present(self) -> bool:
        try:
            return self.has_schema()
        except (OperationalError, InterfaceError) as exc:
            self.dispose()
            raise unreachable(exc) from exc

    def has_schema(self) -> bool:
        return inspect(self.read_engine).has_table("incidents")

    @property
    def writer(self) -> sessionmaker[Session]:
        return getattr(self._joined, "factory", None) or self._writer

    @property
    def reader(self) -> sessionmaker[Session]:
        return getattr(self._joined, "factory", None) or self._reader

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """Run this thread's actions as one transaction: each action's own commit becomes a savepoint, and all
        are committed together at the end, or none is (the demo seed). Other threads are not affected."""
        conn = self.engine.connect()
        outer = conn.begin()
        self._joined.factory = sessionmaker(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            yield
            outer.commit()
        except BaseException:
            outer.rollback()
            raise
        finally:
            self._joined.factory = None
            conn.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self.reader() as session, session.begin():
                yield session
        except (OperationalError, InterfaceError) as exc:
            raise unreachable(exc) from exc

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()

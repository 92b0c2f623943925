"""A console's link to a dispatch centre's PostgreSQL: bounded waits, the current primary only, honest commits.

- Every wait is bounded (``Limits``, from one deadline in the console's settings): the connect
  timeout per host, TCP keepalives and ``tcp_user_timeout`` for a dead link, server-side statement,
  lock and idle-transaction timeouts, and a watchdog that stops a call holding its connection too
  long (a frozen server answers nothing, yet the kernel keeps the TCP link alive).
- Every new connection checks the server's timeline against the fence (``data.fence``) and every
  commit checks it again before it is sent, so a console never writes to an old primary.
- A commit counts as acknowledged only when the server said it is durable where the centre says:
  with synchronous replication, a commit whose wait for the standby was cancelled is committed on
  the primary alone, and the console says so instead of reporting success.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, event, exc, make_url
from sqlalchemy.orm import Session

from data.errors import DatabaseUnavailableError
from data.fence import Server, TimelineFence, connect_current_primary
from data.watchdog import ConnectionWatchdog

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_S = 5.0
# TCP keepalives notice a dead server or a pulled cable even while a connection is idle.
KEEPALIVES: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2}
SYNC_WAIT_CANCELLED = "canceling wait for synchronous replication"
CONNECT_OPTIONS = frozenset({"context", "autocommit", "prepare_threshold", "row_factory", "cursor_factory"})


class UnconfirmedWriteError(DatabaseUnavailableError):
    """Committed on the primary, but the standby the centre requires never confirmed it."""


@dataclass(frozen=True)
class Limits:
    """Every wait of one console, derived from the deadline a dispatcher's action must be answered in."""

    deadline_s: float = DEFAULT_DEADLINE_S

    def __post_init__(self) -> None:
        if not 1.0 <= self.deadline_s <= 60.0:
            raise ValueError(f"the action deadline must be between 1 and 60 s, not {self.deadline_s}")

    @property
    def connect_timeout_s(self) -> int:
        # Per host (libpq tries the hosts of a multi-host URL in turn); libpq's smallest is 2 s.
        return max(2, int(self.deadline_s * 0.4))

    @property
    def interrupt_after_s(self) -> float:
        """The watchdog stops a call this long after it took its connection, before the deadline."""
        return self.deadline_s * 0.8

    @property
    def statement_timeout_ms(self) -> int:
        return int(self.deadline_s * 700)

    @property
    def lock_timeout_ms(self) -> int:
        return int(self.deadline_s * 500)

    @property
    def tcp_user_timeout_ms(self) -> int:
        return int(self.deadline_s * 1000)

    @property
    def idle_in_transaction_ms(self) -> int:
        # A console that vanished mid-transaction gives its row locks back.
        return int(self.deadline_s * 4000)


def connect_args(url: str, limits: Limits | None) -> dict[str, Any]:
    """libpq parameters for the engine; what the URL itself sets wins."""
    query = make_url(url).query
    args: dict[str, Any] = {k: v for k, v in KEEPALIVES.items() if k not in query}
    if "connect_timeout" not in query:
        args["connect_timeout"] = limits.connect_timeout_s if limits else 5
    if limits is None:
        return args
    if "tcp_user_timeout" not in query:
        args["tcp_user_timeout"] = limits.tcp_user_timeout_ms
    options = (
        f"-c statement_timeout={limits.statement_timeout_ms} -c lock_timeout={limits.lock_timeout_ms} "
        f"-c idle_in_transaction_session_timeout={limits.idle_in_transaction_ms}"
    )
    given = query.get("options")
    args["options"] = f"{given} {options}" if isinstance(given, str) and given else options
    return args


class CommitCheck:
    """What ``Centre.before_commit`` found, handed back to ``Centre.after_commit``."""

    def __init__(self, info: dict[str, Any], server: Server | None) -> None:
        self.info = info
        self.server = server


class Centre:
    """Wires the fence, the watchdog and the commit checks into one PostgreSQL engine."""

    def __init__(self, engine: Engine, *, fence: TimelineFence, limits: Limits | None) -> None:
        self.engine = engine
        self.fence = fence
        self.limits = limits
        self.watchdog = ConnectionWatchdog(limits.interrupt_after_s) if limits is not None else None
        self._install()

    def _install(self) -> None:
        engine, fence, watchdog = self.engine, self.fence, self.watchdog

        @event.listens_for(engine, "do_connect")
        def _connect(dialect: Any, record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
            # The dialect passes psycopg options (an adapters context…) beside the libpq parameters.
            extra = {k: v for k, v in cparams.items() if k in CONNECT_OPTIONS}
            conninfo = make_conninfo(*cargs, **{k: v for k, v in cparams.items() if k not in CONNECT_OPTIONS})
            conn, server = connect_current_primary(
                lambda info: dialect.loaded_dbapi.connect(info, **extra), conninfo, fence
            )
            record.info["cso_server"] = server
            notices: list[str] = []
            record.info["cso_notices"] = notices
            conn.add_notice_handler(lambda diag: notices.append(str(diag.message_primary or "")))
            return conn

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            # The ping (instead of pool_pre_ping) runs with the watchdog armed: a frozen server cannot hold it.
            if watchdog is not None:
                watchdog.arm(dbapi_conn)
            try:
                engine.dialect.do_ping(dbapi_conn)
            except Exception as error:
                if watchdog is not None:
                    watchdog.disarm(dbapi_conn)
                raise exc.DisconnectionError(f"stale connection: {error}") from error

        if watchdog is not None:

            @event.listens_for(engine, "checkin")
            def _checkin(dbapi_conn: Any, _record: Any) -> None:
                if dbapi_conn is not None:
                    watchdog.disarm(dbapi_conn)

            @event.listens_for(engine, "invalidate")
            def _invalidate(dbapi_conn: Any, _record: Any, _exc: Any) -> None:
                if dbapi_conn is not None:
                    watchdog.disarm(dbapi_conn)

    def interrupt_thread(self, ident: int) -> None:
        """Stop what the thread ``ident`` waits for on this engine (its action passed the deadline)."""
        if self.watchdog is not None:
            self.watchdog.interrupt_thread(ident)

    # Commits ---------------------------------------------------------------------------------------
    def before_commit(self, session: Session) -> CommitCheck:
        """Refuse to commit on a server behind the fence (another connection may have written further)."""
        if self.watchdog is not None:
            self.watchdog.refuse_if_stopped()  # stopped at its deadline while it worked: no late commit
        conn = session.connection()
        info = conn.info
        server = info.get("cso_server")
        if isinstance(server, Server) and not self.fence.admits(server):
            raise self.fence.refusal([server])
        notices = info.get("cso_notices")
        if isinstance(notices, list):
            notices.clear()
        return CommitCheck(info, server if isinstance(server, Server) else None)

    def after_commit(self, check: CommitCheck) -> UnconfirmedWriteError | None:
        """The refusal to give when the commit is not durable where the centre requires; else None."""
        notices = check.info.get("cso_notices") or []
        if any(SYNC_WAIT_CANCELLED in text for text in notices):
            where = check.server.name if check.server is not None else "the primary"
            return UnconfirmedWriteError(
                f"Saved on {where} only: the standby did not confirm it in time, so it is not safe yet (if {where} "
                "fails now it can be lost). The action is on the board; do not enter it again. Tell the supervisor "
                "that the standby server is not answering."
            )
        if check.server is not None:
            self.fence.wrote(check.server)
        return None

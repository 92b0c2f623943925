"""No split brain: a console never writes to a server that is behind one it has already written to.

Each promotion of a standby starts a new PostgreSQL timeline, so the timeline is the centre's epoch:
an old primary that comes back after a failover is still on the timeline before it. A console
remembers the highest timeline it has written to for each database system (a standby cloned from
its primary shares the primary's system identifier, whatever URL reaches it), in a small file so a
restart keeps it, and refuses a server on a lower one, naming that server. When the first server libpq picks from a
multi-host URL is behind, the other hosts are tried one by one for the current primary.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from data.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)

# The current timeline is the first 8 hex digits of the current WAL file's name (any role may ask).
# A standby answers 0: it takes no writes, so it cannot split the centre's history.
TIMELINE_SQL = (
    "SELECT CASE WHEN pg_is_in_recovery() THEN 0 "
    "ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END, "
    "(SELECT system_identifier FROM pg_control_system())::text"
)


class SplitBrainError(DatabaseUnavailableError):
    """The only server that answered is behind a timeline this console has written to."""


@dataclass(frozen=True)
class Server:
    """The server a connection reached: the host and port as written in the URL, and its timeline."""

    host: str
    port: str
    timeline: int
    system: str = ""  # the database system identifier: the same on a primary and the standbys cloned from it

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}" if self.port else self.host


def identify(conn: Any) -> Server:
    """Which server a fresh DB-API (psycopg) connection reached, and its timeline; leaves no transaction open."""
    try:
        with conn.cursor() as cur:
            cur.execute(TIMELINE_SQL)
            row = cur.fetchone()
    finally:
        if not conn.autocommit:
            conn.rollback()
    return Server(str(conn.info.host), str(conn.info.port), int(row[0]), str(row[1]))


class TimelineFence:
    """The highest timeline this console has written to, per database system; kept in ``state_file`` if given."""

    def __init__(self, state_file: Path | None = None) -> None:
        self.state_file = state_file
        self._lock = threading.Lock()
        self._highest: dict[str, int] = self._load()

    def highest(self, system: str) -> int:
        with self._lock:
            return self._highest.get(system, 0)

    def admits(self, server: Server) -> bool:
        return server.timeline == 0 or server.timeline >= self.highest(server.system)

    def refusal(self, behind: list[Server]) -> SplitBrainError:
        names = ", ".join(f"{s.name} (timeline {s.timeline})" for s in behind)
        highest = max(self.highest(s.system) for s in behind)
        return SplitBrainError(
            f"Refused to write to {names}: this console has already written to timeline {highest}, so that "
            "server is an old primary left behind by a failover. Nothing was written. Tell the supervisor: the old "
            "primary must be stopped and rebuilt as a standby (README, Running a dispatch centre)."
        )

    def wrote(self, server: Server) -> None:
        with self._lock:
            highest = self._highest.get(server.system, 0)
            if server.timeline <= highest:  # a standby (0) never raises it
                return
            log.info("fence: %s is on timeline %d, above %d", server.name, server.timeline, highest)
            self._highest[server.system] = server.timeline
            self._save()

    def _load(self) -> dict[str, int]:
        if self.state_file is None:
            return {}
        try:
            state = json.loads(self.state_file.read_text())
            return {str(k): int(v) for k, v in state.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def _save(self) -> None:
        if self.state_file is None:
            return
        try:
            state = dict(self._highest)
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".fence-")
            with os.fdopen(fd, "w") as out:
                json.dump(state, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.state_file)
        except OSError:
            log.exception("fence: cannot keep the timeline in %s", self.state_file)


def single_host_conninfos(conninfo: str) -> list[str]:
    """One conninfo per host of a multi-host conninfo, in the order given (empty for a single host)."""
    params = conninfo_to_dict(conninfo)
    hosts = str(params.get("host") or "").split(",")
    if len(hosts) < 2:
        return []
    ports = str(params.get("port") or "").split(",")
    addrs = str(params.get("hostaddr") or "").split(",") if params.get("hostaddr") else []
    result = []
    for i, host in enumerate(hosts):
        single: dict[str, Any] = {k: v for k, v in params.items() if k not in ("host", "port", "hostaddr")}
        single["host"] = host
        port = ports[i] if len(ports) > 1 else ports[0]
        if port:
            single["port"] = port
        if addrs:
            single["hostaddr"] = addrs[i]
        result.append(make_conninfo("", **single))
    return result


def connect_current_primary(connect: Callable[[str], Any], conninfo: str, fence: TimelineFence) -> tuple[Any, Server]:
    """Connect as libpq would; when that server is behind the fence, try each host on its own.

    ``connect(conninfo)`` opens one DB-API connection. Returns the connection and its server, or
    raises ``SplitBrainError`` naming every server that answered but was behind.
    """
    behind: list[Server] = []
    error: Exception | None = None
    for attempt in [conninfo, *single_host_conninfos(conninfo)]:
        try:
            conn = connect(attempt)
        except Exception as exc:
            error = error or exc
            continue
        try:
            server = identify(conn)
        except Exception as exc:
            with contextlib.suppress(Exception):
                conn.close()
            error = error or exc
            continue
        if fence.admits(server):
            return conn, server
        log.warning(
            "fence: %s is on timeline %d, behind %d: not writing there",
            server.name,
            server.timeline,
            fence.highest(server.system),
        )
        behind.append(server)
        with contextlib.suppress(Exception):
            conn.close()
        if attempt is conninfo and not single_host_conninfos(conninfo):
            break
    if behind:
        raise fence.refusal(list(dict.fromkeys(behind)))
    assert error is not None
    raise error

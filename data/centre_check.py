"""The operator's check of a dispatch centre: every server of the URL, its role, timeline and standbys.

``cso-console centre check`` prints this. Healthy means: exactly one primary answers, on the highest
timeline of any server, and at least one standby streams from it synchronously (so a failover loses
no acknowledged action). Anything else is listed as a problem and the command exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from data.fence import TIMELINE_SQL, single_host_conninfos
from data.listen import libpq_conninfo

STANDBYS_SQL = (
    "SELECT coalesce(application_name, ''), coalesce(state, ''), coalesce(sync_state, ''), "
    "coalesce(extract(epoch FROM replay_lag), 0)::float FROM pg_stat_replication ORDER BY 1"
)


@dataclass(frozen=True)
class Standby:
    name: str
    state: str
    sync_state: str
    replay_lag_s: float


@dataclass(frozen=True)
class ServerState:
    name: str
    reachable: bool
    role: str = ""  # primary or standby
    timeline: int = 0
    standbys: tuple[Standby, ...] = ()
    error: str = ""

    def line(self) -> str:
        if not self.reachable:
            return f"{self.name}  unreachable  ({self.error})"
        text = f"{self.name}  {self.role}"
        if self.role == "primary":
            text += f"  timeline {self.timeline}"
            text += "  standbys: " + (
                ", ".join(f"{s.name} {s.state} {s.sync_state} lag {s.replay_lag_s:.3f} s" for s in self.standbys)
                or "none"
            )
        return text


@dataclass(frozen=True)
class CentreState:
    servers: tuple[ServerState, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "healthy": self.healthy,
            "problems": list(self.problems),
            "servers": [
                {
                    "server": s.name,
                    "reachable": s.reachable,
                    "role": s.role,
                    "timeline": s.timeline,
                    "standbys": [
                        {"name": b.name, "state": b.state, "sync_state": b.sync_state, "replay_lag_s": b.replay_lag_s}
                        for b in s.standbys
                    ],
                    "error": s.error,
                }
                for s in self.servers
            ],
        }


def _server(conninfo: str, timeout: int) -> ServerState:
    params = conninfo_to_dict(conninfo)
    name = f"{params.get('host', '')}:{params.get('port', '5432')}"
    single = make_conninfo(conninfo, target_session_attrs="any", connect_timeout=str(timeout))
    try:
        with psycopg.connect(single, autocommit=True) as conn:
            timeline = int(conn.execute(TIMELINE_SQL).fetchone()[0])  # type: ignore[index]
            if timeline == 0:
                return ServerState(name, True, "standby")
            standbys = tuple(Standby(*row) for row in conn.execute(STANDBYS_SQL).fetchall())
            return ServerState(name, True, "primary", timeline, standbys)
    except psycopg.Error as exc:
        return ServerState(
            name, False, error=str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        )


def check_centre(url: str, *, timeout: int = 3) -> CentreState:
    """Ask every server listed in ``url`` (a SQLAlchemy PostgreSQL URL, one or several hosts)."""
    conninfo = libpq_conninfo(url)
    servers = tuple(_server(c, timeout) for c in single_host_conninfos(conninfo) or [conninfo])
    problems = []
    primaries = [s for s in servers if s.role == "primary"]
    if not primaries:
        problems.append("no primary answers: the consoles cannot save anything")
    elif len(primaries) > 1:
        newest = max(s.timeline for s in primaries)
        old = ", ".join(s.name for s in primaries if s.timeline < newest) or ", ".join(s.name for s in primaries)
        problems.append(f"more than one primary: stop {old} and rebuild it as a standby (split brain)")
    else:
        primary = primaries[0]
        if not any(s.sync_state in ("sync", "quorum") and s.state == "streaming" for s in primary.standbys):
            problems.append(
                f"no synchronous standby streams from {primary.name}: a failover now could lose acknowledged actions"
            )
    problems += [f"{s.name} is unreachable ({s.error})" for s in servers if not s.reachable]
    return CentreState(servers, tuple(problems))

"""Private PostgreSQL servers for tests that stop, crash, freeze or fail over a server.

The shared server at 127.0.0.1:5432 is never stopped by a test: a test that needs to do that to a
server starts its own here, with the system's PostgreSQL 15 (``initdb``/``pg_ctl``), on a free high
port, with its data under a temporary folder owned by the ``postgres`` OS user (initdb refuses root).

- ``PgServer``: one server (``initdb`` + start, or a streaming standby of another by ``pg_basebackup``);
  stop, crash (SIGKILL), freeze (SIGSTOP) and thaw, promote, stall its WAL senders, SQL as superuser.
- ``Etcd`` and ``PatroniNode``: the failover engine, from Debian's ``etcd-server`` and ``patroni``.
- ``TcpProxy``: a link between consoles and a server that can drop everything (a pulled cable: no
  reset, no answer).

Everything started here is stopped by ``close()``; the fixtures in the tests call it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

PG_BIN = Path(os.environ.get("CSO_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"


def missing_tools(*extra: str) -> list[str]:
    """What this machine lacks for private servers (empty when everything is there)."""
    missing = [str(PG_BIN / tool) for tool in ("initdb", "pg_ctl", "pg_basebackup") if not (PG_BIN / tool).exists()]
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            missing.append(f"OS user {OS_USER}")
    missing += [tool for tool in extra if shutil.which(tool) is None]
    return missing


def as_server_user(cmd: list[str]) -> list[str]:
    """Run as the postgres OS user when we are root (initdb and postgres refuse root)."""
    return ["runuser", "-u", OS_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    """A free TCP port on 127.0.0.1 from the kernel's high range."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``condition`` until it returns something true; a process outside this one has no signal to await."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


class Workspace:
    """A temporary folder the postgres OS user owns; everything started in it is stopped on close()."""

    def __init__(self, prefix: str = "cso-pg-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        if os.geteuid() == 0:
            entry = pwd.getpwnam(OS_USER)
            os.chown(self.path, entry.pw_uid, entry.pw_gid)
        self.path.chmod(0o700)
        self._closers: list[Any] = []

    def folder(self, name: str) -> Path:
        path = self.path / name
        path.mkdir(mode=0o700)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(OS_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return path

    def on_close(self, closer: Any) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        for closer in reversed(self._closers):
            with contextlib.suppress(Exception):
                closer()
        self._closers.clear()
        shutil.rmtree(self.path, ignore_errors=True)


def run_server_tool(*cmd: str, timeout: float = 120) -> str:
    done = subprocess.run(as_server_user(list(cmd)), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout


# Small and quick: a test server holds a few thousand rows. fsync stays on: a crash test may kill it.
BASE_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "60",
    "shared_buffers": "'16MB'",
    "wal_level": "replica",
    "max_wal_senders": "8",
    "max_replication_slots": "8",
    "hot_standby": "on",
    "wal_keep_size": "'64MB'",
    "wal_log_hints": "on",  # pg_rewind can bring an old primary back as a standby
    "logging_collector": "off",
    "log_min_messages": "warning",
    "wal_receiver_status_interval": "'1s'",
    "wal_sender_timeout": "'5s'",
    "wal_receiver_timeout": "'5s'",
}

HBA = """local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


class PgServer:
    """One private PostgreSQL server in ``workspace``; started by ``create()`` or ``standby_of()``."""

    def __init__(self, workspace: Workspace, name: str, port: int | None = None) -> None:
        self.workspace = workspace
        self.name = name
        self.port = port or free_port()
        self.datadir = workspace.path / name
        self.logfile = workspace.path / f"{name}.log"
        workspace.on_close(lambda: self.stop("immediate"))

    # Creating --------------------------------------------------------------------------------------
    @classmethod
    def create(cls, workspace: Workspace, name: str = "primary", **settings: str) -> PgServer:
        server = cls(workspace, name)
        run_server_tool(
            str(PG_BIN / "initdb"),
            "-D",
            str(server.datadir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        server.configure({**BASE_SETTINGS, **settings})
        (server.datadir / "pg_hba.conf").write_text(HBA)
        server.start()
        return server

    @classmethod
    def standby_of(cls, primary: PgServer, name: str = "standby", **settings: str) -> PgServer:
        """A streaming standby cloned from ``primary``; its ``application_name`` is ``name``."""
        server = cls(primary.workspace, name)
        run_server_tool(
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(server.datadir),
            "-X",
            "stream",
            "-R",
            "--no-sync",
        )
        server.configure(
            {
                "port": str(server.port),
                "primary_conninfo": f"'host=127.0.0.1 port={primary.port} user=postgres application_name={name}'",
                # Not the primary's list: promoted with it, this server would wait for a standby it does not have.
                "synchronous_standby_names": "''",
                **settings,
            }
        )
        server.start()
        return server

    def configure(self, settings: dict[str, str]) -> None:
        """Append settings to postgresql.auto.conf (the last line wins); takes effect at the next start."""
        lines = [f"{key} = {value}" for key, value in {"port": str(self.port), **settings}.items()]
        path = self.datadir / "postgresql.auto.conf"
        with path.open("a") as out:
            out.write("\n".join(lines) + "\n")

    # Running ---------------------------------------------------------------------------------------
    def start(self) -> None:
        run_server_tool(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-o",
            f"-k {self.workspace.path}",
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if not self.running:
            return
        self.thaw()
        subprocess.run(
            as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "-t", "60", "stop"]),
            capture_output=True,
            timeout=90,
        )

    @property
    def postmaster_pid(self) -> int | None:
        try:
            pid = int((self.datadir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    @property
    def running(self) -> bool:
        return self.postmaster_pid is not None

    def pids(self) -> list[int]:
        """The postmaster and every process it started."""
        root = self.postmaster_pid
        if root is None:
            return []
        children = subprocess.run(["pgrep", "-P", str(root)], capture_output=True, text=True).stdout.split()
        return [root, *(int(pid) for pid in children)]

    def crash(self) -> None:
        """SIGKILL to every process of the server, as when its machine loses power (no shutdown checkpoint)."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not self.running, timeout=10, what=f"{self.name} dies")

    def freeze(self) -> None:
        """SIGSTOP every process: the server is there (the kernel still answers TCP) but says nothing."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def walsender_pids(self) -> list[int]:
        rows = self.query("SELECT pid FROM pg_stat_replication")
        return [int(row[0]) for row in rows]

    def promote(self) -> None:
        run_server_tool(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60", "promote")

    # SQL -------------------------------------------------------------------------------------------
    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=3"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def query(self, sql: str, params: Any = None, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo(dbname), autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def execute(self, sql: str, params: Any = None, dbname: str = "postgres") -> None:
        self.query(sql, params, dbname)

    def in_recovery(self) -> bool:
        return bool(self.query("SELECT pg_is_in_recovery()")[0][0])

    def timeline(self) -> int:
        if self.in_recovery():
            return int(self.query("SELECT received_tli FROM pg_stat_wal_receiver")[0][0])
        return int(
            self.query("SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")[0][0]
        )

    def wait_streaming(self, standby_name: str, *, sync: bool = False, timeout: float = 30) -> None:
        def streaming() -> bool:
            rows = self.query(
                "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = %s", (standby_name,)
            )
            return bool(rows) and rows[0][0] == "streaming" and (not sync or rows[0][1] == "sync")

        wait_for(streaming, timeout=timeout, what=f"{standby_name} streams from {self.name}")


class ReplicatedPair:
    """A primary and a streaming standby, the primary waiting for the standby on every commit."""

    def __init__(self, workspace: Workspace, *, synchronous: bool = True) -> None:
        sync = {"synchronous_standby_names": "'standby'"} if synchronous else {}
        self.primary = PgServer.create(workspace, "primary", **sync)
        self.standby = PgServer.standby_of(self.primary, "standby")
        self.primary.wait_streaming("standby", sync=synchronous)

    def multi_host_url(self, dbname: str, *, first: PgServer | None = None, **query: str) -> str:
        servers = [self.primary, self.standby]
        if first is not None:
            servers.sort(key=lambda s: s is not first)
        hosts = "&".join(f"host=127.0.0.1:{s.port}" for s in servers)
        extra = "".join(f"&{key}={value}" for key, value in query.items())
        return f"postgresql+psycopg://postgres@/{dbname}?{hosts}&target_session_attrs=read-write{extra}"


# Failover engine -----------------------------------------------------------------------------------
class Etcd:
    """One etcd member on free ports (enough for a test; a centre runs three)."""

    def __init__(self, workspace: Workspace) -> None:
        self.client_port = free_port()
        self.peer_port = free_port()
        datadir = workspace.folder("etcd")
        self.log = (workspace.path / "etcd.log").open("wb")
        self.proc = subprocess.Popen(
            [
                "etcd",
                "--name",
                "cso-test",
                "--data-dir",
                str(datadir),
                "--listen-client-urls",
                f"http://127.0.0.1:{self.client_port}",
                "--advertise-client-urls",
                f"http://127.0.0.1:{self.client_port}",
                "--listen-peer-urls",
                f"http://127.0.0.1:{self.peer_port}",
                "--initial-advertise-peer-urls",
                f"http://127.0.0.1:{self.peer_port}",
                "--initial-cluster",
                f"cso-test=http://127.0.0.1:{self.peer_port}",
                "--heartbeat-interval",
                "100",
                "--election-timeout",
                "1000",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        workspace.on_close(self.close)
        wait_for(self.healthy, timeout=30, what="etcd answers")

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.client_port}"

    def healthy(self) -> bool:
        done = subprocess.run(
            ["etcdctl", "--endpoints", self.endpoint, "endpoint", "health"],
            capture_output=True,
            env={**os.environ, "ETCDCTL_API": "3"},
        )
        return done.returncode == 0

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def self_signed_certificate(workspace: Workspace) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 the postgres OS user can read (the servers require TLS)."""
    cert, key = workspace.path / "server.crt", workspace.path / "server.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-new",
            "-x509",
            "-days",
            "2",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-newkey",
            "rsa:2048",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OS_USER)
        for path in (cert, key):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    return cert, key


class PatroniNode:
    """One database server under Patroni, configured from the centre's template (docs/centre/patroni.yml)."""

    def __init__(self, workspace: Workspace, name: str, etcd: Etcd, template: Path, values: dict[str, str]) -> None:
        self.workspace = workspace
        self.name = name
        self.pg_port = free_port()
        self.api_port = free_port()
        self.server = PgServer(workspace, name, self.pg_port)  # its data directory; Patroni runs it
        rendered = subprocess.run(
            ["envsubst"],
            input=template.read_text(),
            capture_output=True,
            text=True,
            check=True,
            env={
                "NODE_NAME": name,
                "NODE_ADDRESS": "127.0.0.1",
                "API_PORT": str(self.api_port),
                "PG_PORT": str(self.pg_port),
                "ETCD_HOSTS": etcd.endpoint,
                "DATA_DIR": str(self.server.datadir),
                "SOCKET_DIR": str(workspace.path),
                "CENTRE_NETWORK": "127.0.0.1/32",
                **values,
            },
        ).stdout
        self.config = workspace.path / f"{name}.yml"
        self.config.write_text(rendered)
        self.log_path = workspace.path / f"{name}.patroni.log"
        self.proc: subprocess.Popen[bytes] | None = None
        workspace.on_close(self.stop)

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            as_server_user(["patroni", str(self.config)]), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def stop(self) -> None:
        """Patroni stops its PostgreSQL cleanly, then itself."""
        if self.proc is not None and self.proc.poll() is None:
            self.server.thaw()
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        self.server.stop("immediate")

    def kill(self) -> None:
        """The machine loses power: Patroni and PostgreSQL die together, nothing is shut down."""
        if self.proc is not None and self.proc.poll() is None:
            # runuser's child is Patroni: kill the whole group of processes under it
            for pid in subprocess.run(
                ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
            ).stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self.server.running:
            self.server.crash()

    def status(self, endpoint: str) -> int:
        """HTTP status of one of Patroni's health endpoints (/primary, /replica, /sync): 200 means yes."""
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}{endpoint}", timeout=2) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            return 0

    def is_primary(self) -> bool:
        return self.status("/primary") == 200

    def is_sync_standby(self) -> bool:
        return self.status("/sync") == 200 and self.status("/replica") == 200


class TcpProxy:
    """127.0.0.1:port → target. ``blackhole()`` drops everything both ways without closing a socket.

    Dropped bytes are read and thrown away, so neither end's kernel sees a full window or a reset: to
    both ends it looks like a dead link. ``restore()`` forwards again (connections opened meanwhile too).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.dropping = threading.Event()
        self.forwarding = threading.Event()
        self.forwarding.set()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def blackhole(self) -> None:
        self.forwarding.clear()
        self.dropping.set()

    def restore(self) -> None:
        self.dropping.clear()
        self.forwarding.set()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True, name="proxy-pump").start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not self.dropping.is_set():
                    dst.sendall(data)
        # An end that closed while the link was down is seen closed by the other end once the link is
        # back (its kernel answers the other's next packet with a reset): the server then ends that
        # session and gives back its locks, as it would after a real partition heals.
        while not self.forwarding.wait(0.1):
            if self._closed.is_set():
                return
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed.set()
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()


@contextlib.contextmanager
def workspace() -> Iterator[Workspace]:
    space = Workspace()
    try:
        yield space
    finally:
        space.close()

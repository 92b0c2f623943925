"""The README's dispatch centre, run: Patroni and etcd from Debian's packages, two servers, four positions.

Bootstrap from docs/centre/patroni.yml (the file the README renders with envsubst), check the centre
with ``cso-console centre check``, lose the primary's machine, let Patroni promote the synchronous
standby, bring the old primary back as a standby (pg_rewind), take its standby away for a while.
The positions use the README's multi-host URL; nothing they were told was saved may be missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.centre_faults import Writers, prepare
from tests.pg_cluster import Etcd, PatroniNode, Workspace, missing_tools, self_signed_certificate, wait_for

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "docs" / "centre" / "patroni.yml"
NEEDED = missing_tools("patroni", "etcd", "etcdctl", "envsubst", "openssl")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(NEEDED), reason=f"needs {', '.join(NEEDED)}")]

DEADLINE_S = 3.0
SLACK_S = 0.5
PASSWORD = "test-superuser-secret"


class PatroniCentre:
    def __init__(self, workspace: Workspace) -> None:
        cert, key = self_signed_certificate(workspace)
        self.etcd = Etcd(workspace)
        values = {
            "SUPERUSER_PASSWORD": PASSWORD,
            "REPLICATION_PASSWORD": "test-replication-secret",
            "SSL_CERT": str(cert),
            "SSL_KEY": str(key),
        }
        self.db1 = PatroniNode(workspace, "db1", self.etcd, TEMPLATE, values)
        self.db2 = PatroniNode(workspace, "db2", self.etcd, TEMPLATE, values)

    def url(self, dbname: str = "cso") -> str:
        # The README's URL: every server, the one that takes writes, TLS.
        hosts = "&".join(f"host=127.0.0.1:{n.pg_port}" for n in (self.db1, self.db2))
        return (
            f"postgresql+psycopg://postgres:{PASSWORD}@/{dbname}?{hosts}"
            "&target_session_attrs=read-write&sslmode=require"
        )

    def check(self) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "console", "centre", "check", "--json", "--db", self.url()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        state = json.loads(done.stdout)
        assert done.returncode == (0 if state["healthy"] else 1), done.stderr
        return state


@pytest.fixture
def centre() -> Iterator[PatroniCentre]:
    space = Workspace()
    try:
        yield PatroniCentre(space)
    finally:
        space.close()


def roles(state: dict) -> dict[str, str]:
    return {s["server"]: s["role"] or "unreachable" for s in state["servers"]}


def test_patroni_fails_over_to_the_synchronous_standby_and_rebuilds_the_old_primary(centre):
    db1, db2 = centre.db1, centre.db2
    # Bootstrap: the first server initialises the cluster, the second clones it and streams synchronously.
    db1.start()
    wait_for(db1.is_primary, timeout=90, what="db1 is the primary")
    db2.start()
    wait_for(db2.is_sync_standby, timeout=90, what="db2 is the synchronous standby")
    db1.server.execute("CREATE DATABASE cso")
    units = prepare(centre.url())
    state = centre.check()
    assert state["healthy"], state
    assert roles(state) == {f"127.0.0.1:{db1.pg_port}": "primary", f"127.0.0.1:{db2.pg_port}": "standby"}
    (standby,) = state["servers"][0]["standbys"]
    assert (standby["name"], standby["state"], standby["sync_state"]) == ("db2", "streaming", "sync")

    with Writers(centre.url(), units, deadline_s=DEADLINE_S) as writers:
        writers.wait_for_successes(12)
        # Fail over: db1's machine loses power. Patroni promotes db2 once db1's leader key expires.
        lost = time.monotonic()
        db1.kill()
        wait_for(db2.is_primary, timeout=60, what="Patroni promotes db2")
        writers.wait_for_successes(6, after=lost)
        state = centre.check()
        assert roles(state)[f"127.0.0.1:{db2.pg_port}"] == "primary"
        assert not state["healthy"]  # db1 is gone and nothing is synchronous yet: the check says so
        # Rebuild the old primary: Patroni starts it as a standby of db2 (pg_rewind), never as a primary.
        db1.start()
        wait_for(db1.is_sync_standby, timeout=90, what="db1 is back as the synchronous standby")
        writers.wait_for_successes(6, after=time.monotonic())
        # The standby goes away: not strict, so Patroni lets db2 go on alone after a few refusals.
        db1.stop()
        writers.wait_for_successes(6, after=time.monotonic() + 1)
        db1.start()
        wait_for(db1.is_sync_standby, timeout=90, what="db1 is the synchronous standby again")
        writers.wait_for_successes(4, after=time.monotonic())
    assert writers.crashes() == []
    assert writers.longest_wait() <= DEADLINE_S + SLACK_S, writers.summary()
    assert writers.acknowledged_lost(centre.url()) == []
    state = centre.check()
    assert state["healthy"], state
    assert roles(state) == {f"127.0.0.1:{db1.pg_port}": "standby", f"127.0.0.1:{db2.pg_port}": "primary"}
    assert state["servers"][1]["timeline"] >= 2
    assert os.path.exists(db1.server.datadir / "standby.signal")


def test_the_readme_renders_every_variable_of_the_patroni_template():
    import re

    wanted = set(re.findall(r"\$\{([A-Z_]+)\}", TEMPLATE.read_text()))
    readme = (ROOT / "README.md").read_text()
    command = readme[readme.index("sudo env NODE_NAME=") : readme.index("envsubst < docs/centre/patroni.yml")]
    given = set(re.findall(r"\b([A-Z_]+)=", command))
    assert wanted == given, (wanted - given, given - wanted)

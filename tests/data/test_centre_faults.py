"""Fault injection on a private primary + synchronous standby: four positions write through every fault.

For each fault: no acknowledged action is lost, no action waits longer than the deadline for its
answer, and a server left behind by a failover gets no writes. The clusters are private (tests.pg_cluster):
the shared server is never stopped.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from functools import partial

import pytest

from data import services
from data.centre import Limits
from data.db import Database
from data.fence import SplitBrainError
from data.lane import ActionLane, ActionTimeoutError
from data.permissions import Actor
from tests.centre_faults import Writers, prepare, rows_since
from tests.data.helpers import small_shift, welfare_call
from tests.pg_cluster import PgServer, ReplicatedPair, TcpProxy, Workspace, missing_tools

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing_tools()), reason=f"needs {', '.join(missing_tools())}"),
]

DEADLINE_S = 3.0
SLACK_S = 0.5  # thread scheduling on a busy two-core machine, on top of the deadline itself


class Centre:
    """A primary, its synchronous standby, and the centre's database on them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.pair = ReplicatedPair(workspace)
        self.primary, self.standby = self.pair.primary, self.pair.standby
        self.primary.execute("CREATE DATABASE cso")
        self.url = self.pair.multi_host_url("cso")
        self.units = prepare(self.primary.url("cso"))

    def check_bounded(self, writers: Writers) -> None:
        assert writers.crashes() == []
        assert writers.longest_wait() <= DEADLINE_S + SLACK_S, writers.summary()


@pytest.fixture
def centre() -> Iterator[Centre]:
    space = Workspace()
    try:
        yield Centre(space)
    finally:
        space.close()


def test_primary_crash_then_the_old_primary_comes_back_writable(centre, tmp_path):
    fence_file = tmp_path / "timelines.json"
    with Writers(centre.url, centre.units, deadline_s=DEADLINE_S, fence_file=fence_file) as writers:
        writers.wait_for_successes(12)
        fault = time.monotonic()
        centre.primary.crash()
        centre.standby.promote()
        writers.wait_for_successes(6, after=fault)
        # The old primary starts again on its own, writable, on the timeline before the failover.
        centre.primary.configure({"synchronous_standby_names": "''"})
        back = dt.datetime.now(dt.UTC)
        centre.primary.start()
        # Every position reconnects; libpq tries the old primary first, as the URL lists it first.
        centre.standby.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'cso' AND pid <> pg_backend_pid()"
        )
        writers.wait_for_successes(8, after=time.monotonic())
    centre.check_bounded(writers)
    assert writers.acknowledged_lost(centre.standby.url("cso")) == []
    assert rows_since(centre.primary.url("cso"), back) == 0
    assert centre.standby.timeline() == 2 and centre.primary.timeline() == 1

    # A console restarted with only the old primary in its URL remembers timeline 2 and refuses it.
    old_only = Database(centre.primary.url("cso"), upgrade=False, limits=Limits(DEADLINE_S), fence_file=fence_file)
    try:
        with pytest.raises(SplitBrainError) as refused:
            services.create_incident(old_only, Actor("late.console"), call_type="WELFARE", location="Plummer Park")
    finally:
        old_only.dispose()
    assert f"127.0.0.1:{centre.primary.port} (timeline 1)" in str(refused.value)
    assert "already written to timeline 2" in str(refused.value)
    assert rows_since(centre.primary.url("cso"), back) == 0


def test_walsender_stalls_then_the_primary_crashes(centre):
    with Writers(centre.url, centre.units, deadline_s=DEADLINE_S) as writers:
        writers.wait_for_successes(12)
        stalled = time.monotonic()
        for pid in centre.primary.walsender_pids():
            import os
            import signal

            os.kill(pid, signal.SIGSTOP)  # the standby hears nothing more; commits wait for it
        writers.wait_for_failures(4, after=stalled)
        centre.primary.crash()
        centre.standby.promote()
        writers.wait_for_successes(6, after=time.monotonic())
    centre.check_bounded(writers)
    # Commits that waited for the standby were not acknowledged: they said "saved on the primary only".
    assert writers.refusals("UnconfirmedWriteError"), writers.summary()
    assert writers.acknowledged_lost(centre.standby.url("cso")) == []


def test_a_frozen_primary_is_refused_within_the_deadline_then_fenced_after_failover(centre):
    with Writers(centre.url, centre.units, deadline_s=DEADLINE_S) as writers:
        writers.wait_for_successes(12)
        frozen = time.monotonic()
        centre.primary.freeze()
        first_refusal = writers.wait_for_failures(4, after=frozen)
        assert first_refusal - frozen <= DEADLINE_S + SLACK_S
        centre.standby.promote()
        writers.wait_for_successes(6, after=time.monotonic())
        # The frozen primary wakes up, still writable on the old timeline.
        back = dt.datetime.now(dt.UTC)
        centre.primary.thaw()
        centre.standby.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'cso' AND pid <> pg_backend_pid()"
        )
        writers.wait_for_successes(8, after=time.monotonic())
    centre.check_bounded(writers)
    assert writers.acknowledged_lost(centre.standby.url("cso")) == []
    assert rows_since(centre.primary.url("cso"), back) == 0


def test_dropped_packets_refused_within_the_deadline_and_actions_resume(centre):
    proxy = TcpProxy(centre.primary.port)
    centre.workspace.on_close(proxy.close)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/cso"
    with Writers(url, centre.units, deadline_s=DEADLINE_S) as writers:
        writers.wait_for_successes(12)
        cut = time.monotonic()
        proxy.blackhole()
        writers.wait_for_failures(6, after=cut)
        proxy.restore()
        writers.wait_for_successes(6, after=time.monotonic())
    centre.check_bounded(writers)
    assert writers.acknowledged_lost(centre.primary.url("cso")) == []


def test_standby_down_under_synchronous_replication_refuses_then_resumes(centre):
    with Writers(centre.url, centre.units, deadline_s=DEADLINE_S) as writers:
        writers.wait_for_successes(12)
        down = time.monotonic()
        centre.standby.stop()
        writers.wait_for_failures(4, after=down)
        centre.standby.start()
        writers.wait_for_successes(6, after=time.monotonic())
    centre.check_bounded(writers)
    unconfirmed = writers.refusals("UnconfirmedWriteError")
    assert unconfirmed, writers.summary()
    assert "the standby did not confirm it in time" in unconfirmed[0].error
    assert writers.acknowledged_lost(centre.primary.url("cso")) == []


def test_an_action_stopped_at_its_deadline_is_not_applied_when_the_frozen_server_wakes(caplog, dispatcher):
    """The dispatcher was told "stopped": the pool must not reconnect after the cut and commit it late."""
    space = Workspace()
    try:
        server = PgServer.create(space)
        server.execute("CREATE DATABASE cso")
        db = Database(server.url("cso"), limits=Limits(DEADLINE_S))
        units = small_shift(db, units=1)
        incident = welfare_call(db, dispatcher)
        lane = ActionLane(deadline_s=DEADLINE_S, interrupt=db.interrupt_thread, name="stopped")

        server.freeze()
        future = lane.submit(partial(services.dispatch_units, db, dispatcher, incident.id, units))
        with pytest.raises(ActionTimeoutError):
            future.result(timeout=DEADLINE_S + SLACK_S)
        server.thaw()
        _wait_for(lambda: "answered after its deadline" in caplog.text)

        assert services.get_incident(db, incident.id).units == ()
        assert services.dispatch_units(db, dispatcher, incident.id, units).units == ("CSO11",)
        lane.shutdown(timeout=5)
        db.dispose()
    finally:
        space.close()


def _wait_for(condition, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.05)

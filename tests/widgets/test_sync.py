"""SyncMonitor, ConnectionBanner and the conflict panel: a console following other workstations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from data import services
from data.db import Database
from data.feed import Change
from data.listen import Backoff
from data.permissions import Actor
from tests.conftest import terminate_connections
from tests.data.helpers import small_shift, welfare_call
from widgets.actions import DispatchActions
from widgets.conflict import ConflictResolver
from widgets.operations import Operations
from widgets.store import BoardStore
from widgets.sync import ConnectionBanner, SyncMonitor
from widgets.tasks import TaskRunner

OTHER = Actor("dispatcher.other", workstation="ws-other")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")  # offscreen: no window manager


@dataclass
class Console:
    db: Database
    runner: TaskRunner
    store: BoardStore
    monitor: SyncMonitor
    loads: list[int]
    received: list[list[Change]]


@pytest.fixture
def console_on(qtbot, qloop, clock) -> Iterator:
    """Build a following console on a URL; stopped and disposed afterwards."""
    built: list[Console] = []

    def build(url: str, *, backoff: Backoff | None = None) -> Console:
        db = Database(url, clock=clock, upgrade=False)
        runner = TaskRunner()
        store = BoardStore(db, Operations(runner))
        store.flush_timer.setInterval(0)
        monitor = SyncMonitor(store, poll_interval=0.05, backoff=backoff)
        console = Console(db, runner, store, monitor, [], [])
        store.board_loaded.connect(lambda: console.loads.append(1))
        monitor.changes_received.connect(console.received.append)
        monitor.start()
        with qtbot.waitSignal(store.board_loaded):
            store.load()
        qtbot.waitUntil(lambda: monitor.running)
        built.append(console)
        return console

    yield build
    for console in built:
        task = console.monitor.stop()
        if task is not None:
            qtbot.waitUntil(task.done)
        console.store.close()
        console.runner.shutdown()
        console.db.dispose()


# SQLite: two consoles on one file ---------------------------------------------------------------
def test_sqlite_console_follows_another_connection_row_by_row(qtbot, console_on, db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    b = console_on(db.url)
    assert b.monitor.mechanism == "data_version"
    inc = welfare_call(db, dispatcher)
    qtbot.waitUntil(lambda: inc.id in b.store.incidents)
    done = services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    qtbot.waitUntil(lambda: b.store.incidents[inc.id].version == done.version)
    qtbot.waitUntil(lambda: b.store.units[unit_id].status == "dispatched")
    assert b.loads == [1]  # incremental: the board was loaded once, at start


def test_own_commits_are_not_applied_a_second_time(qtbot, console_on, db, dispatcher):
    small_shift(db, units=1)
    b = console_on(db.url)
    actions = DispatchActions(b.store, OTHER, Operations(b.store.runner))
    with qtbot.waitSignal(actions.operations.reported):
        own = actions.create_incident(fields={"call_type": "WELFARE", "location": "Plummer Park"})
    theirs = welfare_call(db, dispatcher)
    qtbot.waitUntil(lambda: any(Change("incident", theirs.id, 1) in batch for batch in b.received))
    seen = [c for batch in b.received for c in batch]
    assert own.result.id in b.store.incidents
    assert not [c for c in seen if c.id == own.result.id and c.kind in ("incident", "timeline")]


# PostgreSQL: NOTIFY ------------------------------------------------------------------------------
@pytest.mark.postgres
def test_postgres_console_follows_notify(qtbot, console_on, pg_url, clock, dispatcher):
    a = Database(pg_url, clock=clock)
    unit_id, *_ = small_shift(a, units=1)
    b = console_on(pg_url)
    assert b.monitor.mechanism == "notify"
    inc = welfare_call(a, dispatcher)
    qtbot.waitUntil(lambda: inc.id in b.store.incidents, timeout=3000)
    services.dispatch_units(a, dispatcher, inc.id, [unit_id])
    qtbot.waitUntil(lambda: b.store.units[unit_id].incident_id == inc.id, timeout=3000)
    assert b.loads == [1]
    a.dispose()


class CommitWhileDeaf(Backoff):
    """Runs `commit` once, when the feed has lost its connection and before it tries again.

    What is committed then, the console cannot have heard: no timing decides it.
    """

    def __init__(self, commit: Callable[[], Any]) -> None:
        super().__init__(initial=0.05, cap=0.05)
        self.commit: Callable[[], Any] | None = commit
        self.committed: Any = None

    def next(self) -> float:
        if self.commit is not None:
            commit, self.commit = self.commit, None
            self.committed = commit()
        return super().next()


@pytest.mark.postgres
def test_lost_connection_shows_the_banner_and_reloads_the_board_once(qtbot, console_on, pg_url, clock, dispatcher):
    a = Database(pg_url, clock=clock)
    small_shift(a, units=1)
    deaf = CommitWhileDeaf(lambda: welfare_call(a, dispatcher))
    b = console_on(pg_url, backoff=deaf)
    host = QWidget()
    qtbot.addWidget(host)
    banner = ConnectionBanner(a.pack.timezone, host)
    banner.follow(b.monitor)
    host.show()
    with qtbot.waitSignal(b.monitor.connection_lost, timeout=3000) as lost:
        terminate_connections(pg_url)
    assert lost.args[0] == clock()
    assert banner.isVisible()
    assert banner.text.startswith("Disconnected since 08:00:00 (local time)")
    assert not b.monitor.connected
    with qtbot.waitSignals([b.monitor.connection_restored, b.monitor.resynchronised], timeout=20000):
        pass
    missed = deaf.committed  # its NOTIFY went nowhere: b was not listening
    assert missed is not None
    assert not banner.isVisible()
    assert missed.id in b.store.incidents
    assert b.loads == [1, 1]  # the start, and one full resynchronisation
    later = welfare_call(a, dispatcher, location="Plummer Park")
    qtbot.waitUntil(lambda: later.id in b.store.incidents, timeout=3000)
    assert b.loads == [1, 1]  # incremental again
    a.dispose()


@pytest.mark.postgres
def test_a_console_started_while_the_server_is_down_says_so(qtbot, qloop, clock):
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/none", clock=clock, upgrade=False)
    runner = TaskRunner()
    store = BoardStore(db, Operations(runner))
    monitor = SyncMonitor(store, backoff=Backoff(initial=0.2, cap=0.2))
    with qtbot.waitSignal(monitor.connection_lost, timeout=5000):
        monitor.start()
    assert monitor.disconnected_since == clock()
    task = monitor.stop()
    qtbot.waitUntil(lambda: task is not None and task.done())
    store.close()
    runner.shutdown()
    db.dispose()


# Banner --------------------------------------------------------------------------------------
def test_banner_shows_local_time_and_clears(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    banner = ConnectionBanner("America/Los_Angeles", host)
    host.show()
    assert not banner.isVisible()
    banner.show_disconnected(dt.datetime(2026, 7, 4, 19, 2, 11, tzinfo=dt.UTC))
    assert banner.isVisible()
    assert banner.text.startswith("Disconnected since 12:02:11 (local time)")  # PDT
    assert banner.accessibleDescription() == banner.text
    banner.show_connected()
    assert not banner.isVisible()


# Conflicts -----------------------------------------------------------------------------------
def test_stale_edit_opens_the_panel_and_reapply_uses_the_fresh_version(qtbot, store, actions, db, dispatcher):
    inc = welfare_call(db, dispatcher)
    with qtbot.waitSignal(store.board_loaded):
        store.load()
    seen = store.incidents[inc.id]
    theirs = services.update_incident(db, OTHER, inc.id, expected_version=seen.version, location="Plummer Park")
    resolver = ConflictResolver(actions)
    qtbot.addWidget(resolver.panel)
    with qtbot.waitSignal(resolver.conflict_shown) as shown:
        resolver.update(inc.id, seen.version, priority=1, narrative="Caller now says two people")
    error = shown.args[0]
    assert error.changed_by == "dispatcher.other"
    # The panel explains it; the status line carries the refusal once.
    assert [r.kind for r in actions.operations.reports] == ["refused"]
    panel = resolver.panel
    assert panel.isVisible()
    assert "changed by dispatcher.other (update incident" in panel.message.text()
    assert panel.changed_by.text() == "Changed by dispatcher.other: update incident"
    assert panel.rows() == [
        ("Priority", str(inc.priority), "1"),
        ("Narrative", "—", "Caller now says two people"),
    ]
    assert panel.current is not None and panel.current.version == theirs.version
    with qtbot.waitSignal(actions.operations.reported):
        qtbot.mouseClick(panel.reapply_button, Qt.MouseButton.LeftButton)
    stored = services.get_incident(db, inc.id)
    assert (stored.priority, stored.location, stored.narrative) == (1, "Plummer Park", "Caller now says two people")
    assert store.incidents[inc.id].version == stored.version == theirs.version + 1
    assert not panel.isVisible()


def test_update_without_a_stale_handler_is_refused_plainly(qtbot, store, actions, db, dispatcher):
    inc = welfare_call(db, dispatcher)
    services.update_incident(db, OTHER, inc.id, expected_version=inc.version, priority=1)
    with qtbot.waitSignal(actions.operations.reported) as reported:
        actions.update(inc.id, inc.version, changes={"priority": 2})
    assert reported.args[0].kind == "refused"
    assert "was changed by dispatcher.other" in reported.args[0].text

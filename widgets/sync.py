"""Other workstations' changes into this console's board, and a banner while the database is out of reach.

Out of reach means either: the change feed's connection is down, or an action failed because the
database did not answer (a frozen or partitioned server can leave the feed looking alive). After
either comes back, the board is reloaded and checked against what this console had acknowledged
(data.services.resync): anything the server lacks is reported, never silently dropped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from data import services
from data.feed import Change
from data.ledger import LedgerEntry
from data.listen import (
    Backoff,
    ChangeLogPoller,
    EchoFilter,
    SQLiteFollower,
    listen_changes,
    poll_changes,
    sqlite_path,
)
from data.records import IncidentRecord
from widgets.operations import Operations
from widgets.store import BoardStore
from widgets.tasks import TaskRunner

log = logging.getLogger(__name__)


class SyncMonitor(QObject):
    """Follows the database for this console: NOTIFY on PostgreSQL, data_version + change_log on SQLite.

    Changes committed elsewhere go to the store row by row; after a lost connection comes back the
    board is reloaded once, then updates are incremental again. Runs on the qasync loop; the blocking
    parts run on the store's task runner or on a poll thread of its own.
    """

    connection_lost = Signal(object)  # dt.datetime (UTC): when the link to the database went down
    connection_restored = Signal()
    actions_failing = Signal(object, str)  # since (UTC), the last refusal: actions get no answer
    actions_answered = Signal()  # the database answers actions again
    changes_received = Signal(list)  # list[Change] committed by other workstations
    resynchronised = Signal()  # the full reload after a reconnect is in the store
    actions_lost = Signal(list)  # list[LedgerEntry]: acknowledged, then missing on the server after a resync

    def __init__(
        self,
        store: BoardStore,
        *,
        poll_interval: float = 0.25,
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.db = store.db
        self.poll_interval = poll_interval
        self.backoff = backoff or Backoff(initial=0.1, cap=2.0)
        self._connected = True
        self._since: dt.datetime | None = None
        self._first_link = True
        self._stopped = False
        self._echo = EchoFilter()
        self._poller = ChangeLogPoller(self.db.read_engine)
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._follower: SQLiteFollower | None = None
        self._unsubscribe = self.db.feed.subscribe(self._echo.remember)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(1000)
        self._retry.timeout.connect(self.resynchronise)
        self.changes_received.connect(store.apply_changes)
        # Actions failing for want of an answer: probe on a lane of its own until the database answers.
        self._failing_since: dt.datetime | None = None
        runner = store.runner
        self._probe_runner = TaskRunner(self, deadline_s=runner.deadline_s, interrupt=self.db.interrupt_thread)
        # Background reads with their own failure handling (a log line, a retry, the banner): their
        # reports have no listener, so a link going down is not also a status-bar error per read.
        self._reads = Operations(runner, self)
        self._probes = Operations(self._probe_runner, self)
        self._probing = False
        self.probe_timer = QTimer(self)
        self.probe_timer.setSingleShot(True)
        self.probe_timer.setInterval(1000)
        self.probe_timer.timeout.connect(self._probe)
        runner.database_unavailable.connect(self.note_action_unavailable)

    # State -------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def disconnected_since(self) -> dt.datetime | None:
        return self._since

    @property
    def actions_failing_since(self) -> dt.datetime | None:
        return self._failing_since

    @property
    def mechanism(self) -> str:
        if self.db.dialect == "postgresql":
            return "notify"
        if sqlite_path(self.db.url) is not None:
            return "data_version"
        return "none"  # an in-memory database has no other workstation

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # Start and stop ----------------------------------------------------------------------------
    def start(self) -> None:
        """Take the change_log cursor (before the board loads: the runner keeps order), then follow."""
        if self._task is not None or self.mechanism == "none":
            return
        self._reads.run(
            self._poller.prime,
            owner=self,
            on_success=self._on_primed,
            on_failure=self._on_prime_failed,
            report_failure=False,
        )

    def stop(self) -> asyncio.Task[None] | None:
        """Stop following for good; returns the task, done once its connection is closed."""
        self._stopped = True
        self._unsubscribe()
        self._retry.stop()
        self.probe_timer.stop()
        self._probe_runner.shutdown()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        if self._executor is not None:
            if self._follower is not None:
                self._executor.submit(self._follower.close)  # its connection belongs to the poll thread
            self._executor.shutdown(wait=False)
            self._executor = None
        return task

    def resynchronise(self) -> None:
        """Reload the whole board once (what was committed while the link was down is not in the feed),
        and find what this console had acknowledged or shown that the server no longer has."""
        shown = {i.id: _as_created(i) for i in self.store.incidents.values()}
        db = self.db
        self._reads.run(
            lambda: services.resync(db, shown),
            owner=self,
            on_success=self._on_resync_loaded,
            on_failure=self._on_resync_failed,
            report_failure=False,
        )

    # Actions the database did not answer ------------------------------------------------------------
    def note_action_unavailable(self, reason: str) -> None:
        """An action failed because the database did not answer: say so until a probe gets an answer."""
        if self._stopped:
            return
        if self._failing_since is None:
            self._failing_since = self.db.clock()
        self.actions_failing.emit(self._failing_since, reason)
        if not self._probing and not self.probe_timer.isActive():
            self.probe_timer.start()

    def _probe(self) -> None:
        if self._stopped or self._failing_since is None:
            return
        self._probing = True
        db = self.db
        self._probes.run(
            lambda: services.ping(db),
            owner=self,
            on_success=self._on_probe_answered,
            on_failure=self._on_probe_failed,
            report_failure=False,
        )

    def _on_probe_answered(self, _result: object) -> None:
        self._probing = False
        if self._failing_since is None or self._stopped:
            return
        self._failing_since = None
        self.actions_answered.emit()
        self.resynchronise()

    def _on_probe_failed(self, exc: Exception) -> None:
        self._probing = False
        if self._failing_since is not None and not self._stopped:
            self.actions_failing.emit(self._failing_since, str(exc))
            self.probe_timer.start()

    def _on_primed(self, _cursor: int) -> None:
        self._follow()

    def _on_prime_failed(self, exc: Exception) -> None:
        log.warning("sync: cannot read the change log yet (%s); will reload on connect", exc)
        self._follow()

    def _follow(self) -> None:
        if self._task is not None or self._stopped:
            return
        if self.mechanism == "notify":
            coro = listen_changes(self.db.url, self._on_feed_changes, self._on_link_state, backoff=self.backoff)
        else:
            path = sqlite_path(self.db.url)
            assert path is not None
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cso-sync")
            self._follower = SQLiteFollower(self.db.read_engine, path, self._poller)
            coro = poll_changes(
                self._follower,
                self._on_feed_changes,
                self._on_link_state,
                interval=self.poll_interval,
                executor=self._executor,
                backoff=self.backoff,
            )
        self._task = asyncio.ensure_future(coro)
        self._task.add_done_callback(self._on_task_done)

    # Feed --------------------------------------------------------------------------------------
    def _on_feed_changes(self, changes: list[Change]) -> None:
        foreign = self._echo.foreign(changes)
        if foreign:
            self.changes_received.emit(foreign)

    def _on_link_state(self, connected: bool) -> None:
        first, self._first_link = self._first_link, False
        if not connected:
            if self._connected:
                self._connected = False
                self._since = self.db.clock()
                self._echo.clear()  # notifications of our commits are lost with the link; the reload covers them
                self._retry.stop()
                self.connection_lost.emit(self._since)
            return
        if self._connected:
            if first:
                self._catch_up()
            return
        self._connected = True
        self._since = None
        self.connection_restored.emit()
        self.resynchronise()

    def _catch_up(self) -> None:
        """First LISTEN in place: rows committed since the cursor was taken (none, usually)."""
        if self.mechanism != "notify":
            if not self._poller.primed:
                self.resynchronise()
            return
        if self._poller.primed:
            self._reads.run(
                self._poller.poll,
                owner=self,
                on_success=self._on_feed_changes,
                on_failure=self._on_catch_up_failed,
                report_failure=False,
            )
        else:
            self.resynchronise()

    def _on_catch_up_failed(self, exc: Exception) -> None:
        log.warning("sync: catching up failed (%s); reloading the board", exc)
        self._retry.start()

    def _on_resync_loaded(self, result: services.Resync) -> None:
        self.store.set_board(result.board)
        if result.lost:
            self.actions_lost.emit(list(result.lost))
        self.resynchronised.emit()

    def _on_resync_failed(self, exc: Exception) -> None:
        log.warning("sync: reloading the board failed (%s)", exc)
        if self._connected and self._task is not None:
            self._retry.start()

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("sync: following the database stopped", exc_info=exc)
            self._on_link_state(False)


def _as_created(incident: IncidentRecord) -> LedgerEntry:
    """An incident on the board, as its creation would stand in the ledger (no key: matched by number)."""
    return LedgerEntry("", incident.received_at, "create_incident", "incident", incident.id, incident.number)


class ConnectionBanner(QWidget):
    """A red strip across the window while the database is out of reach; hidden otherwise."""

    def __init__(self, timezone: str | dt.tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self.setObjectName("connectionBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#connectionBanner { background: #b71c1c; }"
            "#connectionBanner QLabel { color: #ffffff; font-weight: 600; padding: 4px 8px; }"
        )
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        self.setAccessibleName("Connection banner")
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def follow(self, monitor: SyncMonitor) -> None:
        monitor.connection_lost.connect(self.show_disconnected)
        monitor.connection_restored.connect(self.show_connected)
        monitor.actions_failing.connect(self.show_actions_failing)
        monitor.actions_answered.connect(self.show_actions_answered)

    _feed_down: dt.datetime | None = None
    _actions_down: tuple[dt.datetime, str] | None = None

    def show_disconnected(self, since: dt.datetime) -> None:
        self._feed_down = since
        self._refresh()

    def show_connected(self) -> None:
        self._feed_down = None
        self._refresh()

    def show_actions_failing(self, since: dt.datetime, reason: str) -> None:
        self._actions_down = (since, reason)
        self._refresh()

    def show_actions_answered(self) -> None:
        self._actions_down = None
        self._refresh()

    def _clock(self, moment: dt.datetime) -> str:
        return moment.astimezone(self._tz).strftime("%H:%M:%S")

    def _refresh(self) -> None:
        if self._feed_down is not None:
            text = (
                f"Disconnected since {self._clock(self._feed_down)} (local time). Reconnecting… The board shows the "
                "last known state; actions are refused until the database is back."
            )
        elif self._actions_down is not None:
            since, reason = self._actions_down
            text = (
                f"The database has not been answering actions since {self._clock(since)} (local time). Actions are "
                f"refused until it answers; the board shows the last known state. Last refusal: {reason}"
            )
        else:
            self.hide()
            return
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self.show()

"""The console's side of transfers: the inbox folder watched, each new call announced, the outbox published.

The blocking work (reading and importing documents, writing update files) runs through the operation
layer on the task runner's worker thread; this object only schedules it and reports what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from data.eido_transfer import Place
from data.feed import Change
from data.permissions import Actor
from data.services.answer_back import drain_outbox
from data.services.transfers import Placement
from data.transfer_inbox import Inbox, InboxOutcome
from widgets.operations import Operations
from widgets.store import BoardStore
from widgets.tasks import TaskRunner

log = logging.getLogger(__name__)

Locator = Callable[[Place], Placement]
T = TypeVar("T")


def default_locator(store: BoardStore) -> Callable[[], Locator]:
    """The map-backed locator, built on first use (on the worker thread: it loads the geocoder)."""

    def build() -> Locator:
        from maps.placement import transfer_locator

        return transfer_locator(store.db.pack)

    return build


class TransferWatch(QObject):
    """Imports what arrives in the inbox and writes the EIDO updates owed to the agencies that sent calls."""

    call_transferred = Signal(object)  # IncidentRecord: a new call another agency sent
    cue_sounded = Signal()  # the audible cue for a new transferred call
    _changes_arrived = Signal(list)

    def __init__(
        self,
        store: BoardStore,
        actor: Actor,
        *,
        operations: Operations | None = None,
        inbox: Path | None,
        outbox: Path | None,
        locator: Callable[[], Locator] | None = None,
        poll_ms: int = 2000,
        settle_s: float = 2.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # Its own worker by default: a batch of documents (and the first geocoder load) must not hold up
        # the dispatcher's actions, nor be cut by their deadline. The window shows its reports all the same.
        self._own_runner: TaskRunner | None = None
        if operations is None:
            self._own_runner = TaskRunner(self)
            operations = Operations(self._own_runner, self)
        self._ops = operations
        self._store = store
        self._actor = actor
        self.inbox = Inbox(inbox, settle_s=settle_s) if inbox else None
        self.outbox = outbox
        self._locator_factory = locator or default_locator(store)
        self._locator: Locator | None = None
        self._busy = {"scan": False, "drain": False}
        self._again = {"scan": False, "drain": False}
        self._retrying: dict[str, str] = {}  # name -> last reason, so a waiting document is reported once
        self._problems: dict[str, str] = {}
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_watcher_directory_changed)
        # A document that just appeared is looked at again once it has had time to settle.
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(int(settle_s * 1000) + 100)
        self._settle_timer.timeout.connect(self.scan)
        # Periodic look for what a watcher can miss (network folders, stale claims, updates from other consoles).
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_ms)
        self.poll_timer.timeout.connect(self._on_poll_timer_timeout)
        self._changes_arrived.connect(self.on_changes, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = store.db.feed.subscribe(self._changes_arrived.emit)

    @property
    def active(self) -> bool:
        return self.inbox is not None or self.outbox is not None

    def start(self) -> None:
        if not self.active:
            return
        if self.inbox is not None and self.outbox is not None and self.inbox.folder.resolve() == self.outbox.resolve():
            # Our own updates would be taken back in (and away from the agency they are for).
            self._ops.report(
                "failed", f"The EIDO inbox and outbox are the same folder ({self.outbox}); the inbox is off.", self
            )
            self.inbox = None
        if self.inbox is not None:
            try:
                self.inbox.prepare()
                self._watcher.addPath(str(self.inbox.folder))
            except OSError as exc:
                self._ops.report("failed", f"The EIDO inbox {self.inbox.folder} cannot be used: {exc}", self)
        self.poll_timer.start()
        self.scan()
        self.drain()

    @property
    def operations(self) -> Operations:
        return self._ops

    def stop(self) -> None:
        self.poll_timer.stop()
        self._settle_timer.stop()
        self._unsubscribe()
        if self._own_runner is not None:
            self._own_runner.shutdown()  # the document being imported is finished, not cut

    # Inbox -------------------------------------------------------------------------------------
    def scan(self) -> None:
        """Import every settled document in the inbox (one scan at a time; a request meanwhile runs after)."""
        if self.inbox is None:
            return
        inbox, db, actor = self.inbox, self._store.db, self._actor

        def work() -> tuple[list[InboxOutcome], str]:
            try:
                return inbox.process(db, actor, self._locate), ""
            except OSError as exc:  # the folder itself: reported once, looked at again on the next poll
                return [], f"The EIDO inbox {inbox.folder} cannot be read: {exc.strerror or exc}"

        self._run_alone("scan", work, self._on_scanned)

    def _locate(self, place: Place) -> Placement:
        if self._locator is None:  # worker thread: the geocoder loads here, not on the GUI thread
            self._locator = self._locator_factory()
        return self._locator(place)

    def _on_scanned(self, result: tuple[list[InboxOutcome], str]) -> None:
        outcomes, problem = result
        self._report_problem("scan", problem)
        created = []
        for outcome in outcomes:
            if outcome.kind == "retry":
                if self._retrying.get(outcome.name) != outcome.text:
                    self._retrying[outcome.name] = outcome.text
                    self._ops.report("refused", outcome.text, self)
                continue
            self._retrying.pop(outcome.name, None)
            if outcome.incident is not None:
                self._store.put(incidents=[outcome.incident])
            self._ops.report("refused" if outcome.kind == "refused" else "done", outcome.text, self)
            if outcome.kind == "created" and outcome.incident is not None:
                created.append(outcome.incident)
        for record in created:
            self.call_transferred.emit(record)
        if created:
            self.sound_cue()

    def sound_cue(self) -> None:
        """The audible cue for a new call from another agency (the system bell; silent without a speaker)."""
        QApplication.beep()
        self.cue_sounded.emit()

    # Outbox ------------------------------------------------------------------------------------
    def drain(self) -> None:
        """Write the EIDO updates owed to sending agencies (one drain at a time)."""
        if self.outbox is None:
            return
        outbox, db = self.outbox, self._store.db

        def work() -> tuple[list[Path], str]:
            try:
                return drain_outbox(db, outbox), ""
            except OSError as exc:  # the update stays queued in the database until the folder can be written
                return (
                    [],
                    f"EIDO updates cannot be written to {outbox}: {exc.strerror or exc}; they wait in the database",
                )

        self._run_alone("drain", work, self._on_drained)

    def _on_drained(self, result: tuple[list[Path], str]) -> None:
        written, problem = result
        self._report_problem("drain", problem)
        for path in written:
            log.info("EIDO update written: %s", path)

    def _report_problem(self, what: str, text: str) -> None:
        """A folder problem is reported when it starts (and again if it changes), not on every poll."""
        if text and self._problems.get(what) != text:
            self._ops.report("failed", text, self)
        self._problems[what] = text

    def on_changes(self, changes: Iterable[Change]) -> None:
        """A committed action owes an update (ours from the feed, another console's from sync): publish it."""
        if any(change.kind == "eido_outbox" for change in changes):
            self.drain()

    # Scheduling --------------------------------------------------------------------------------
    def _run_alone(self, what: str, work: Callable[[], T], on_success: Callable[[T], None]) -> None:
        """One scan (or drain) at a time: asked for while one runs, it runs once more afterwards."""
        if self._busy[what]:
            self._again[what] = True
            return
        self._busy[what] = True
        self._ops.run(work, owner=self, on_success=on_success, on_finished=lambda: self._finished(what))

    def _finished(self, what: str) -> None:
        self._busy[what] = False
        if self._again[what]:
            self._again[what] = False
            (self.scan if what == "scan" else self.drain)()

    def _on_watcher_directory_changed(self, _path: str) -> None:
        self.scan()
        self._settle_timer.start()

    def _on_poll_timer_timeout(self) -> None:
        self.scan()
        self.drain()

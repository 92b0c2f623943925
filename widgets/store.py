"""The console's copy of the board, kept current from the change feed, row by row."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from data import names, services
from data.db import Database
from data.errors import NotFoundError
from data.feed import Change
from data.records import Board, IncidentRecord, UnitRecord
from widgets.operations import Operations

log = logging.getLogger(__name__)


class BoardStore(QObject):
    """Holds incidents and units by id; views connect to its signals and never query themselves."""

    board_loaded = Signal()
    incidents_changed = Signal(list)  # list[IncidentRecord], new or updated
    units_changed = Signal(list)  # list[UnitRecord], new or updated (off-shift ones included)
    timeline_changed = Signal(int)  # incident id
    cautions_changed = Signal(int)  # caution id (widgets.location_history, widgets.cautions)
    _changes_arrived = Signal(list)

    def __init__(self, db: Database, operations: Operations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.operations = operations  # the window's: its reads report only failures
        self.runner = operations.runner
        self.incidents: dict[int, IncidentRecord] = {}
        self.units: dict[int, UnitRecord] = {}
        self._dirty: dict[str, set[int]] = {"incident": set(), "unit": set()}
        # Bursts of feed events are fetched together; tests may set the interval to 0.
        self.flush_timer = QTimer(self)
        self.flush_timer.setSingleShot(True)
        self.flush_timer.setInterval(30)
        self.flush_timer.timeout.connect(self._flush)
        # The feed calls back on whichever thread committed; the queued signal brings it here.
        self._changes_arrived.connect(self.apply_changes, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = db.feed.subscribe(self._changes_arrived.emit)

    def close(self) -> None:
        self._unsubscribe()

    # Loading -----------------------------------------------------------------------------------
    def load(self) -> None:
        db = self.db
        self.operations.run(lambda: services.load_board(db), owner=self, on_success=self.set_board)

    def set_board(self, board: Board) -> None:
        self.incidents = {i.id: i for i in board.incidents}
        self.units = {u.id: u for u in board.units}
        self.board_loaded.emit()

    # Incremental updates -----------------------------------------------------------------------
    def apply_changes(self, changes: Iterable[Change]) -> None:
        for change in changes:
            if change.kind == "timeline":
                self.timeline_changed.emit(change.id)
                continue
            if change.kind == "caution":
                self.cautions_changed.emit(change.id)
                continue
            if change.kind not in self._dirty:
                continue
            known = self.incidents.get(change.id) if change.kind == "incident" else self.units.get(change.id)
            if known is not None and change.version and known.version >= change.version:
                continue  # already showing this version (our own action's result, say)
            self._dirty[change.kind].add(change.id)
        if any(self._dirty.values()) and not self.flush_timer.isActive():
            self.flush_timer.start()

    def _flush(self) -> None:
        incident_ids = sorted(self._dirty["incident"])
        unit_ids = sorted(self._dirty["unit"])
        self._dirty = {"incident": set(), "unit": set()}

        def fetch() -> tuple[list[IncidentRecord], list[UnitRecord]]:
            incidents = services.get_incidents(self.db, incident_ids) if incident_ids else []
            units = services.get_units(self.db, unit_ids) if unit_ids else []
            return incidents, units

        self.operations.run(fetch, owner=self, on_success=lambda result: self.put(*result))

    def put(self, incidents: Iterable[IncidentRecord] = (), units: Iterable[UnitRecord] = ()) -> None:
        """Take newer records (from the feed or straight from an action's result)."""
        fresh_incidents = []
        for rec in incidents:
            old = self.incidents.get(rec.id)
            if old is None or rec.version > old.version or (rec.version == old.version and rec != old):
                self.incidents[rec.id] = rec
                fresh_incidents.append(rec)
        fresh_units = []
        for unit in units:
            old_unit = self.units.get(unit.id)
            # Equal versions can still differ in what is joined in (crew, incident number).
            if (
                old_unit is None
                or unit.version > old_unit.version
                or (unit.version == old_unit.version and unit != old_unit)
            ):
                self.units[unit.id] = unit
                fresh_units.append(unit)
        if fresh_incidents:
            self.incidents_changed.emit(fresh_incidents)
        if fresh_units:
            self.units_changed.emit(fresh_units)

    def on_shift_units(self) -> list[UnitRecord]:
        return sorted((u for u in self.units.values() if u.on_shift), key=lambda u: u.call_sign)

    # Names as typed (data.names, the services' own matcher) -------------------------------------
    def find_unit(self, text: str) -> UnitRecord | None:
        """The unit a typed name means, when the board can tell; None: only the database can.

        The board holds every unit on shift, which the services' matcher prefers; a name none of them
        has may be a unit off shift, which the board may not hold.
        """
        try:
            # In the order the database lists them (by id), so an ambiguous name reads the same either way.
            on_shift = sorted((u for u in self.units.values() if u.on_shift), key=lambda u: u.id)
            return names.match_unit(on_shift, text)
        except NotFoundError:
            return None

    def find_incident(self, text: str) -> IncidentRecord | None:
        """The incident a typed number or its last digits mean, when the board can tell; None: ask the database.

        The board holds every open incident, which the services' matcher prefers; a closed one may be
        older than the board, so a name that fits none of the open ones is left to the database.
        """
        known = sorted(self.incidents.values(), key=lambda i: i.id)
        exact = [i for i in known if i.number == text.strip()]
        try:
            return names.match_incident(exact or [i for i in known if i.is_open], text)
        except NotFoundError:
            return None

"""The dispatcher's window: queue, unit board, incident detail, map, command line, status bar."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFrame,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.paperwork.actions import PaperworkDesk
from console.settings import Settings
from console.supervisor_tools import SUPERVISOR_KEYS, SupervisorTools, guard_action
from data import audit_chain, services
from data.db import Database
from data.errors import AccountChangedError
from data.permissions import Actor, allowed
from widgets import theme
from widgets.accessibility import Announcer, CaptionedLabel
from widgets.actions import DispatchActions
from widgets.audit_banner import AuditChainBanner
from widgets.audit_viewer import AuditViewer
from widgets.cautions import ActiveCautions
from widgets.cheatsheet import CheatSheet
from widgets.command_line import CommandLine
from widgets.conflict import ConflictResolver
from widgets.idle_lock import IdleLock
from widgets.incident_detail import IncidentDetail
from widgets.incident_edit import IncidentEditor
from widgets.incident_queue import IncidentQueue
from widgets.intake import IntakeForm
from widgets.lost_actions import LostActionsBanner
from widgets.operations import Operations, Report
from widgets.store import BoardStore
from widgets.sync import ConnectionBanner, SyncMonitor
from widgets.tasks import TaskRunner
from widgets.transfer_watch import TransferWatch
from widgets.unit_board import UnitBoard

log = logging.getLogger(__name__)

# Bump when the docks are arranged differently, so old saved layouts are not restored.
LAYOUT_VERSION = 3
# The incident pane shares the right column with the board only when the board keeps every row and
# the pane still gets this many text lines of height; otherwise it is a tab over the map.
DETAIL_MIN_LINES = 30
# A slow database: the window shows after this long even without its rows (they follow).
SHOW_AT_LATEST_MS = 3000

# (area, key, meaning), the cheat sheet's format.
WINDOW_KEYS = (
    ("Window", "F2", "New call (intake)"),
    ("Window", "F3 / Ctrl+L", "Jump to the command line"),
    ("Window", "F4", "Jump to the incident queue"),
    ("Window", "F5", "Jump to the unit board"),
    ("Window", "F6", "Jump to the incident detail"),
    ("Window", "Ctrl+F", "Search the queue"),
    ("Window", "Ctrl++ / Ctrl+-", "Larger or smaller text in the whole window"),
    ("Window", "Ctrl+Shift+T", "Switch between night and day themes"),
    ("Place", "Alt+H", "Intake or detail: every incident at the place in 12 months, and its cautions"),
    ("Place", "Alt+K", "Intake or detail: add a caution at the place (supervisors)"),
    ("Paperwork", "Ctrl+Shift+W / WL [shift]", "Welfare-check log of this shift (or of shift number N)"),
    ("Paperwork", "CIT <incident> / Ctrl+T", "Issue a citation on an incident; the pane lists, reprints and voids"),
    ("Paperwork", "WC <incident> / Ctrl+W", "Record or correct the welfare-check form of an incident"),
    ("Paperwork", "VOID <citation> <reason>", "Void a citation (supervisors); the reprint is marked VOID"),
    ("Session", "Ctrl+Shift+L", "Lock now; your password unlocks it"),
    ("Session", "Ctrl+Shift+A", "Audit log: who did what (supervisors and admins)"),
    ("Session", "Ctrl+Shift+Q", "Sign out at shift end"),
)


class IntakeDialog(QDialog):
    """Call intake in its own window so the board stays visible behind it."""

    def __init__(self, form: IntakeForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New call")
        self.setModal(False)
        self.form = form
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(form)
        form.incident_created.connect(self._on_form_done)
        form.cancelled.connect(self._on_form_done)
        self.resize(740, 780)  # room for the place's cautions and history, and the outside-city choice

    def reject(self) -> None:
        """Escape or the window's close button: the form asks first when anything is typed."""
        self.form.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.form.has_typing() or self.form.saving:
            event.ignore()
            self.form.cancel()
            return
        super().closeEvent(event)

    def _on_form_done(self, *_: object) -> None:
        self.hide()
        parent = self.parentWidget()
        if parent is not None:  # back to the board, ready for the dispatch command
            parent.activateWindow()


class MainWindow(QMainWindow):
    sign_out_requested = Signal()  # the session returns to the sign-in dialog
    account_notice: QMessageBox | None  # made on the first account change, then reused

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        demo: bool = False,
        with_map: bool = True,
        settings: Settings | None = None,
        demo_sign_in: bool | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.actor = actor
        self.demo = demo
        # The demo dispatcher signs in without a password (demo data and no accounts in the database).
        self.demo_sign_in = demo if demo_sign_in is None else demo_sign_in
        self.settings = settings or Settings()
        self.setObjectName("mainWindow")
        # No fixed accessible name: a screen reader reads the title (city, demo, who is signed in).
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        # Units and incident detail run the full height on the right; the map and command line sit under the queue.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._tz = ZoneInfo(db.pack.timezone)

        # Every action is answered within the deadline (data.centre.Limits); a stuck one is refused, not queued behind.
        deadline = db.limits.deadline_s if db.limits is not None else None
        self.runner = TaskRunner(self, deadline_s=deadline, interrupt=db.interrupt_thread)
        self.operations = Operations(self.runner, self)
        self.store = BoardStore(db, self.operations, self)
        self.dispatch_actions = DispatchActions(self.store, actor, self.operations, self)
        # Sync: other workstations' changes, and a banner while the database is out of reach.
        self.sync = SyncMonitor(self.store, parent=self)
        self.connection_banner = ConnectionBanner(db.pack.timezone, self)
        self.lost_banner = LostActionsBanner(db.pack.timezone, self)
        # Supervisors see a red strip when the audit trail's hash chain does not verify (checked once at start).
        self.audit_banner = AuditChainBanner(self)
        # Calls other agencies transfer in (the inbox folder) and the EIDO updates owed to them (the outbox).
        self.transfers = TransferWatch(
            self.store,
            actor,
            inbox=self.settings.folder("eido_inbox"),
            outbox=self.settings.folder("eido_outbox"),
            parent=self,
        )

        self.queue = IncidentQueue(self.store, clock=db.clock, parent=self)
        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.connection_banner)
        central_layout.addWidget(self.lost_banner)
        central_layout.addWidget(self.audit_banner)
        central_layout.addWidget(self.queue)
        self.setCentralWidget(central)
        # Active cautions for the map (a red sign at each place), kept current from the feed.
        self.cautions = ActiveCautions(self.store, self.operations, self)
        self.board = UnitBoard(self.store, self.dispatch_actions, clock=db.clock, parent=self)
        self.board.model.flashing = self.settings.get("alarm_flashing") != "off"
        self.detail = IncidentDetail(self.store, self.dispatch_actions, self)
        self.command_line = CommandLine(self.store, self.dispatch_actions, self)
        # Edits check the version the dispatcher saw; a stale one opens the conflict panel.
        self.editor = IncidentEditor(ConflictResolver(self.dispatch_actions, self), db.pack, self)
        self.intake = IntakeDialog(IntakeForm(self.store, self.dispatch_actions), self)
        self.cheat_sheet = CheatSheet(self, extra_keys=WINDOW_KEYS + SUPERVISOR_KEYS)
        self.board_dock = self._dock("Units", self.board, Qt.DockWidgetArea.RightDockWidgetArea)
        # In a scroll area: on a narrow column the pane scrolls rather than squeezing the queue's columns.
        detail_scroll = QScrollArea(self)
        detail_scroll.setWidget(self.detail)
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail_scroll.setAccessibleName("Incident pane")
        self.detail_dock = self._dock("Incident", detail_scroll, Qt.DockWidgetArea.RightDockWidgetArea)
        self.command_dock = self._dock("Command line", self.command_line, Qt.DockWidgetArea.BottomDockWidgetArea)
        # The incident pane takes room only while an incident is selected; closing it gives the room back.
        self.detail_dock.setFeatures(self.detail_dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.detail_dock.hide()
        self._detail_tabbed = False
        self._auto_layout = False  # no saved layout: the docks follow the window's size
        self._first_run = False
        self._shown_once = False
        self._show_pending = False
        self._board_loaded = False
        self._layout_timer = QTimer(self)
        self._layout_timer.setSingleShot(True)
        self._layout_timer.setInterval(0)
        self._layout_timer.timeout.connect(self._apply_default_layout)
        self.map_view = None
        self.map_dock = None
        if with_map:
            from maps.map_view import MapView  # QtWebEngine loads only when the map is wanted

            self.map_view = MapView(self.store, self)
            self.map_dock = self._dock("Map", self.map_view, Qt.DockWidgetArea.BottomDockWidgetArea)
            # The map sits under the queue, above the command line.
            self.splitDockWidget(self.map_dock, self.command_dock, Qt.Orientation.Vertical)
        self._build_status_bar()
        # Results, refusals and alarms reach a screen reader as announcements from the status bar.
        self.announcer = Announcer(self, target=self.statusBar(), level=self.settings.get("announcements"))
        self._build_shortcuts()
        self._connect_signals()
        self._build_session()
        # Paperwork: previews that print or save, the EIDO export (console/paperwork/actions.py)
        self.paperwork = PaperworkDesk(self)
        self._build_paperwork_menu()
        # Supervisor tools: shift change, statistics, referral follow-ups, directory (console/supervisor_tools.py)
        self.supervisor_tools = SupervisorTools(self)
        self._restore_layout()
        self.setWindowTitle(self._title())
        self.sync.start()  # takes the change-log cursor first: the runner keeps the order
        self.store.load()
        self.transfers.start()
        self._check_audit_chain()

    # Construction ------------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        dock.setAccessibleName(f"{title} pane")
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # Each label's accessible name is what it is and what it shows ("Connection: connected").
        self.clock_label = CaptionedLabel("Clock")
        self.user_label = CaptionedLabel(
            "Signed in", f"{self.actor.display_name or self.actor.username} ({self.actor.role})"
        )
        self.workstation_label = CaptionedLabel("Workstation", self.actor.workstation)
        self.db_label = CaptionedLabel("Database", self.db.display_name)
        self.connection_label = CaptionedLabel("Connection", "● connected")
        for widget in (self.user_label, self.workstation_label, self.db_label, self.connection_label, self.clock_label):
            bar.addPermanentWidget(widget)
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self._clock_timer.start()
        self._on_clock_timer_timeout()

    def _shortcut(self, keys: str | QKeySequence | list[QKeySequence], slot: object, name: str) -> QAction:
        action = QAction(name, self)
        if isinstance(keys, list):
            action.setShortcuts(keys)
        else:
            action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_shortcuts(self) -> None:
        self._shortcut("F1", self.cheat_sheet.toggle, "Cheat sheet")
        self._shortcut("F2", self.open_intake, "New call")
        self._shortcut([QKeySequence("F3"), QKeySequence("Ctrl+L")], self.focus_command_line, "Command line")
        self._shortcut("F4", self.queue.focus_table, "Queue")
        self._shortcut("F5", self.focus_board, "Units")
        self._shortcut("F6", self.focus_detail, "Incident detail")
        self._shortcut("Ctrl+F", self.queue.focus_search, "Search queue")
        self._shortcut([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")], lambda: self.change_font(+1), "Larger text")
        self._shortcut("Ctrl+-", lambda: self.change_font(-1), "Smaller text")
        self._shortcut("Ctrl+Shift+T", self.toggle_theme, "Switch theme")

    def _connect_signals(self) -> None:
        # Store: the window shows once the board is in (show_when_loaded)
        self.store.board_loaded.connect(self._on_store_board_loaded)
        # Queue: larger text widens its columns, and the board column gives way
        self.queue.metrics_changed.connect(self._on_queue_metrics_changed)
        # Queue: selection drives the detail pane and the map.
        self.queue.incident_selected.connect(self._on_queue_incident_selected)
        self.queue.incident_activated.connect(self._on_queue_incident_activated)
        # Unit board
        self.board.unit_activated.connect(self._on_board_unit_activated)
        # Time-critical changes interrupt a screen reader (widgets/accessibility.py)
        self.board.status_checks_due.connect(self._on_alarms)
        self.queue.calls_waiting_too_long.connect(self._on_alarms)
        # Command line
        self.command_line.new_call_requested.connect(self.open_intake)
        self.command_line.find_requested.connect(self._on_command_line_find_requested)
        self.command_line.incident_selected.connect(self.select_incident)
        self.command_line.help_requested.connect(self.cheat_sheet.toggle)
        self.command_line.print_requested.connect(self.print_handoff)
        self.command_line.citation_requested.connect(self.detail.open_citation_form)
        self.command_line.welfare_form_requested.connect(self.detail.open_welfare_form)
        self.command_line.welfare_log_requested.connect(self.print_welfare_log)
        self.command_line.citation_print_requested.connect(self.print_citation)
        self.command_line.incident_cleared.connect(self.detail.offer_welfare_form)
        # Incident detail
        self.detail.print_requested.connect(self.print_handoff)
        self.detail.export_eido_requested.connect(self.export_eido)
        self.detail.citation_print_requested.connect(self.print_citation)
        self.detail.welfare_print_requested.connect(self.print_welfare_check)
        self.detail.edit_requested.connect(self._on_detail_edit_requested)
        # Intake
        self.intake.form.incident_created.connect(self._on_intake_incident_created)
        # Every operation's one report reaches the status bar here, and only here.
        self.operations.reported.connect(self._on_operations_reported)
        self.operations.account_changed.connect(self._on_operations_account_changed)
        self.transfers.operations.reported.connect(self._on_operations_reported)
        # Map
        if self.map_view is not None:
            self.map_view.incident_clicked.connect(self.select_incident)
            self.map_view.new_call_requested.connect(self._on_map_new_call_requested)
            self.cautions.changed.connect(self.map_view.set_cautions)
        # Place history: an incident chosen in the full history is shown everywhere
        self.detail.place_panel.incident_activated.connect(self.select_incident)
        # Sync
        self.connection_banner.follow(self.sync)
        self.sync.connection_lost.connect(self._on_sync_connection_lost)
        self.sync.connection_restored.connect(self._on_sync_connection_restored)
        self.sync.actions_failing.connect(self._on_sync_actions_failing)
        self.sync.actions_answered.connect(self._on_sync_actions_answered)
        self.sync.actions_lost.connect(self._on_sync_actions_lost)
        # Transfers: an update another console's action owes is published here too
        self.sync.changes_received.connect(self.transfers.on_changes)

    # Slots -------------------------------------------------------------------------------------
    def _on_store_board_loaded(self) -> None:
        self._board_loaded = True
        if self._show_pending:
            self.show_now()

    def _on_queue_metrics_changed(self) -> None:
        if self._auto_layout and self._shown_once:
            self._layout_timer.start()

    def _on_queue_incident_selected(self, incident_id: int) -> None:
        self.show_detail_pane()
        self.detail.show_incident(incident_id)
        if self.map_view is not None:
            self.map_view.select_incident(incident_id)

    def _on_queue_incident_activated(self, incident_id: int) -> None:
        self._on_queue_incident_selected(incident_id)
        self.focus_detail()

    def _on_detail_edit_requested(self, incident_id: int) -> None:
        record = self.store.incidents.get(incident_id)
        if record is not None:
            self.editor.edit(record)

    def _on_board_unit_activated(self, unit_id: int) -> None:
        unit = self.store.units.get(unit_id)
        if unit is not None and unit.incident_id is not None:
            self.select_incident(unit.incident_id)

    def _on_command_line_find_requested(self, text: str) -> None:
        self.queue.set_view_filter("all")
        self.queue.proxy.set_search(text)
        self.queue.search.setText(text)

    def _on_intake_incident_created(self, record: object) -> None:
        incident_id = getattr(record, "id", None)
        if incident_id is not None:
            QTimer.singleShot(0, lambda: self.select_incident(incident_id))
        self.focus_command_line()

    def _on_map_new_call_requested(self, lat: float, lon: float, label: str) -> None:
        self.open_intake()
        self.intake.form.prefill(location=label, latitude=lat, longitude=lon)

    def _on_operations_reported(self, report: Report) -> None:
        if report.is_failure:
            self.show_refusal(report.text)
        else:
            self.show_message(report.text)

    def _on_alarms(self, lines: list[str]) -> None:
        self.announcer.announce("; ".join(lines), urgent=True)

    def _on_clock_timer_timeout(self) -> None:
        now = self.db.clock().astimezone(self._tz)
        self.clock_label.setText(now.strftime("%a %d %b  %H:%M:%S"))

    def _on_sync_connection_lost(self, since: dt.datetime) -> None:
        self.connection_label.setText(f"○ disconnected since {since.astimezone(self._tz):%H:%M:%S}")
        self.connection_label.setStyleSheet("color: #ff8a80; font-weight: 600;")

    def _on_sync_connection_restored(self) -> None:
        self._show_connection_state()
        self.show_message("Connected to the database again; the board is being reloaded.")

    def _on_sync_actions_failing(self, since: dt.datetime, _reason: str) -> None:
        self._show_connection_state()

    def _on_sync_actions_answered(self) -> None:
        self._show_connection_state()
        self.show_message("The database answers again; the board is being reloaded and checked.")

    def _show_connection_state(self) -> None:
        lost = self.sync.disconnected_since
        failing = self.sync.actions_failing_since
        if lost is None and failing is None:
            self.connection_label.setText("● connected")
            self.connection_label.setStyleSheet("")
            return
        if lost is not None:
            self.connection_label.setText(f"○ disconnected since {lost.astimezone(self._tz):%H:%M:%S}")
        else:
            assert failing is not None
            self.connection_label.setText(f"○ not answering since {failing.astimezone(self._tz):%H:%M:%S}")
        self.connection_label.setStyleSheet("color: #ff8a80; font-weight: 600;")

    def _on_sync_actions_lost(self, lost: list) -> None:
        """Acknowledged actions the server lacks after a reconnect: on screen, and in the audit for the supervisor."""
        self.lost_banner.add(lost)
        count = len(lost)
        self.operations.run(
            lambda: services.record_lost_actions(self.db, self.actor, lost),
            owner=self.lost_banner,
            message=f"{count} lost action{'s' if count != 1 else ''} recorded in the audit log for the supervisor.",
        )

    def _check_audit_chain(self) -> None:
        """Supervisors and administrators: verify the audit trail's hash chains in the background, once."""
        if not allowed(self.actor, "read_audit"):
            return
        self.operations.run(
            lambda: audit_chain.broken_chains(self.db),
            owner=self.audit_banner,
            on_success=self.audit_banner.show_breaks,
            report_failure=False,
        )

    # Actions -----------------------------------------------------------------------------------
    def select_incident(self, incident_id: int) -> None:
        """Show one incident everywhere: queue row, detail pane, map marker."""
        if not self.queue.select_incident(incident_id):
            self.queue.set_view_filter("all")  # a closed incident hidden by the filter
            self.queue.select_incident(incident_id)
        self._on_queue_incident_selected(incident_id)

    def open_intake(self) -> None:
        self.intake.form.start_call()
        self._place_intake()
        self.intake.show()
        self.intake.raise_()
        self.intake.activateWindow()

    def focus_command_line(self) -> None:
        self.command_line.focus_input()

    def focus_board(self) -> None:
        self.board_dock.raise_()  # in front, should the dispatcher have tabbed docks together
        self.board.focus_table()

    def focus_detail(self) -> None:
        self.show_detail_pane()
        self.detail.setFocus()

    def show_detail_pane(self) -> None:
        """Give the incident pane its room: below the board, or as the front tab over the map."""
        if self.detail_dock.isHidden():
            self.detail_dock.show()
            if not self._detail_tabbed:
                self._share_right_column()
        if self._detail_tabbed:
            self.detail_dock.raise_()

    def show_when_loaded(self) -> None:
        """Show the window with its rows in it (maximised on the first run), the command line focused."""
        if self._board_loaded:
            self.show_now()
            return
        self._show_pending = True
        QTimer.singleShot(SHOW_AT_LATEST_MS, self.show_now)

    def show_now(self) -> None:
        if self.isVisible():
            return
        self._show_pending = False
        if self._first_run:
            self.showMaximized()
        else:
            self.show()

    def _place_intake(self) -> None:
        """The intake opens over the lower left (the map), leaving the queue and the board in sight."""
        frame = self.geometry()
        top = self.queue.mapToGlobal(self.queue.rect().bottomLeft()).y() + 4
        hint = self.intake.sizeHint()
        width = min(max(hint.width(), 640), frame.width() // 2)
        height = min(max(hint.height(), 560), frame.bottom() - top)
        least = self.intake.minimumSizeHint().height()
        if height < least:  # a short screen: overlap the queue's last rows rather than cut the form
            height = least
            top = max(frame.top(), frame.bottom() - height)
        self.intake.setGeometry(frame.left() + 8, top, width, height)

    def show_message(self, text: str) -> None:
        self.statusBar().setStyleSheet("")
        self.statusBar().showMessage(text, 8000)
        self.announcer.announce(text)

    def _on_operations_account_changed(self, error: AccountChangedError) -> None:
        """An administrator changed this account since sign-in: say so and offer to sign out."""
        box = self.account_notice
        if box is None:
            box = QMessageBox(self)
            box.setWindowTitle("Your account was changed")
            box.setIcon(QMessageBox.Icon.Warning)
            box.setObjectName("accountNotice")
            self.account_sign_out_button = box.addButton("Sign out", QMessageBox.ButtonRole.AcceptRole)
            self.account_keep_button = box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
            self.account_sign_out_button.clicked.connect(self.sign_out)
            self.account_notice = box
        box.setText(str(error))
        # A disabled or locked account can do nothing more here.
        self.account_keep_button.setVisible(error.usable)
        box.setDefaultButton(self.account_sign_out_button)
        box.open()

    def show_refusal_of_sender(self) -> None:
        """A key of a tool this role may not use: the reason, on the refusal line."""
        action = self.sender()
        if isinstance(action, QAction):
            self.show_refusal(str(action.data()))

    def show_refusal(self, text: str) -> None:
        self.statusBar().setStyleSheet("QStatusBar { color: #ff8a80; font-weight: 600; }")
        self.statusBar().showMessage(f"✖ {text}", 12000)
        self.announcer.announce(text, urgent=True)

    def print_handoff(self, incident_id: int) -> None:
        self.paperwork.print_handoff(incident_id)

    def export_eido(self, incident_id: int) -> None:
        self.paperwork.export_eido(incident_id)

    def print_citation(self, number: str) -> None:
        self.paperwork.print_citation(number)

    def print_welfare_check(self, incident_id: int) -> None:
        self.paperwork.print_welfare_check(incident_id)

    def print_welfare_log(self, shift: str = "current") -> None:
        self.paperwork.print_welfare_log(shift)

    def change_font(self, step: int) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        points = theme.apply_theme(app, theme.current_theme(app), theme.current_font_points(app) + step)
        self.settings.set("font_points", points)

        self.show_message(f"Text size {points} pt")

    def toggle_theme(self) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        name = "day" if theme.current_theme(app) == "night" else "night"
        theme.apply_theme(app, name)
        self.settings.set("theme", name)
        self.show_message(f"{name.title()} theme")

    # Paperwork menu ----------------------------------------------------------------------------
    def _build_paperwork_menu(self) -> None:
        menu = self.menuBar().addMenu("&Paperwork")
        menu.setObjectName("paperworkMenu")
        self.welfare_log_action = self._shortcut(
            "Ctrl+Shift+W", lambda: self.print_welfare_log("current"), "Welfare-check log of this shift"
        )
        self.welfare_log_other_action = self._shortcut(
            QKeySequence(), self.choose_welfare_log_shift, "Welfare-check log of another shift…"
        )
        self.shift_report_action = self._shortcut(
            QKeySequence(), lambda: self.paperwork.print_shift_report("current"), "Shift report of this shift"
        )
        for action in (self.welfare_log_action, self.welfare_log_other_action, self.shift_report_action):
            menu.addAction(action)

    def choose_welfare_log_shift(self) -> None:
        """Pick a shift (off the GUI thread: the list), then print its welfare-check log."""
        from data.services.shifts import recent_shifts
        from widgets.shift_picker import ShiftPicker

        db = self.db

        def show(shifts: list) -> None:
            picker = ShiftPicker("Welfare-check log of a shift", shifts, db.pack.timezone, self)
            picker.chosen.connect(self.paperwork.print_welfare_log)
            self.shift_picker = picker
            picker.open()

        self.operations.run(lambda: recent_shifts(db), on_success=show)

    # Session: sign-out, screen lock, audit log ---------------------------------------------------
    def _build_session(self) -> None:
        menu = self.menuBar().addMenu("&Session")
        self.lock_action = self._shortcut("Ctrl+Shift+L", self.lock_screen, "Lock screen")
        self.audit_action = self._shortcut("Ctrl+Shift+A", self.open_audit_viewer, "Audit log…")
        self.sign_out_action = self._shortcut("Ctrl+Shift+Q", self.sign_out, "Sign out")
        for action in (self.lock_action, self.audit_action, self.sign_out_action):
            menu.addAction(action)
        # Disabled for dispatchers with the reason; the service refuses them anyway.
        menu.setToolTipsVisible(True)
        guard_action(self, self.audit_action, self.actor, "read_audit")
        self.audit_viewer: AuditViewer | None = None
        self.account_notice = None
        self.idle_lock: IdleLock | None = None
        if self.demo_sign_in:
            # The demo dispatcher has no password: nothing to unlock with, nothing to sign out of.
            self.lock_action.setEnabled(False)
            self.sign_out_action.setEnabled(False)
            return
        minutes = min(max(int(self.settings.get("idle_lock_minutes")), 1), 30)
        self.idle_lock = IdleLock(self, self.db, self.actor, self.operations, minutes=minutes)
        self.idle_lock.sign_out_requested.connect(self.sign_out)
        self.idle_lock.locked.connect(self._on_idle_lock_locked)
        self.idle_lock.unlocked.connect(self._on_idle_lock_unlocked)
        self.idle_lock.start()

    def _on_idle_lock_locked(self) -> None:
        self.announcer.paused = True

    def _on_idle_lock_unlocked(self) -> None:
        self.announcer.paused = False

    def lock_screen(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.lock()

    def sign_out(self) -> None:
        if not self.demo_sign_in:
            self.sign_out_requested.emit()

    def open_audit_viewer(self) -> None:
        if not allowed(self.actor, "read_audit"):
            self.show_refusal("Only supervisors and administrators read the audit log.")
            return
        if self.audit_viewer is None:
            self.audit_viewer = AuditViewer(self.db, self.actor, self.operations, self)
        self.audit_viewer.show()
        self.audit_viewer.raise_()
        self.audit_viewer.activateWindow()
        self.audit_viewer.refresh()

    # Window state ------------------------------------------------------------------------------
    def _title(self) -> str:
        parts = ["CSO Console", self.db.pack.city["name"]]
        if self.demo:
            parts.append("DEMO DATA")
        if self.demo_sign_in:
            parts.append("demo sign-in, no password")
        parts.append(f"{self.actor.display_name or self.actor.username} @ {self.actor.workstation}")
        return " — ".join(parts)

    def _restore_layout(self) -> None:
        geometry, state = self.settings.layout(self.actor.username)
        self._first_run = geometry is None  # first start: maximised, a dispatcher's main tool
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = QApplication.primaryScreen()
            if screen is not None:
                self.resize(screen.availableGeometry().size())
        # A layout saved by an older arrangement of the docks is ignored rather than half-applied.
        if state is None or not self.restoreState(state, LAYOUT_VERSION):
            self._auto_layout = True  # proportions of the size the window is shown at, and follows
        else:
            self._detail_tabbed = bool(self.tabifiedDockWidgets(self.detail_dock))
        self.detail_dock.hide()  # nothing is selected yet

    def _apply_default_layout(self) -> None:
        """Right column: the board with every unit; the queue as wide as its columns need; the map below it."""
        width, height = self.width(), self.height()
        least = max(self.board_dock.minimumSizeHint().width(), int(width * 0.15))
        right = min(max(width - self.queue.required_width() - 12, least), int(width * 0.4))
        column = self._right_column_height()
        board = self._board_height()
        line = self.detail.fontMetrics().lineSpacing()
        need = max(DETAIL_MIN_LINES * line, self.detail_dock.minimumSizeHint().height())
        tabbed = column - board < need
        if tabbed != self._detail_tabbed or not self._shown_once:
            self._detail_tabbed = tabbed
            if tabbed:
                # A tab over the map: wide enough for the pane, and the board keeps every unit in view.
                beside = self.map_dock if self.map_dock is not None else self.board_dock
                self.tabifyDockWidget(beside, self.detail_dock)
                beside.raise_()
            else:
                self.splitDockWidget(self.board_dock, self.detail_dock, Qt.Orientation.Vertical)
        self.resizeDocks([self.board_dock], [right], Qt.Orientation.Horizontal)
        if not tabbed and self.detail_dock.isVisible():
            self._share_right_column()
        if self.map_dock is not None:
            self.resizeDocks([self.map_dock], [int(height * 0.5)], Qt.Orientation.Vertical)

    def _right_column_height(self) -> int:
        return self.height() - self.menuBar().height() - self.statusBar().height()

    def _board_height(self) -> int:
        """The board dock's height with every unit in view (its title bar included)."""
        title = self.style().pixelMetric(self.style().PixelMetric.PM_TitleBarHeight)
        return self.board.required_height() + max(title, self.fontMetrics().height() + 8)

    def _share_right_column(self) -> None:
        board = self._board_height()
        rest = max(self._right_column_height() - board, 1)
        self.resizeDocks([self.board_dock, self.detail_dock], [board, rest], Qt.Orientation.Vertical)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            if self._auto_layout:
                self._apply_default_layout()
            self._shown_once = True
            self.focus_command_line()  # a dispatcher starts typing commands, not choosing a view

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_layout and self._shown_once:
            self._layout_timer.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
        self.settings.save_layout(self.actor.username, self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        self.sync.stop()
        self.transfers.stop()
        self.store.close()
        super().closeEvent(event)

    def now(self) -> dt.datetime:
        return self.db.clock()

"""Application bootstrap: environment, QApplication, the one qasync loop, the main window."""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import socket
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from console.main_window import MainWindow
    from console.settings import Settings
    from data.db import Database
    from data.permissions import Actor
    from widgets.sign_in import SignInDialog

log = logging.getLogger(__name__)


def prepare_environment(*, offscreen: bool = False) -> None:
    """Set what Qt reads at start-up; must run before the QApplication exists."""
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # QtWebEngine's sandbox refuses to run as root and the process exits with no message.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def create_application(argv: list[str] | None = None) -> QApplication:
    # QtWebEngine must be imported, and GL contexts shared, before the QApplication is created.
    import PySide6.QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from console import garbage

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("CSO Console")
    app.setOrganizationName("CSO Console")
    app.setApplicationDisplayName("CSO Console")
    garbage.install(app)  # reference cycles holding widgets must never be collected on a worker thread
    return app


def install_excepthook() -> None:
    """Log unexpected errors and show them without blocking the dispatcher."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, value, tb))
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "CSO Console", f"Unexpected error: {value}")
        box.setDetailedText("".join(traceback.format_exception(kind, value, tb)))
        box.setModal(False)
        box.show()

    sys.excepthook = hook


def default_actor(demo: bool, workstation: str | None = None) -> Actor:
    from data.permissions import Actor

    station = workstation or os.environ.get("CSO_WORKSTATION") or socket.gethostname()
    if demo:
        return Actor("demo.dispatcher", role="dispatcher", workstation=station, display_name="Demo Dispatcher")
    return Actor(getpass.getuser(), role="dispatcher", workstation=station)


def is_demo_database(db: Database) -> bool:
    from data import services
    from data.records import DEMO_MARK

    shift = services.active_shift(db)
    return shift is not None and shift.name.startswith(DEMO_MARK)


def open_database(url: str | None, *, demo: bool, ask: bool = False, deadline_s: float | None = None) -> Database:
    """Open (and upgrade) the database; an empty one gets the demo shift when asked or agreed.

    ``deadline_s``: every action on a PostgreSQL server is answered within it (data.centre), and the
    highest server timeline written to is kept in the user's state folder (data.fence).
    """
    from data import services
    from data.centre import Limits
    from data.db import Database, default_fence_file

    limits = Limits(deadline_s) if deadline_s is not None else None
    db = Database(url, limits=limits, fence_file=default_fence_file() if limits is not None else None)
    if services.is_empty(db):
        load = demo
        if not load and ask:
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                None,
                "Empty database",
                "This database has no units or incidents yet.\n\nLoad the demo shift (realistic "
                f"{db.pack.city_name} data, clearly marked DEMO) to try the console?",
            )
            load = answer == QMessageBox.StandardButton.Yes
        if load:
            from data.demo import seed_demo

            summary = seed_demo(db)
            for line in summary.lines():
                log.info(line)
    return db


# Session: sign-in, the main window, sign-out and back ---------------------------------------------
class ConsoleSession:
    """One console run: the sign-in dialog (or the demo dispatcher), the main window, sign-out, again.

    The next window is always shown before the current one closes, so the application never runs
    out of windows on the way (that would end the event loop).
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        demo_data: bool,
        demo_sign_in: bool,
        with_map: bool,
        workstation: str | None = None,
        on_quit: Callable[[], object] | None = None,
    ) -> None:
        from widgets.operations import Operations
        from widgets.tasks import TaskRunner

        self.db = db
        self.settings = settings
        self.demo_data = demo_data
        self.demo_sign_in = demo_sign_in
        self.with_map = with_map
        self.workstation = workstation or os.environ.get("CSO_WORKSTATION") or socket.gethostname()
        self.on_quit = on_quit
        self.runner = TaskRunner()  # sign-in and sign-out audits, outside any window
        self.operations = Operations(self.runner)
        self.window: MainWindow | None = None
        self.dialog: SignInDialog | None = None
        self.actor: Actor | None = None

    def start(self) -> None:
        from data import auth

        if self.demo_sign_in:
            self.open_window(default_actor(True, self.workstation))
        else:
            self.show_sign_in(first_run=not auth.has_users(self.db))

    def show_sign_in(self, *, first_run: bool = False) -> None:
        from widgets.sign_in import SignInDialog

        dialog = SignInDialog(self.db, self.operations, workstation=self.workstation, first_run=first_run)
        dialog.signed_in.connect(self.open_window)
        dialog.rejected.connect(self._on_dialog_rejected)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.show()

    def open_window(self, actor: Actor) -> None:
        from console.main_window import MainWindow

        window = MainWindow(
            self.db,
            actor,
            demo=self.demo_data,
            demo_sign_in=self.demo_sign_in,
            with_map=self.with_map,
            settings=self.settings,
        )
        window.sign_out_requested.connect(self._on_window_sign_out_requested)
        signing_in = self.dialog is not None
        self.window, self.actor, self.dialog = window, actor, None
        if signing_in:
            # The sign-in dialog closes right after this: the window must already be up, or the
            # application would have no window left and end.
            window.show_now()
        else:
            window.show_when_loaded()  # the first frame is the real board, not an empty one

    def _on_dialog_rejected(self) -> None:
        if self.window is None and self.on_quit is not None:
            self.on_quit()

    def _on_window_sign_out_requested(self) -> None:
        from data import auth

        window, actor, db = self.window, self.actor, self.db
        if window is None or actor is None:
            return
        self.window = self.actor = None
        # Nobody is left to read a report: a failure goes to the log.
        self.operations.run(lambda: auth.sign_out(db, actor), report_failure=False)
        self.show_sign_in()
        window.close()
        # The window's last background actions still report to it: delete it once they are done.
        runner = window.runner

        def retire(pending: int = 0) -> None:
            if pending == 0:
                runner.shutdown()
                window.deleteLater()

        if runner.pending:
            runner.pending_changed.connect(retire)
        else:
            retire()

    def close(self) -> None:
        for widget in (self.window, self.dialog):
            if widget is not None:
                widget.close()

    def shutdown(self) -> None:
        """After the event loop: finish background writes, then record the sign-out."""
        from data import auth

        if self.window is not None:
            self.window.runner.shutdown()
        self.runner.shutdown()
        if self.actor is not None and not self.demo_sign_in:
            auth.sign_out(self.db, self.actor)  # the GUI is gone: nothing to block


def run_console(
    *, db_url: str | None, demo: bool, simulate: bool, with_map: bool = True, quit_after: float | None = None
) -> int:
    prepare_environment()
    app = create_application()
    import qasync

    from console.settings import Settings
    from data import auth
    from widgets import theme

    install_excepthook()
    settings = Settings()
    theme.apply_theme(app, settings.get("theme"), settings.get("font_points"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    db = open_database(db_url, demo=demo, ask=not demo, deadline_s=settings.action_deadline_s())
    demo_data = demo or is_demo_database(db)
    session = ConsoleSession(
        db,
        settings,
        demo_data=demo_data,
        # Once real accounts exist, even demo data needs a sign-in.
        demo_sign_in=demo_data and not auth.has_users(db),
        with_map=with_map,
        workstation=settings.get("workstation") or None,
        on_quit=loop.stop,
    )
    session.start()
    window = session.window
    if simulate:
        if not demo_data or window is None:
            log.error("--simulate only runs on demo data with the demo sign-in")
            return 2
        from maps.simulation_driver import SimulationDriver

        simulation = SimulationDriver(window.db, window.operations, parent=window)  # the window owns it
        simulation.start()
    app.lastWindowClosed.connect(loop.stop)
    if os.environ.get("CSO_START_PROBE"):  # cso-console bench start
        from console.start_probe import attach

        attach(window, session.close)
    if quit_after is not None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(quit_after * 1000), session.close)
    # One loop, run once: QtWebEngine crashes if QApplication.exec runs twice.
    with loop:
        loop.run_forever()
    session.shutdown()
    db.dispose()
    return 0

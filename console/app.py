"""Application bootstrap: environment, QApplication, the one qasync loop, the main window."""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import socket
import sys
import traceback
from types import TracebackType

log = logging.getLogger(__name__)


def prepare_environment(*, offscreen: bool = False) -> None:
    """Set what Qt reads at start-up; must run before the QApplication exists."""
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # QtWebEngine's sandbox refuses to run as root and the process exits with no message.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def create_application(argv: list[str] | None = None):
    # QtWebEngine must be imported, and GL contexts shared, before the QApplication is created.
    import PySide6.QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("CSO Console")
    app.setOrganizationName("CSO Console")
    app.setApplicationDisplayName("CSO Console")
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


def default_actor(demo: bool, workstation: str | None = None):
    from data.permissions import Actor

    station = workstation or os.environ.get("CSO_WORKSTATION") or socket.gethostname()
    if demo:
        return Actor("demo.dispatcher", role="dispatcher", workstation=station, display_name="Demo Dispatcher")
    return Actor(getpass.getuser(), role="dispatcher", workstation=station)


def is_demo_database(db) -> bool:
    from data import services
    from data.demo import DEMO_MARK

    shift = services.active_shift(db)
    return shift is not None and shift.name.startswith(DEMO_MARK)


def open_database(url: str | None, *, demo: bool, ask_parent=None):
    """Open (and upgrade) the database; an empty one gets the demo shift when asked or agreed."""
    from data import services
    from data.db import Database
    from data.demo import seed_demo

    db = Database(url)
    if services.is_empty(db):
        load = demo
        if not load and ask_parent is not None:
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                ask_parent,
                "Empty database",
                "This database has no units or incidents yet.\n\nLoad the demo shift (realistic West Hollywood "
                "data, clearly marked DEMO) to try the console?",
            )
            load = answer == QMessageBox.StandardButton.Yes
        if load:
            summary = seed_demo(db)
            for line in summary.lines():
                log.info(line)
    return db


def run_console(*, db_url: str | None, demo: bool, simulate: bool, with_map: bool = True) -> int:
    prepare_environment()
    app = create_application()
    import qasync

    from console.main_window import MainWindow
    from console.settings import Settings
    from widgets import theme

    install_excepthook()
    settings = Settings()
    theme.apply_theme(app, settings.get("theme"), settings.get("font_points"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    db = open_database(db_url, demo=demo, ask_parent=None if demo else app.activeWindow() or None)
    demo_data = demo or is_demo_database(db)
    window = MainWindow(
        db,
        default_actor(demo_data, settings.get("workstation") or None),
        demo=demo_data,
        with_map=with_map,
        settings=settings,
    )
    if simulate:
        if not demo_data:
            log.error("--simulate only runs on demo data")
            return 2
        from maps.simulation_driver import SimulationDriver

        window.simulation = SimulationDriver(window.store, parent=window)  # type: ignore[attr-defined]
        window.simulation.start()  # type: ignore[attr-defined]
    window.show()
    app.lastWindowClosed.connect(loop.stop)
    # One loop, run once: QtWebEngine crashes if QApplication.exec runs twice.
    with loop:
        loop.run_forever()
    window.runner.shutdown()
    db.dispose()
    return 0

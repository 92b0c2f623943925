"""The operation layer: one report per action, refusals apart from crashes, nothing after the owner is gone."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtWidgets import QPushButton, QWidget

from data import services
from data.errors import DispatchError
from tests.data.helpers import small_shift, welfare_call


def test_a_success_is_reported_once_and_its_record_reaches_the_store(qtbot, actions, operations, db, dispatcher):
    small_shift(db, units=1)
    inc = welfare_call(db, dispatcher)
    seen = []
    op = actions.add_note(inc.id, "Caller called back", on_success=seen.append)
    qtbot.waitUntil(lambda: op.finished)
    assert [(r.kind, r.text) for r in operations.reports] == [("done", f"Note added to {inc.number}")]
    assert seen and seen[0].id == inc.id
    assert actions.store.incidents[inc.id].version == seen[0].version


def test_a_refusal_is_reported_once_and_tells_the_view(qtbot, actions, operations, db, dispatcher):
    small_shift(db, units=1)
    inc = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, inc.id, disposition="18")
    failures: list[Exception] = []
    op = actions.dispatch(inc.id, [1], on_failure=failures.append)
    qtbot.waitUntil(lambda: op.finished)
    assert len(operations.reports) == 1
    assert operations.reports[0].kind == "refused"
    assert isinstance(failures[0], DispatchError)
    assert operations.reports[0].text == str(failures[0])


def test_a_crash_is_reported_as_a_failure_not_a_refusal(qtbot, operations, caplog):
    def broken() -> None:
        raise ZeroDivisionError("division by zero")

    op = operations.run(broken, message="never shown")
    qtbot.waitUntil(lambda: op.finished)
    (report,) = operations.reports
    assert report.kind == "failed"
    assert report.text == "Something went wrong: ZeroDivisionError: division by zero. Nothing else was changed."
    assert "operation failed" in caplog.text


def test_a_read_reports_nothing_on_success(qtbot, operations, db):
    op = operations.run(lambda: services.active_shift(db))
    qtbot.waitUntil(lambda: op.finished)
    assert operations.reports == []


def test_pending_counts_per_owner_and_busy_controls_are_disabled_meanwhile(qtbot, operations):
    owner = QWidget()
    qtbot.addWidget(owner)
    button = QPushButton("Save", owner)
    gate = threading.Event()
    op = operations.run(gate.wait, owner=owner, busy=(button,), message="saved")
    assert operations.pending(owner) == 1 and operations.pending() == 1
    assert not button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: op.finished)
    assert operations.pending(owner) == 0 and operations.pending() == 0
    assert button.isEnabled()


def test_callbacks_are_dropped_when_the_owner_is_gone_but_the_result_is_reported(qtbot, operations):
    owner = QWidget()
    gate = threading.Event()
    called: list[object] = []
    op = operations.run(gate.wait, owner=owner, message="saved", on_success=called.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner))
    gate.set()
    qtbot.waitUntil(lambda: op.finished)
    assert called == []
    assert [(r.kind, r.text, r.owner) for r in operations.reports] == [("done", "saved", None)]


def window_with_a_call(qtbot, db, dispatcher, tmp_path, units: int):
    """The main window (no map) on a shift of `units` units and one welfare call, once the board is in."""
    from PySide6.QtCore import QSettings

    from console.main_window import MainWindow
    from console.settings import Settings

    small_shift(db, units=units)
    inc = welfare_call(db, dispatcher)
    settings = Settings(QSettings(str(tmp_path / "ws.ini"), QSettings.Format.IniFormat))
    window = MainWindow(db, dispatcher, with_map=False, settings=settings, demo_sign_in=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: inc.id in window.store.incidents)
    return window, inc


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_the_status_bar_shows_each_result_once_and_a_refusal_keeps_its_style(qtbot, qloop, db, dispatcher, tmp_path):
    window, inc = window_with_a_call(qtbot, db, dispatcher, tmp_path, units=1)
    shown: list[str] = []
    window.statusBar().messageChanged.connect(lambda text: text and shown.append(text))

    window.command_line.run(f"NOTE {inc.number} Caller called back")
    qtbot.waitUntil(lambda: window.operations.pending() == 0 and bool(shown))
    assert shown == [f"Note added to {inc.number}"]

    shown.clear()
    window.command_line.run(f"D 99 {inc.number}")
    qtbot.waitUntil(lambda: window.operations.pending() == 0 and bool(shown))
    assert len(shown) == 1 and shown[0].startswith("✖ ")
    assert "color: #ff8a80" in window.statusBar().styleSheet()
    window.close()


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_one_status_bar_report_per_dispatch_and_a_refused_dispatch_keeps_its_style(
    qtbot, qloop, db, dispatcher, tmp_path
):
    """Typed or clicked, a dispatch is one report on the status bar; a refusal stays red until the next report."""
    window, inc = window_with_a_call(qtbot, db, dispatcher, tmp_path, units=2)
    shown: list[str] = []
    reports: list[object] = []
    window.statusBar().messageChanged.connect(lambda text: text and shown.append(text))
    window.operations.reported.connect(reports.append)

    def one_report() -> str:
        qtbot.waitUntil(lambda: window.operations.pending() == 0 and bool(shown))
        qtbot.wait(300)  # a second report of the same action would have arrived by now
        assert len(reports) == 1 and len(shown) == 1, shown
        text = shown[0]
        shown.clear()
        reports.clear()
        return text

    # Typed: D unit incident.
    window.command_line.run(f"D CSO11 {inc.number}")
    assert one_report() == f"CSO11 dispatched to {inc.number} ({inc.location})"
    assert window.statusBar().styleSheet() == ""

    # Clicked: the incident pane's Dispatch sends the recommended unit.
    window.select_incident(inc.id)
    qtbot.waitUntil(lambda: window.detail.incident_id == inc.id and window.detail.dispatch_button.isEnabled())
    shown.clear()
    reports.clear()
    window.detail.dispatch_button.click()
    assert one_report() == f"CSO12 dispatched to {inc.number}"

    # Refused by the service: the unit is already on the incident. One report, in the refusal style, kept.
    window.command_line.run(f"D CSO11 {inc.number}")
    refusal = one_report()
    assert refusal.startswith("✖ ") and "already on" in refusal
    assert "color: #ff8a80" in window.statusBar().styleSheet()
    assert window.statusBar().currentMessage() == refusal
    window.close()

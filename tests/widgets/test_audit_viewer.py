"""Audit viewer: loads off the GUI thread, filters, refuses dispatchers, exports CSV; its model is sound."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from PySide6.QtCore import QDateTime, Qt
from sqlalchemy import select

from data import services
from data.models import AuditEntry
from data.permissions import Actor
from data.records import AuditRecord
from tests.data.helpers import NO_SCREENING
from widgets.audit_viewer import PERIODS, AuditRecordRole, AuditTableModel, AuditViewer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def history(db, clock, dispatcher, supervisor):
    """Two incidents, a refused reopen by a dispatcher, an allowed one by the supervisor."""
    first = services.create_incident(db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="Plummer Park")
    clock.advance(minutes=5)
    second = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="WELFARE", location="8300 Santa Monica Blvd"
    )
    services.cancel_incident(db, dispatcher, first.id, reason="all quiet")
    clock.advance(minutes=5)
    with pytest.raises(Exception, match="cannot reopen"):
        services.reopen_incident(db, dispatcher, first.id, reason="again")
    services.reopen_incident(db, supervisor, first.id, reason="caller rang again")
    clock.advance(minutes=1)
    return first, second


@pytest.fixture
def viewer(qtbot, db, supervisor, operations, history):
    widget = AuditViewer(db, supervisor, operations)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def load(qtbot, viewer) -> int:
    with qtbot.waitSignal(viewer.loaded, timeout=10_000) as done:
        viewer.refresh()
    return done.args[0]


def shown(viewer) -> list[tuple[str, str, str]]:
    model = viewer.model
    return [
        (model.index(r, 1).data(), model.index(r, 3).data(), model.index(r, 5).data()) for r in range(model.rowCount())
    ]


def test_model_passes_the_model_tester(qtmodeltester, db, supervisor, history):
    model = AuditTableModel(db.pack.timezone)
    qtmodeltester.check(model)
    model.set_records(services.audit_entries(db, supervisor))
    assert model.rowCount() == 5
    qtmodeltester.check(model)
    record = model.index(0, 0).data(AuditRecordRole)
    assert isinstance(record, AuditRecord)
    assert model.index(0, 0).data() == record.at.astimezone(model._tz).isoformat(sep=" ", timespec="milliseconds")[:23]


def test_supervisor_sees_the_log_loaded_off_the_gui_thread_and_the_view_is_audited(qtbot, db, viewer, supervisor):
    count = load(qtbot, viewer)
    assert count == viewer.model.rowCount() == 5  # two calls, a cancel, a refused and an allowed reopen
    rows = shown(viewer)
    assert rows[0] == ("supervisor1", "reopen_incident", "ok")
    assert rows[1] == ("dispatcher1", "reopen_incident", "refused")
    assert viewer.status.text().startswith(f"{count} entries")
    refused = viewer.model.index(1, 5)
    assert refused.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "reopen_incident" in refused.data(Qt.ItemDataRole.ToolTipRole)
    with db.read() as s:
        views = s.execute(select(AuditEntry).where(AuditEntry.action == "read_audit")).scalars().all()
    assert [(v.username, v.outcome, v.after["rows"]) for v in views] == [("supervisor1", "ok", count)]


def test_filters_by_user_action_outcome_and_incident(qtbot, db, viewer, history):
    _first, second = history
    qtbot.keyClicks(viewer.user_filter, "dispatcher")
    load(qtbot, viewer)
    assert {user for user, _, _ in shown(viewer)} == {"dispatcher1"}

    viewer.user_filter.clear()
    viewer.outcome_filter.setCurrentIndex(viewer.outcome_filter.findData("refused"))
    load(qtbot, viewer)
    assert shown(viewer) == [("dispatcher1", "reopen_incident", "refused")]

    viewer.outcome_filter.setCurrentIndex(0)
    qtbot.keyClicks(viewer.incident_filter, second.number.split("-")[-1].lstrip("0"))  # the short number
    with qtbot.waitSignal(viewer.loaded, timeout=10_000):
        qtbot.keyClick(viewer.incident_filter, Qt.Key.Key_Return)
    assert shown(viewer) == [("dispatcher1", "create_incident", "ok")]

    viewer.incident_filter.clear()
    qtbot.keyClicks(viewer.action_filter, "cancel")
    load(qtbot, viewer)
    assert [a for _, a, _ in shown(viewer)] == ["cancel_incident"]


def test_time_range(qtbot, db, clock, viewer):
    viewer.period.setCurrentIndex([label for label, _ in PERIODS].index("Last hour"))
    assert load(qtbot, viewer) == 5
    clock.advance(minutes=55)  # the hour now starts after the calls and the cancel
    load(qtbot, viewer)
    assert [a for _, a, _ in shown(viewer)] == ["read_audit", "reopen_incident", "reopen_incident"]

    viewer.period.setCurrentIndex(len(PERIODS) - 1)
    assert viewer.from_edit.isEnabled() and viewer.until_edit.isEnabled()
    start = dt.datetime(2026, 11, 26, 8, 0)  # local time, the incidents' minute (16:00 UTC)
    viewer.from_edit.setDateTime(QDateTime(start))
    viewer.until_edit.setDateTime(QDateTime(start + dt.timedelta(minutes=5)))
    load(qtbot, viewer)
    assert shown(viewer) == [("dispatcher1", "create_incident", "ok")]


def test_dispatcher_is_refused_and_the_refusal_is_audited(qtbot, db, operations, dispatcher, history):
    widget = AuditViewer(db, dispatcher, operations)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(operations.reported, timeout=10_000) as refused:
        widget.refresh()
    assert refused.args[0].kind == "refused"
    assert refused.args[0].text == "A dispatcher cannot read the audit log; ask a supervisor."
    assert widget.model.rowCount() == 0
    assert widget.status.text().startswith("✖ A dispatcher cannot read")
    with db.read() as s:
        row = s.execute(select(AuditEntry).where(AuditEntry.action == "read_audit")).scalar_one()
    assert (row.username, row.outcome) == ("dispatcher1", "refused")


def test_unknown_incident_is_reported(qtbot, viewer, operations):
    qtbot.keyClicks(viewer.incident_filter, "2026-999999")
    with qtbot.waitSignal(operations.reported, timeout=10_000) as refused:
        viewer.refresh()
    assert "No incident" in refused.args[0].text


def test_export_writes_csv_through_a_file_dialog(qtbot, db, viewer, tmp_path):
    target = tmp_path / "audit.csv"
    qtbot.mouseClick(viewer.export_button, Qt.MouseButton.LeftButton)
    assert viewer.dialog is not None and viewer.dialog.isVisible()
    with qtbot.waitSignal(viewer.exported, timeout=10_000) as exported:
        viewer.dialog.fileSelected.emit(str(target))  # what choosing the file and Save do
    assert exported.args[0] == str(target)
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["action"] == "reopen_incident" and rows[0]["username"] == "supervisor1"
    assert {r["outcome"] for r in rows} == {"ok", "refused"}
    assert rows[0]["at_utc"].endswith("+00:00") and "." in rows[0]["at_utc"]
    assert viewer.status.text().startswith(f"Exported {len(rows)} entries")
    with db.read() as s:
        export = s.execute(select(AuditEntry).where(AuditEntry.action == "read_audit")).scalar_one()
    # The same audited purpose as `cso-console audit export`: the file's name.
    assert export.after["purpose"] == "export to audit.csv" and export.after["rows"] == len(rows)


def test_cancelled_file_dialog_exports_nothing(qtbot, viewer):
    viewer.export_csv()
    viewer.dialog.reject()
    assert viewer.pending == 0 and viewer.status.text() == ""


def test_supervisor_role_is_checked_by_the_service_not_the_widget(qtbot, db, operations, history):
    admin = Actor("admin1", role="admin", workstation="ws-adm")
    widget = AuditViewer(db, admin, operations)
    qtbot.addWidget(widget)
    assert load(qtbot, widget) > 0

"""Incident queue: model, proxy order and filters, feed-driven row updates, the tick, escalation, the pane."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QImage

from data import services
from data.permissions import Actor
from tests.data.helpers import NO_SCREENING
from tests.widgets.helpers import form_controls, load_settled, show_table_pane, unnamed_controls
from widgets import theme
from widgets.incident_queue import (
    COL_AGE,
    COL_IN_STATUS,
    COL_LOCATION,
    COL_NUMBER,
    COL_PRIORITY,
    COL_STATUS,
    COL_TYPE,
    COL_ZONE,
    EscalationRole,
    GroupRole,
    IncidentIdRole,
    IncidentQueue,
    IncidentQueueModel,
    IncidentQueueProxy,
    PriorityRole,
    SortKeyRole,
    StatusRole,
    format_elapsed,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

PLACE = {"latitude": 34.0900, "longitude": -118.3661, "in_city": True}


def make_call(db, actor: Actor, call_type: str = "WELFARE", **extra):
    fields = {
        "call_type": call_type,
        "location": "8300 Santa Monica Blvd",
        "zone": "0971",
        "caller_name": "Ana Caller",
        "caller_phone": "310-555-0100",
        **PLACE,
    }
    fields.update(extra)
    return services.create_incident(db, actor, screening=NO_SCREENING, **fields)


def sign_on(db, supervisor: Actor, call_sign: str = "CSO11") -> int:
    now = db.clock()
    if services.active_shift(db) is None:
        services.start_shift(
            db, supervisor, name="Day", supervisor="Sgt. Test", starts_at=now, ends_at=now + dt.timedelta(hours=10)
        )
    officer = services.create_officer(db, supervisor, badge=f"B-{call_sign}", name=f"Officer {call_sign}")
    unit = services.create_unit(db, supervisor, call_sign=call_sign)
    services.sign_on_unit(db, supervisor, unit.id, officer_ids=[officer.id], zone="0971")
    return unit.id


def proxy_ids(proxy) -> list[int]:
    return [proxy.index(r, 0).data(IncidentIdRole) for r in range(proxy.rowCount())]


@pytest.fixture
def queue_model(store):
    model = IncidentQueueModel(store)
    model.tick_timer.stop()  # tests drive the clock
    yield model
    model.tick_timer.stop()


@pytest.fixture
def board(db, clock, dispatcher, supervisor, store, qtbot):
    """Pending P3 oldest, pending P2 older and newer, an active P1, a cleared call; loaded in the store."""
    ids: dict[str, int] = {}
    ids["p3_old"] = make_call(db, dispatcher, "NOISE", location="Harratt St & Larrabee St", zone="0974").id
    clock.advance(minutes=1)
    ids["p2_older"] = make_call(db, dispatcher, "MNTL", location="Kings Road Park", caller_name="Dana Kim").id
    clock.advance(minutes=1)
    ids["p2_newer"] = make_call(db, dispatcher, "WELFARE", location="Plummer Park", zone="0975").id
    clock.advance(minutes=1)
    unit = sign_on(db, supervisor)
    ids["active"] = make_call(db, dispatcher, "SUSP", priority=1, location="9000 Sunset Blvd").id
    services.dispatch_units(db, dispatcher, ids["active"], [unit])
    ids["closed"] = make_call(db, dispatcher, "PARKING", location="Sweetzer Ave").id
    services.clear_incident(db, dispatcher, ids["closed"], disposition="18", note="Moved on")
    clock.advance(seconds=30)
    load_settled(qtbot, store)
    return ids


# Model and proxy -------------------------------------------------------------------------------
def test_model_and_proxy_pass_the_model_tester(board, store, queue_model, qtmodeltester):
    proxy = IncidentQueueProxy(queue_model)
    qtmodeltester.check(queue_model)
    qtmodeltester.check(proxy)
    proxy.set_view_filter("all")
    proxy.set_search("park")
    qtmodeltester.check(proxy)


def test_queue_order_pending_by_priority_then_age_then_active_then_closed(board, queue_model):
    proxy = IncidentQueueProxy(queue_model)
    proxy.set_view_filter("all")
    assert proxy_ids(proxy) == [board["p2_older"], board["p2_newer"], board["p3_old"], board["active"], board["closed"]]
    groups = [proxy.index(r, 0).data(GroupRole) for r in range(proxy.rowCount())]
    assert groups == [0, 0, 0, 1, 2]
    keys = [proxy.index(r, 0).data(SortKeyRole) for r in range(proxy.rowCount())]
    assert keys == sorted(keys)


def test_view_filters(board, queue_model, clock):
    proxy = IncidentQueueProxy(queue_model)
    assert proxy.view_filter == "open"
    assert set(proxy_ids(proxy)) == {board["p3_old"], board["p2_older"], board["p2_newer"], board["active"]}
    proxy.set_view_filter("pending")
    assert set(proxy_ids(proxy)) == {board["p3_old"], board["p2_older"], board["p2_newer"]}
    proxy.set_view_filter("active")
    assert proxy_ids(proxy) == [board["active"]]
    proxy.set_view_filter("closed")
    assert proxy_ids(proxy) == [board["closed"]]
    proxy.set_view_filter("all")
    assert proxy.rowCount() == 5
    with pytest.raises(ValueError, match="Unknown queue view"):
        proxy.set_view_filter("everything")


def test_closed_view_drops_incidents_older_than_a_day(board, queue_model, clock):
    proxy = IncidentQueueProxy(queue_model)
    proxy.set_view_filter("closed")
    assert proxy_ids(proxy) == [board["closed"]]
    clock.advance(hours=24, minutes=2)
    queue_model.tick()
    assert proxy_ids(proxy) == []


def test_zone_type_and_search_filters(board, queue_model):
    proxy = IncidentQueueProxy(queue_model)
    proxy.set_view_filter("all")
    proxy.set_zone_filter("0975")
    assert proxy_ids(proxy) == [board["p2_newer"]]
    proxy.set_zone_filter(None)
    proxy.set_type_filter("noise")
    assert proxy_ids(proxy) == [board["p3_old"]]
    proxy.set_type_filter("")
    proxy.set_search("dana")  # caller name
    assert proxy_ids(proxy) == [board["p2_older"]]
    proxy.set_search("PARK")  # two locations and the Parking call type, case-insensitive
    assert set(proxy_ids(proxy)) == {board["p2_older"], board["p2_newer"], board["closed"]}
    proxy.set_search("welfare plummer")  # every word must match: type label and location
    assert proxy_ids(proxy) == [board["p2_newer"]]
    proxy.set_search("Suspicious")  # call type label
    assert proxy_ids(proxy) == [board["active"]]
    number = queue_model.record(queue_model.row_of(board["closed"])).number
    proxy.set_search(number)
    assert proxy_ids(proxy) == [board["closed"]]
    proxy.set_search("nothing-like-this")
    assert proxy_ids(proxy) == []
    proxy.clear_filters()
    assert proxy.rowCount() == 5


# Feed-driven updates ---------------------------------------------------------------------------
def test_a_service_change_updates_only_that_row_without_reset(
    board, db, dispatcher, supervisor, store, queue_model, qtbot
):
    proxy = IncidentQueueProxy(queue_model)
    resets: list[str] = []
    queue_model.modelReset.connect(lambda: resets.append("model"))
    proxy.modelReset.connect(lambda: resets.append("proxy"))
    changed: list[tuple[int, int, int, int, list[int]]] = []
    queue_model.dataChanged.connect(
        lambda tl, br, roles: changed.append((tl.row(), br.row(), tl.column(), br.column(), list(roles)))
    )
    row = queue_model.row_of(board["p2_newer"])
    unit = sign_on(db, supervisor, "CSO12")
    services.dispatch_units(db, dispatcher, board["p2_newer"], [unit])  # same db: its feed reaches the store
    qtbot.waitUntil(lambda: store.incidents[board["p2_newer"]].status == "dispatched", timeout=5000)
    assert resets == []
    assert changed and {c[0] for c in changed} == {row} and {c[1] for c in changed} == {row}
    assert changed[-1][2:4] == (0, queue_model.columnCount() - 1)
    assert StatusRole in changed[-1][4] and SortKeyRole in changed[-1][4]
    index = queue_model.index(row, COL_STATUS)
    assert index.data() == "Dispatched"
    assert index.data(StatusRole) == "dispatched"
    assert queue_model.index(row, 6).data() == "CSO12"
    # It left the pending group: now after the pending calls, with the other active one (P1 first).
    assert proxy_ids(proxy) == [board["p2_older"], board["p3_old"], board["active"], board["p2_newer"]]


def test_a_new_incident_is_inserted_not_reset(board, db, dispatcher, store, queue_model, qtbot):
    resets: list[int] = []
    queue_model.modelReset.connect(lambda: resets.append(1))
    inserted: list[tuple[int, int]] = []
    queue_model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    before = queue_model.rowCount()
    new = make_call(db, dispatcher, "SLMP", priority=1, location="Robertson Blvd")
    qtbot.waitUntil(lambda: queue_model.row_of(new.id) is not None, timeout=5000)
    assert inserted == [(before, before)]
    assert resets == []
    proxy = IncidentQueueProxy(queue_model)
    assert proxy_ids(proxy)[0] == new.id  # P1 pending goes to the top


def test_board_loaded_resets_the_model(board, store, queue_model, qtbot):
    resets: list[int] = []
    queue_model.modelReset.connect(lambda: resets.append(1))
    load_settled(qtbot, store)
    assert resets == [1]
    assert queue_model.rowCount() == 5


# Clock -----------------------------------------------------------------------------------------
def test_tick_changes_only_the_time_columns(board, queue_model, clock):
    proxy = IncidentQueueProxy(queue_model)
    resets: list[int] = []
    queue_model.modelReset.connect(lambda: resets.append(1))
    proxy.modelReset.connect(lambda: resets.append(2))
    proxy.layoutChanged.connect(lambda *_: resets.append(3))
    changed: list[tuple[int, int, int, int]] = []
    queue_model.dataChanged.connect(
        lambda tl, br, _roles: changed.append((tl.row(), br.row(), tl.column(), br.column()))
    )
    row = queue_model.row_of(board["p3_old"])
    age_before = queue_model.index(row, COL_AGE).data()
    order_before = proxy_ids(proxy)
    clock.advance(seconds=42)
    queue_model.tick()
    assert changed == [(0, queue_model.rowCount() - 1, COL_AGE, COL_IN_STATUS)]
    assert resets == []
    assert queue_model.index(row, COL_AGE).data() != age_before
    assert queue_model.index(row, COL_AGE).data() == format_elapsed(
        (clock() - queue_model.record(row).received_at).total_seconds()
    )
    assert proxy_ids(proxy) == order_before


def test_the_tick_timer_runs_every_second(board, store, qtbot):
    model = IncidentQueueModel(store)
    assert model.tick_timer.isActive() and model.tick_timer.interval() == 1000
    with qtbot.waitSignal(model.ticked, timeout=2500):
        pass
    model.tick_timer.stop()


def test_a_pending_call_escalates_amber_then_red_with_a_text_cue(db, dispatcher, store, queue_model, clock, qtbot):
    amber_s, red_s = db.pack.targets["pending_escalate_s"]
    call = make_call(db, dispatcher)
    qtbot.waitUntil(lambda: queue_model.row_of(call.id) is not None, timeout=5000)
    row = queue_model.row_of(call.id)
    age = queue_model.index(row, COL_AGE)
    palette = theme.colors()

    clock.advance(seconds=amber_s - 1)
    queue_model.tick()
    assert age.data(EscalationRole) == ""
    assert "⚠" not in age.data()
    assert age.data(Qt.ItemDataRole.BackgroundRole) is None

    clock.advance(seconds=1)
    queue_model.tick()
    assert age.data(EscalationRole) == "amber"
    assert age.data().startswith("⚠ ")
    assert age.data(Qt.ItemDataRole.FontRole).bold()
    assert age.data(Qt.ItemDataRole.ForegroundRole) == palette.amber
    assert queue_model.index(row, COL_NUMBER).data(Qt.ItemDataRole.BackgroundRole) == palette.amber_tint
    assert "Pending longer than" in age.data(Qt.ItemDataRole.ToolTipRole)

    clock.advance(seconds=red_s - amber_s)
    queue_model.tick()
    assert age.data(EscalationRole) == "red"
    assert age.data().startswith("⚠ ")
    assert age.data(Qt.ItemDataRole.ForegroundRole) == palette.red
    assert age.data(Qt.ItemDataRole.AccessibleTextRole).endswith("waiting too long")


def test_only_pending_calls_escalate(board, queue_model, clock):
    clock.advance(hours=2)
    queue_model.tick()
    for key in ("active", "closed"):
        row = queue_model.row_of(board[key])
        assert queue_model.index(row, COL_AGE).data(EscalationRole) == ""
    assert queue_model.index(queue_model.row_of(board["p3_old"]), COL_AGE).data(EscalationRole) == "red"
    assert queue_model.counts() == {"pending": 3, "active": 1, "closed": 1, "escalated": 3}


def test_format_elapsed():
    assert format_elapsed(-3) == "0:00"
    assert format_elapsed(247) == "4:07"
    assert format_elapsed(3600 + 5 * 60) == "1h 05m"
    assert format_elapsed(3 * 86400 + 4 * 3600) == "3d 4h"


# The pane --------------------------------------------------------------------------------------
@pytest.fixture
def pane(board, store, qtbot):
    return show_table_pane(qtbot, IncidentQueue(store), 1200, 500)


def test_every_control_has_an_accessible_name(pane):
    controls = form_controls(pane)
    assert len(controls) >= 8
    assert unnamed_controls(pane) == []
    assert pane.accessibleName() == "Incident queue"


def test_selection_and_activation_signals(pane, board, qtbot):
    pane.focus_table()
    first = proxy_ids(pane.proxy)[0]
    assert pane.current_incident_id() == first
    with qtbot.waitSignal(pane.incident_selected, timeout=1000) as selected:
        qtbot.keyClick(pane.table, Qt.Key.Key_Down)
    assert selected.args == [proxy_ids(pane.proxy)[1]]
    with qtbot.waitSignal(pane.incident_activated, timeout=1000) as activated:
        qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    assert activated.args == [proxy_ids(pane.proxy)[1]]
    rect = pane.table.visualRect(pane.proxy.index(2, COL_NUMBER))
    with qtbot.waitSignal(pane.incident_activated, timeout=1000) as clicked:
        # A real double-click: the first click presses the row, the second arrives as a double-click.
        qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [proxy_ids(pane.proxy)[2]]


def test_select_incident_widens_filters_and_does_not_echo(pane, board, qtbot):
    pane.set_view_filter("pending")
    assert pane.view_combo.currentData() == "pending"
    echoes: list[int] = []
    pane.incident_selected.connect(echoes.append)
    assert pane.select_incident(board["closed"])  # hidden by the pending view
    assert pane.current_incident_id() == board["closed"]
    assert pane.proxy.view_filter == "all" and pane.view_combo.currentData() == "all"
    assert echoes == []
    assert not pane.select_incident(987654)


def test_filter_bar_drives_the_proxy(pane, board, qtbot):
    pane.focus_search()
    assert pane.search.hasFocus()
    qtbot.keyClicks(pane.search, "plummer")
    assert proxy_ids(pane.proxy) == [board["p2_newer"]]
    qtbot.keyClick(pane.search, Qt.Key.Key_Escape)  # first Escape clears
    assert pane.search.text() == "" and pane.proxy.rowCount() == 4
    pane.view_combo.setCurrentIndex(pane.view_combo.findData("closed"))
    assert proxy_ids(pane.proxy) == [board["closed"]]
    pane.view_combo.setCurrentIndex(pane.view_combo.findData("all"))
    pane.zone_combo.setCurrentIndex(pane.zone_combo.findData("0974"))
    assert proxy_ids(pane.proxy) == [board["p3_old"]]
    assert pane.zone_combo.findData("0975") > 0  # zones come from the incidents on the board
    pane.zone_combo.setCurrentIndex(0)
    pane.type_combo.setCurrentIndex(pane.type_combo.findData("MNTL"))
    assert proxy_ids(pane.proxy) == [board["p2_older"]]
    qtbot.waitUntil(lambda: pane.count_label.text() == "3 pending  ·  1 active  ·  1 shown", timeout=1000)


def test_shortcut_focuses_search(pane, qtbot):
    pane.focus_table()
    qtbot.keyClick(pane.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert pane.search.hasFocus()
    qtbot.keyClick(pane.search, Qt.Key.Key_Down)
    assert pane.table.hasFocus()


@pytest.mark.parametrize("name", ["night", "day"])
def test_delegate_paints_the_priority_shape_in_the_theme_colour(pane, board, name, qapp):
    previous = qapp.property("cso_theme")
    qapp.setProperty("cso_theme", name)
    try:
        pane.table.viewport().update()
        image: QImage = pane.table.viewport().grab().toImage()
        row = proxy_ids(pane.proxy).index(board["active"])  # the P1 call
        rect = pane.table.visualRect(pane.proxy.index(row, COL_PRIORITY))
        wanted = theme.colors(name).priority[1]
        found = {
            QColor(image.pixel(x, y)).name()
            for x in range(rect.left(), rect.left() + 24)
            for y in range(rect.top(), rect.bottom())
        }
        assert wanted.name() in found
        assert pane.proxy.index(row, COL_PRIORITY).data(PriorityRole) == 1
    finally:
        qapp.setProperty("cso_theme", previous)


def test_rows_have_no_children(queue_model, board):
    index = queue_model.index(0, 0)
    assert queue_model.rowCount(index) == 0
    assert queue_model.columnCount(index) == 0
    assert queue_model.data(QModelIndex()) is None
    assert queue_model.index(0, COL_IN_STATUS).data(Qt.ItemDataRole.TextAlignmentRole) is not None


def test_a_narrow_pane_keeps_the_location_readable(pane, qtbot):
    pane.setFont(QFont("DejaVu Sans", 10))  # widths below are measured in this font
    header = pane.table.horizontalHeader()
    pane.resize(1800, 500)
    qtbot.waitUntil(lambda: not header.isSectionHidden(COL_ZONE), timeout=1000)
    assert not header.isSectionHidden(COL_IN_STATUS)
    assert all(label.isVisibleTo(pane) for label in pane._filter_labels)
    pane.resize(600, 500)  # as narrow as the filter bar allows
    qtbot.waitUntil(lambda: header.isSectionHidden(COL_ZONE) and header.isSectionHidden(COL_IN_STATUS), timeout=1000)
    assert header.sectionSize(COL_LOCATION) > header.sectionSize(COL_TYPE)  # Type narrowed first
    assert not any(label.isVisibleTo(pane) for label in pane._filter_labels)  # the combos remain, named
    pane.resize(1800, 500)
    qtbot.waitUntil(lambda: not header.isSectionHidden(COL_IN_STATUS), timeout=1000)

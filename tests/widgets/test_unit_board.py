"""Unit board: model, board order, status-check states and flash, acknowledgement, units leaving the shift."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from data import services
from data.permissions import Actor
from tests.data.helpers import NO_SCREENING
from tests.widgets.helpers import form_controls, load_settled, show_table_pane, unnamed_controls
from widgets import theme
from widgets.unit_board import (
    COL_CHECK,
    COL_INCIDENT,
    COL_LOCATION,
    COL_OFFICERS,
    COL_SKILLS,
    COL_STATUS,
    COL_TIME,
    COL_UNIT,
    FlashRole,
    StatusCheckRole,
    UnitBoard,
    UnitBoardModel,
    UnitBoardProxy,
    UnitIdRole,
    natural_key,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

PLACE = {"latitude": 34.0900, "longitude": -118.3661, "in_city": True, "zone": "0971"}


def proxy_signs(proxy) -> list[str]:
    return [proxy.index(r, COL_UNIT).data() for r in range(proxy.rowCount())]


@pytest.fixture
def crew(db, clock, supervisor: Actor, dispatcher: Actor, store, qtbot):
    """CSO2 on scene at a welfare check, CSO10 available, CSO3 on break, CSO1 busy, CSO4 not signed on."""
    now = clock()
    services.start_shift(
        db, supervisor, name="Day", supervisor="Sgt. Test", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )
    units: dict[str, int] = {}
    for n, sign in enumerate(("CSO2", "CSO10", "CSO3", "CSO1", "CSO4")):
        officer = services.create_officer(
            db, supervisor, badge=f"B{n}", name=f"Officer {sign}", skills=["first aid"], languages=["Spanish"]
        )
        unit = services.create_unit(db, supervisor, call_sign=sign)
        units[sign] = unit.id
        if sign != "CSO4":
            services.sign_on_unit(db, supervisor, unit.id, officer_ids=[officer.id], zone="0971")
    incident = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="WELFARE", location="Plummer Park", **PLACE
    )
    services.dispatch_units(db, dispatcher, incident.id, [units["CSO2"]])
    services.set_unit_status(db, dispatcher, units["CSO2"], "onscene")
    services.set_unit_status(db, dispatcher, units["CSO3"], "break")
    services.set_unit_status(db, dispatcher, units["CSO1"], "busy")
    load_settled(qtbot, store)
    units["incident"] = incident.id
    return units


@pytest.fixture
def board_model(store):
    model = UnitBoardModel(store)
    model.tick_timer.stop()
    yield model
    model.tick_timer.stop()


def row_index(model, unit_id: int, col: int):
    return model.index(model.row_of(unit_id), col)


def test_model_and_proxy_pass_the_model_tester(crew, board_model, qtmodeltester):
    qtmodeltester.check(board_model)
    qtmodeltester.check(UnitBoardProxy(board_model))


def test_only_units_on_shift_in_board_order(crew, board_model):
    proxy = UnitBoardProxy(board_model)
    # Available first, then busy, then on a call, then break; call signs in natural order.
    assert proxy_signs(proxy) == ["CSO10", "CSO1", "CSO2", "CSO3"]
    assert board_model.row_of(crew["CSO4"]) is None
    assert natural_key("CSO2") < natural_key("CSO10")
    index = row_index(board_model, crew["CSO2"], COL_STATUS)
    assert index.data() == "On scene"
    assert row_index(board_model, crew["CSO2"], COL_INCIDENT).data().startswith("20")  # incident number
    assert row_index(board_model, crew["CSO2"], COL_LOCATION).data() == "Plummer Park"
    assert "speaks Spanish" in row_index(board_model, crew["CSO2"], COL_SKILLS).data()
    assert row_index(board_model, crew["CSO2"], COL_OFFICERS).data() == "Officer CSO2"


def test_check_states_warning_then_critical_with_text_cue(crew, board_model, clock, db):
    assert db.pack.timers["onscene"] == (15, 25)  # minutes on scene before warning, before critical
    check = row_index(board_model, crew["CSO2"], COL_CHECK)
    assert check.data(StatusCheckRole) == "ok"
    assert check.data() == "0m"
    assert row_index(board_model, crew["CSO10"], COL_CHECK).data(StatusCheckRole) == "none"
    assert row_index(board_model, crew["CSO10"], COL_CHECK).data() == ""

    clock.advance(minutes=15, seconds=-1)  # a second before the warning
    board_model.tick()
    assert check.data(StatusCheckRole) == "ok"
    assert check.data() == "14m"
    clock.advance(seconds=1)  # exactly 15 minutes
    board_model.tick()
    assert check.data(StatusCheckRole) == "warning"
    assert check.data() == "CHECK 15m"
    assert check.data(Qt.ItemDataRole.FontRole).bold()
    palette = theme.colors()
    assert row_index(board_model, crew["CSO2"], COL_UNIT).data(Qt.ItemDataRole.BackgroundRole) in (
        palette.amber_tint,
        palette.flash_warning,
    )
    assert "Status check due" in check.data(Qt.ItemDataRole.ToolTipRole)

    clock.advance(minutes=10, seconds=-1)  # a second before critical
    board_model.tick()
    assert check.data(StatusCheckRole) == "warning"
    assert check.data() == "CHECK 24m"
    clock.advance(seconds=1)  # exactly 25 minutes
    board_model.tick()
    assert check.data(StatusCheckRole) == "critical"
    assert check.data() == "CHECK! 25m"
    assert row_index(board_model, crew["CSO2"], COL_UNIT).data(Qt.ItemDataRole.BackgroundRole) in (
        palette.red_tint,
        palette.flash,
    )
    assert "overdue" in check.data(Qt.ItemDataRole.AccessibleTextRole)
    assert board_model.counts() == {
        "available": 1,
        "assigned": 1,
        "busy": 1,
        "break": 1,
        "out_of_service": 0,
        "checks": 1,
    }
    # Units without a timer never alert, however long they sit.
    assert row_index(board_model, crew["CSO10"], COL_CHECK).data(StatusCheckRole) == "none"
    assert row_index(board_model, crew["CSO10"], COL_UNIT).data(Qt.ItemDataRole.BackgroundRole) is None


def test_the_flash_alternates_each_tick(crew, board_model, clock, db):
    clock.advance(minutes=db.pack.timers["onscene"][1] + 1)
    alert = row_index(board_model, crew["CSO2"], COL_UNIT)
    calm = row_index(board_model, crew["CSO10"], COL_UNIT)
    changed: list[tuple[int, int, int, int]] = []
    board_model.dataChanged.connect(lambda tl, br, _r: changed.append((tl.row(), br.row(), tl.column(), br.column())))
    seen = []
    for _ in range(4):
        board_model.tick()
        seen.append((alert.data(FlashRole), alert.data(Qt.ItemDataRole.BackgroundRole).name()))
        assert calm.data(FlashRole) is False
    assert [s[0] for s in seen] == [True, False, True, False]
    assert seen[0][1] != seen[1][1] and seen[0][1] == seen[2][1]
    # Per tick: the time columns of every row, plus the whole alerting row for its background.
    last = board_model.rowCount() - 1
    alert_row = board_model.row_of(crew["CSO2"])
    assert changed[:2] == [(0, last, COL_TIME, COL_CHECK), (alert_row, alert_row, 0, board_model.columnCount() - 1)]


def test_tick_never_resets(crew, board_model, clock):
    resets: list[int] = []
    board_model.modelReset.connect(lambda: resets.append(1))
    before = row_index(board_model, crew["CSO10"], COL_TIME).data()
    clock.advance(seconds=75)
    board_model.tick()
    assert resets == []
    assert row_index(board_model, crew["CSO10"], COL_TIME).data() != before


def test_a_unit_signing_off_leaves_and_one_signing_on_arrives(crew, db, supervisor, board_model, store, qtbot):
    resets: list[int] = []
    board_model.modelReset.connect(lambda: resets.append(1))
    removed: list[tuple[int, int]] = []
    board_model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    row = board_model.row_of(crew["CSO10"])
    services.sign_off_unit(db, supervisor, crew["CSO10"])
    qtbot.waitUntil(lambda: board_model.row_of(crew["CSO10"]) is None, timeout=5000)
    assert removed == [(row, row)]
    assert board_model.rowCount() == 3
    officer = services.create_officer(db, supervisor, badge="B9", name="Officer Late")
    services.sign_on_unit(db, supervisor, crew["CSO4"], officer_ids=[officer.id], zone="0972")
    qtbot.waitUntil(lambda: board_model.row_of(crew["CSO4"]) is not None, timeout=5000)
    assert resets == []
    assert proxy_signs(UnitBoardProxy(board_model))[0] == "CSO4"  # available: top of the board


def test_an_incident_move_updates_the_units_location(crew, db, dispatcher, board_model, store, qtbot):
    changed: list[tuple[int, int, int]] = []
    board_model.dataChanged.connect(lambda tl, br, _r: changed.append((tl.row(), tl.column(), br.column())))
    version = store.incidents[crew["incident"]].version
    services.update_incident(db, dispatcher, crew["incident"], expected_version=version, location="West Hollywood Park")
    qtbot.waitUntil(
        lambda: row_index(board_model, crew["CSO2"], COL_LOCATION).data() == "West Hollywood Park", timeout=5000
    )
    assert (board_model.row_of(crew["CSO2"]), COL_INCIDENT, COL_LOCATION) in changed


# The pane --------------------------------------------------------------------------------------
@pytest.fixture
def pane(crew, store, actions, qtbot):
    return show_table_pane(qtbot, UnitBoard(store, actions), 1100, 360)


def test_every_control_has_an_accessible_name(pane):
    controls = form_controls(pane)
    assert len(controls) >= 7
    assert unnamed_controls(pane) == []


def test_acknowledge_through_the_board_clears_the_warning_and_notes_the_timeline(pane, crew, clock, db, store, qtbot):
    clock.advance(minutes=db.pack.timers["onscene"][0] + 2)
    pane.model.tick()
    check = row_index(pane.model, crew["CSO2"], COL_CHECK)
    assert check.data(StatusCheckRole) == "warning"
    pane.select_unit(crew["CSO2"])
    pane.table.setFocus()
    qtbot.keyClick(pane.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert pane.ack_bar.isVisible() and pane.ack_note.hasFocus()
    assert "CSO2" in pane.ack_label.text()
    qtbot.keyClicks(pane.ack_note, "code 4, subject calm")
    qtbot.keyClick(pane.ack_note, Qt.Key.Key_Return)
    assert not pane.ack_bar.isVisible()
    qtbot.waitUntil(lambda: store.units[crew["CSO2"]].check_started_at == clock(), timeout=5000)
    assert check.data(StatusCheckRole) == "ok"
    assert check.data() == "0m"
    assert row_index(pane.model, crew["CSO2"], COL_UNIT).data(Qt.ItemDataRole.BackgroundRole) is None
    notes = [e.text for e in services.timeline(db, crew["incident"]) if e.kind == "status_check"]
    assert notes == ["Status check CSO2: code 4, subject calm"]


def test_acknowledge_bar_escape_cancels_and_units_without_timer_cannot_ack(pane, crew, qtbot):
    assert pane.begin_acknowledge(crew["CSO2"])
    qtbot.keyClick(pane.ack_note, Qt.Key.Key_Escape)
    assert not pane.ack_bar.isVisible()
    assert pane.begin_acknowledge(crew["CSO10"])  # available: no timer running
    assert "no status-check timer" in pane.ack_label.text()
    assert not pane.ack_button.isEnabled()
    pane.cancel_acknowledge()
    pane.table.clearSelection()
    assert not pane.begin_acknowledge()  # nothing selected


def test_selection_signals_and_select_unit_without_echo(pane, crew, qtbot):
    echoes: list[int] = []
    pane.unit_selected.connect(echoes.append)
    assert pane.select_unit(crew["CSO3"])
    assert pane.current_unit_id() == crew["CSO3"] and echoes == []
    assert not pane.select_unit(crew["CSO4"])  # not on shift
    pane.table.setFocus()
    with qtbot.waitSignal(pane.unit_selected, timeout=1000) as selected:
        qtbot.keyClick(pane.table, Qt.Key.Key_Up)
    assert selected.args == [crew["CSO2"]]
    with qtbot.waitSignal(pane.unit_activated, timeout=1000) as activated:
        qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    assert activated.args == [crew["CSO2"]]
    assert pane.proxy.index(0, 0).data(UnitIdRole) == crew["CSO10"]


def test_counts_label_reports_checks_due(pane, clock, db, qtbot):
    assert pane.count_label.text() == "1 available  ·  1 on calls  ·  1 busy  ·  1 on break"
    clock.advance(minutes=db.pack.timers["onscene"][1])
    pane.model.tick()  # counted once after the tick's burst of changes
    qtbot.waitUntil(lambda: pane.count_label.text().startswith("⚠ 1 check due  ·  "), timeout=1000)

"""The command line driven with keys: good commands change the incident, bad ones change nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from data import services
from data.models import AuditEntry
from tests.widgets.helpers import staff, welfare
from widgets.command_line import CommandLine

# The offscreen platform cannot raise or grab for the completion popup; it says so, harmlessly.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def cmdline(qtbot, store, actions):
    widget = CommandLine(store, actions)
    qtbot.addWidget(widget)
    widget.show()
    widget.edit.setFocus()
    return widget


def load(qtbot, store):
    with qtbot.waitSignal(store.board_loaded):
        store.load()


def type_command(qtbot, cmdline, line: str) -> None:
    qtbot.keyClicks(cmdline.edit, line)
    cmdline.edit.hide_suggestions()  # as if the dispatcher ignored the list
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Return)


def answer_after(qtbot, cmdline, line: str) -> str:
    type_command(qtbot, cmdline, line)
    qtbot.waitUntil(lambda: cmdline.pending == 0 and not cmdline.answer.text().endswith("…"), timeout=20_000)
    return cmdline.answer.text()


def audit_count(db) -> int:
    # Counted directly: reading through services.audit_entries is itself audited.
    with db.read() as s:
        return s.execute(select(func.count(AuditEntry.id))).scalar_one()


def test_dispatch_by_short_unit_and_incident_then_status_and_clear(qtbot, cmdline, store, db, supervisor, dispatcher):
    units = staff(db, supervisor)
    inc = welfare(db, dispatcher)
    load(qtbot, store)

    with qtbot.waitSignal(cmdline.incident_selected) as selected:
        answer = answer_after(qtbot, cmdline, "D 12 1")
    assert selected.args == [inc.id]
    assert answer == f"✓ CSO-12 dispatched to {inc.number} (8300 Santa Monica Blvd)"
    assert cmdline.answer.severity == "ok"
    assert cmdline.edit.text() == ""
    got = services.get_incident(db, inc.id)
    assert got.status == "dispatched" and got.units == ("CSO-12",)

    assert answer_after(qtbot, cmdline, "ER 12") == f"✓ CSO-12 en route on {inc.number}"
    assert answer_after(qtbot, cmdline, "os 12 talking to neighbour") == f"✓ CSO-12 on scene on {inc.number}"
    assert services.get_incident(db, inc.id).status == "onscene"
    assert answer_after(qtbot, cmdline, "ACK 12 all fine").startswith("✓ CSO-12 status check acknowledged")
    assert answer_after(qtbot, cmdline, "NOTE 1 resident is fine, declined services") == f"✓ Note added to {inc.number}"
    assert answer_after(qtbot, cmdline, "C 1 18 resident fine") == f"✓ {inc.number} cleared 18 Settled by contact"
    cleared = services.get_incident(db, inc.id)
    assert (cleared.status, cleared.disposition_code, cleared.disposition_note) == ("cleared", "18", "resident fine")
    texts = [e.text for e in services.timeline(db, inc.id)]
    assert "resident is fine, declined services" in texts
    assert services.get_units(db, [units["CSO-12"]])[0].status == "available"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("XYZ 12 1", "✕ Unknown command 'XYZ'; F1 lists the commands."),
        ("D 12", "✕ D needs an incident: D <unit> <incident>"),
        ("D", "✕ D needs a unit and an incident: D <unit> <incident>"),
        ("C 1", "✕ C needs a disposition code: C <incident> <disposition> [note]"),
        ("C 1 77", "✕ Unknown disposition 77"),
        ("D 99 1", "✕ No unit '99'."),
        ("D 14 55", "✕ No incident ending in 55."),
        ("D 12 1", "✕ 12 matches CSO-12, CSO-112; type more."),
        ("ER 14", "✕ CSO-14 has no incident to be en route to."),
        ("NOTE 1", "✕ NOTE needs some text: NOTE <incident> <text>"),
    ],
)
def test_bad_commands_answer_in_one_line_and_change_nothing(
    qtbot, cmdline, store, db, supervisor, dispatcher, line, message
):
    staff(db, supervisor, signs=("CSO-12", "CSO-112", "CSO-14"))
    inc = welfare(db, dispatcher)
    load(qtbot, store)
    before = (services.get_incident(db, inc.id), audit_count(db), services.get_units(db))

    answer = answer_after(qtbot, cmdline, line)

    assert answer.startswith(message)
    assert cmdline.answer.severity == "error"
    assert "\n" not in answer
    assert cmdline.edit.text() == line  # left in place to be fixed, not retyped
    assert (services.get_incident(db, inc.id), audit_count(db), services.get_units(db)) == before


def test_service_refusal_is_shown_and_changes_nothing(qtbot, cmdline, store, db, supervisor, dispatcher):
    staff(db, supervisor)
    armed = welfare(db, dispatcher, screening={"weapon": True})
    load(qtbot, store)
    before = audit_count(db)
    answer = answer_after(qtbot, cmdline, f"D 12 {armed.short_number}")
    assert answer.startswith(f"✕ Incident {armed.number} needs LASD first.")
    assert services.get_incident(db, armed.id).status == "pending"
    assert audit_count(db) == before


def test_a_refused_command_stays_selected_typing_replaces_it_escape_clears(
    qtbot, cmdline, store, db, supervisor, dispatcher
):
    staff(db, supervisor)
    armed = welfare(db, dispatcher, screening={"weapon": True})
    load(qtbot, store)
    answer_after(qtbot, cmdline, f"D 99 {armed.short_number}")  # no such unit
    assert cmdline.edit.text() == f"D 99 {armed.short_number}" and cmdline.edit.hasSelectedText()
    assert cmdline.edit.selectedText() == cmdline.edit.text()
    qtbot.keyClicks(cmdline.edit, "D 12")  # a new command replaces the refused one, not "D 99 1D 12"
    assert cmdline.edit.text() == "D 12"
    cmdline.edit.hide_suggestions()
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Escape)
    assert cmdline.edit.text() == ""
    # A line that does not parse is kept and selected as well.
    answer_after(qtbot, cmdline, "C 1 zz")
    assert cmdline.edit.selectedText() == "C 1 zz"
    # Up recalls the history (the refused dispatch was typed, so it is there to fix).
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Escape)
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Up)
    assert cmdline.edit.text() == f"D 99 {armed.short_number}"


def test_new_call_find_print_and_help_are_signals(qtbot, cmdline, store, db, dispatcher):
    inc = welfare(db, dispatcher)
    load(qtbot, store)
    with qtbot.waitSignal(cmdline.new_call_requested):
        type_command(qtbot, cmdline, "N")
    with qtbot.waitSignal(cmdline.find_requested) as found:
        type_command(qtbot, cmdline, "FIND santa monica")
    assert found.args == ["santa monica"]
    with qtbot.waitSignal(cmdline.print_requested) as printed:
        type_command(qtbot, cmdline, "P 1")
    assert printed.args == [inc.id]
    with qtbot.waitSignal(cmdline.help_requested):
        type_command(qtbot, cmdline, "HELP")
    with qtbot.waitSignal(cmdline.help_requested):
        qtbot.keyClick(cmdline.edit, Qt.Key.Key_F1)


def test_history_walks_with_up_and_down(qtbot, cmdline, store, db, dispatcher):
    welfare(db, dispatcher)
    load(qtbot, store)
    for line in ("FIND abbey", "FIND plummer park"):
        type_command(qtbot, cmdline, line)
    qtbot.keyClicks(cmdline.edit, "D 1")
    cmdline.edit.hide_suggestions()
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Up)
    assert cmdline.edit.text() == "FIND plummer park"
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Up)
    assert cmdline.edit.text() == "FIND abbey"
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Down)
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Down)
    assert cmdline.edit.text() == "D 1"  # the draft comes back


def test_tab_completes_verbs_units_incidents_and_dispositions(qtbot, cmdline, store, db, supervisor, dispatcher):
    staff(db, supervisor, signs=("CSO-12", "CSO-14"))
    inc = welfare(db, dispatcher)
    load(qtbot, store)
    qtbot.keyClicks(cmdline.edit, "no")
    assert cmdline.edit.suggestions_visible()
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Tab)
    assert cmdline.edit.text() == "NOTE "
    cmdline.edit.clear()

    qtbot.keyClicks(cmdline.edit, "D 14")
    assert cmdline.edit.suggestion_values() == ["CSO-14"]
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Tab)
    assert cmdline.edit.text() == "D CSO-14 "
    assert cmdline.edit.suggestion_values() == [inc.number]  # the open incidents come next
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Tab)
    assert cmdline.edit.text() == f"D CSO-14 {inc.number} "
    cmdline.edit.clear()

    qtbot.keyClicks(cmdline.edit, "C 1 1")
    assert cmdline.edit.suggestion_values()[:3] == ["18", "15", "14"]
    # The top row is highlighted for Tab; Down moves to the next, and Enter takes a row chosen that way.
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Down)
    qtbot.keyClick(cmdline.edit, Qt.Key.Key_Return)
    assert cmdline.edit.text() == "C 1 15 "
    assert services.get_incident(db, inc.id).status == "pending"  # taking a suggestion runs nothing


def test_unit_suggestions_put_likely_units_first(qtbot, cmdline, store, db, supervisor, dispatcher):
    units = staff(db, supervisor, signs=("CSO-11", "CSO-12"))
    inc = welfare(db, dispatcher)
    services.dispatch_units(db, dispatcher, inc.id, [units["CSO-11"]])
    load(qtbot, store)
    assert [v for _, v in cmdline.suggestions_for("D ")] == ["CSO-12", "CSO-11"]
    assert [v for _, v in cmdline.suggestions_for("ER ")] == ["CSO-11", "CSO-12"]


def test_officer_initiated_work_starts_on_scene(qtbot, cmdline, store, db, supervisor):
    units = staff(db, supervisor)
    load(qtbot, store)
    qtbot.keyClicks(cmdline.edit, "SI 14 ")
    assert cmdline.edit.suggestion_values() == ["AUDIT", "EDUCATE", "BIZCHK", "PROOUT"]
    cmdline.edit.clear()
    with qtbot.waitSignal(cmdline.incident_selected, timeout=5000) as selected:
        answer = answer_after(qtbot, cmdline, "SI 14 BIZCHK 8300 santa monica blvd")
    rec = services.get_incident(db, selected.args[0])
    assert answer == f"✓ {rec.number} started: CSO-14 on scene, Business check at 8300 Santa Monica Blvd"
    assert (rec.kind, rec.status, rec.units, rec.zone) == ("self_initiated", "onscene", ("CSO-14",), "0976")
    assert rec.latitude is not None and rec.id in store.incidents
    assert services.get_units(db, [units["CSO-14"]])[0].status == "onscene"


def test_officer_initiated_work_refuses_a_call_type(qtbot, cmdline, store, db, supervisor):
    staff(db, supervisor)
    load(qtbot, store)
    answer = answer_after(qtbot, cmdline, "SI 14 WELFARE city hall")
    assert answer.startswith("✕ WELFARE is not officer-initiated work")
    assert services.search_incidents(db, "") == []


def test_names_are_found_on_the_board_without_reading_the_database(
    qtbot, cmdline, store, db, supervisor, dispatcher, monkeypatch
):
    staff(db, supervisor, signs=("CSO-12", "CSO-112"))
    inc = welfare(db, dispatcher)
    load(qtbot, store)

    def no_read(*_args: object) -> None:
        raise AssertionError("the board holds this name")

    monkeypatch.setattr(services, "find_unit", no_read)
    monkeypatch.setattr(services, "find_incident", no_read)
    assert answer_after(qtbot, cmdline, "D 12 1") == "✕ 12 matches CSO-12, CSO-112; type more."  # as the service says
    cmdline.edit.clear()
    assert answer_after(qtbot, cmdline, "D 112 1") == f"✓ CSO-112 dispatched to {inc.number} (8300 Santa Monica Blvd)"


def test_a_name_the_board_does_not_hold_is_looked_up_in_the_database(qtbot, cmdline, store, db, dispatcher, clock):
    old = welfare(db, dispatcher)
    services.clear_incident(db, dispatcher, old.id, disposition="18")
    clock.advance(days=3)  # closed longer ago than the board keeps
    qtbot.wait(50)  # the clear's own feed event has come in and been fetched
    qtbot.waitUntil(lambda: store.operations.pending() == 0 and not store.flush_timer.isActive())
    load(qtbot, store)
    assert old.id not in store.incidents
    with qtbot.waitSignal(cmdline.print_requested) as printed:
        type_command(qtbot, cmdline, "P 1")
    assert printed.args == [old.id]
    assert answer_after(qtbot, cmdline, "NOTE 7 text") == "✕ No incident ending in 7."

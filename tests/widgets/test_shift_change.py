"""A whole shift change in the shift view: notes, roster swap, printed report, the incoming dispatcher's board."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from console.paperwork.shift_report import shift_report_pdf
from console.paperwork.welfare import welfare_log_pdf
from data import services
from data.permissions import Actor
from data.services.welfare import record_welfare_check
from tests.data.helpers import SUPERVISOR, small_shift, welfare_call
from widgets.operations import Operations
from widgets.shift_change import CarryModel, RosterModel, ShiftChangeView
from widgets.store import BoardStore
from widgets.tasks import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def handover(db, clock, dispatcher):
    """Four units on; three open incidents (on scene, dispatched, pending), one cleared with a welfare log."""
    u1, u2, u3, u4 = small_shift(db, units=4)
    on_scene = welfare_call(db, dispatcher, location="Plummer Park")
    services.dispatch_units(db, dispatcher, on_scene.id, [u1])
    clock.advance(minutes=3)
    services.set_unit_status(db, dispatcher, u1, "onscene")
    sent = welfare_call(db, dispatcher, location="8500 Sunset Blvd", call_type="NOISE")
    services.dispatch_units(db, dispatcher, sent.id, [u2])
    waiting = welfare_call(db, dispatcher, location="West Hollywood Library", call_type="PROPLOST")
    done = welfare_call(db, dispatcher, location="Kings Road Park")
    services.dispatch_units(db, dispatcher, done.id, [u3])
    clock.advance(minutes=20)
    record_welfare_check(db, dispatcher, incident_id=done.id, subject_name="Mary Major", follow_up_needed=True)
    services.clear_incident(db, dispatcher, done.id, disposition="18")
    night = [services.create_officer(db, SUPERVISOR, badge=f"N-{n}", name=f"Night Officer {n}") for n in range(3)]
    clock.advance(hours=9)
    return (u1, u2, u3, u4), (on_scene, sent, waiting), night


@pytest.fixture
def view(qtbot, store, supervisor):
    printed: list[tuple[str, bytes]] = []
    widget = ShiftChangeView(
        store,
        supervisor,
        report_pdf=shift_report_pdf,
        welfare_log_pdf=welfare_log_pdf,
        print_pdf=lambda _parent, pdf, title: printed.append((title, pdf)),
    )
    widget.printed_documents = printed  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def load(qtbot, view):
    with qtbot.waitSignal(view.loaded, timeout=15000):
        view.load()
    return view.state


def test_full_shift_change(qtbot, qtmodeltester, db, handover, view, dispatcher):
    (u1, u2, _u3, u4), (on_scene, sent, waiting), night = handover
    outgoing = services.active_shift(db)
    state = load(qtbot, view)
    qtmodeltester.check(view.carry)
    qtmodeltester.check(view.roster)
    qtmodeltester.check(view.intervals)
    assert [r.incident.id for r in view.carry.rows] == [on_scene.id, sent.id, waiting.id]  # by priority, then age
    assert view.tiles["carried"].value.text() == "3"
    assert state.summary.incidents == 4
    assert view.title.text() == f"Outgoing: {outgoing.name}"

    # A handoff note typed in the table, the others set on the model as the editor would.
    index = view.carry.index(0, CarryModel.NOTE)
    view.carry_view.setCurrentIndex(index)
    view.carry_view.edit(index)
    editor = view.carry_view.findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClicks(editor, "Subject calmer; DMH team due 02:30")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits an editor on Return through a queued call.
    qtbot.waitUntil(lambda: on_scene.id in view.carry.notes())
    assert view.carry.set_note(sent.id, "Caller says the party moved indoors")
    assert view.carry.set_note(waiting.id, "Passport description in the narrative")
    assert view.carry.notes()[on_scene.id] == "Subject calmer; DMH team due 02:30"

    # Incoming roster: CSO11 stays on (still on scene) with a new crew, CSO12 stays on, CSO14 too;
    # CSO13 (free) signs off.
    view.set_roster([(night[0].id, u1, "0971"), (night[1].id, u2, "0972"), (night[2].id, u4, "0974")])
    assert [u.call_sign for u in view.leaving_units()] == ["CSO13"]
    assert view.leaving_label.text() == "Signing off: CSO13."
    view.name_edit.setText("Night shift Fri 27 Nov")
    view.note_edit.setPlainText("Two welfare follow-ups for the morning.")

    with qtbot.waitSignal(view.shift_changed, timeout=15000) as changed:
        qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    result = changed.args[0]
    qtbot.waitUntil(lambda: len(view.printed_documents) == 2 and view.pending == 0, timeout=30000)

    # The new shift is active, the roster swapped, the incidents carried.
    new = services.active_shift(db)
    assert new.id == result.shift.id and new.name == "Night shift Fri 27 Nov" and new.supervisor == "supervisor1"
    assert result.signed_off == ("CSO13",)
    crews = {u.call_sign: u.officers for u in services.get_units(db) if u.on_shift}
    assert crews == {"CSO11": ("Night Officer 0",), "CSO12": ("Night Officer 1",), "CSO14": ("Night Officer 2",)}
    assert view.title.text() == "Outgoing: Night shift Fri 27 Nov"  # the view reloaded on the new shift

    # The printed shift report and welfare-check log of the outgoing shift.
    (report_title, report), (log_title, log) = view.printed_documents
    assert report_title == f"Shift report {outgoing.name}" and log_title == f"Welfare-check log {outgoing.name}"
    text = pdf_text(report)
    assert f"SHIFT REPORT · {outgoing.name}" in text and "shift closed" in text
    for inc in (on_scene, sent, waiting):
        assert inc.number in text
    assert "Handoff: Subject calmer; DMH team due 02:30" in text
    assert "Two welfare follow-ups for the morning." in text
    log_text = pdf_text(log)
    assert "WELFARE-CHECK LOG" in log_text and "Mary Major" in log_text

    # Another dispatcher's console sees the carried incidents on the new shift, notes in the timeline.
    other_runner = TaskRunner()
    other = BoardStore(db, Operations(other_runner))
    try:
        with qtbot.waitSignal(other.board_loaded, timeout=15000):
            other.load()
        for inc in (on_scene, sent, waiting):
            seen = other.incidents[inc.id]
            assert seen.is_open and seen.shift_id == new.id
        assert other.incidents[on_scene.id].units == ("CSO11",)
        handoffs = {
            inc.id: [e.text for e in services.timeline(db, inc.id) if e.text.startswith("Handoff:")]
            for inc in (on_scene, sent, waiting)
        }
        assert handoffs == {
            on_scene.id: ["Handoff: Subject calmer; DMH team due 02:30"],
            sent.id: ["Handoff: Caller says the party moved indoors"],
            waiting.id: ["Handoff: Passport description in the narrative"],
        }
        assert {u.call_sign for u in other.on_shift_units()} == {"CSO11", "CSO12", "CSO14"}
    finally:
        other.close()
        other_runner.shutdown()


def test_refused_change_writes_nothing_and_says_why(qtbot, db, handover, view):
    (_u1, u2, _u3, _u4), (_on_scene, _sent, _waiting), night = handover
    outgoing = services.active_shift(db)
    load(qtbot, view)
    view.set_roster([(night[0].id, u2, None)])
    assert "CSO11 is still on" in view.leaving_label.text()
    view.start_new_shift()
    qtbot.waitUntil(lambda: view.pending == 0 and "still on" in view.message.message, timeout=15000)
    assert view.message.severity == "error"
    assert services.active_shift(db) == outgoing
    assert view.printed_documents == []
    assert view.start_button.isEnabled()


def test_roster_editing_buttons_and_problems(qtbot, db, handover, view):
    (_u1, *_rest), _incidents, night = handover
    load(qtbot, view)
    rows = view.roster.rowCount()
    view._on_add_button_clicked()
    assert view.roster.rowCount() == rows + 1
    added = view.roster.rows[-1]
    assert added.officer_id in {o.id for o in night}
    first = view.roster.rows[0]
    assert view.roster.setData(view.roster.index(rows, RosterModel.OFFICER), first.officer_id)
    assert view.roster.data(view.roster.index(rows, RosterModel.NOW)) == "⚠ listed twice"
    view.roster_view.setCurrentIndex(view.roster.index(rows, 0))
    view._on_remove_button_clicked()
    assert view.roster.rowCount() == rows
    view.set_roster([])
    view._on_reset_button_clicked()
    assert view.roster.rowCount() == rows


def test_dispatchers_see_the_view_read_only(qtbot, store, db, handover):
    widget = ShiftChangeView(store, Actor("d1", role="dispatcher", workstation="ws"))
    qtbot.addWidget(widget)
    assert not widget.start_button.isEnabled()
    assert not widget.print_report_button.isEnabled()  # no printer given
    assert "read-only" in widget.message.message

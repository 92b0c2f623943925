"""Editing an incident: a fresh edit saves; an edit of a version someone else changed opens the conflict panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from data import services
from data.db import Database
from data.permissions import Actor
from tests.data.helpers import welfare_call
from widgets.conflict import ConflictResolver
from widgets.incident_edit import IncidentEditor

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def editor(qtbot, actions, db):
    resolver = ConflictResolver(actions)
    ed = IncidentEditor(resolver, db.pack)
    qtbot.addWidget(ed.dialog)
    qtbot.addWidget(resolver.panel)
    return ed


def test_an_edit_of_the_current_version_is_saved(qtbot, editor, db, dispatcher):
    inc = welfare_call(db, dispatcher)
    editor.edit(inc)
    editor.dialog.location.clear()
    qtbot.keyClicks(editor.dialog.location, "Plummer Park")
    editor.dialog.priority.setCurrentIndex(0)
    qtbot.keyClick(editor.dialog.location, Qt.Key.Key_Return)  # Enter saves, as in every dialog
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).location == "Plummer Park", timeout=5000)
    stored = services.get_incident(db, inc.id)
    assert stored.priority == 1
    assert "location: 8300 Santa Monica Blvd → Plummer Park" in services.timeline(db, inc.id)[-1].text


def test_a_stale_edit_shows_who_changed_what_and_can_be_reapplied(qtbot, editor, db, clock, dispatcher):
    inc = welfare_call(db, dispatcher)
    editor.edit(inc)  # dispatcher 1 opens the incident ...
    other = Database(db.url, clock=clock, upgrade=False)
    services.update_incident(
        other, Actor("dispatcher2", workstation="ws-2"), inc.id, expected_version=inc.version, priority=1
    )
    other.dispose()
    editor.dialog.caller_phone.clear()
    qtbot.keyClicks(editor.dialog.caller_phone, "310-555-0199")
    editor.dialog.submit()  # ... and saves over a version that has moved on
    panel = editor.resolver.panel
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    assert "changed by dispatcher2" in panel.message.text()
    assert panel.changed_by.text().startswith("Changed by dispatcher2")
    stored = services.get_incident(db, inc.id)
    assert (stored.priority, stored.caller_phone) == (1, "310-555-0100")  # nothing overwritten silently
    qtbot.mouseClick(panel.reapply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).caller_phone == "310-555-0199", timeout=5000)
    assert services.get_incident(db, inc.id).priority == 1  # their change kept, mine applied on top

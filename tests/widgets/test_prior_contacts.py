"""The welfare-check form shows earlier contacts with the person named, as soon as the name is typed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from data import services
from data.permissions import Actor
from data.services import incident_paperwork, referrals, welfare
from widgets.welfare_form import WelfareForm

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_typing_a_known_name_lists_the_earlier_contacts(qtbot, store, operations, db, dispatcher, clock):
    services.seed_directory(db, Actor("admin1", role="admin", workstation="ws-admin"))
    for accepted, outcome in ((False, "declined"), (True, "accepted")):
        earlier = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
        welfare.record_welfare_check(
            db,
            dispatcher,
            incident_id=earlier.id,
            subject_name="Jordan Reyes",
            services_offered="Shelter bed",
            services_accepted=accepted,
        )
        referrals.add_referral(db, dispatcher, incident_id=earlier.id, agency_key="la_hop", outcome=outcome)
        clock.advance(days=7)
    now = services.create_incident(db, dispatcher, call_type="WELFARE", location="West Hollywood Park")
    form = WelfareForm(db, operations, dispatcher, incident_paperwork.paperwork_context(db, now.id))
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: form.isActiveWindow() and form.subject_edit.hasFocus(), timeout=5000)
    panel = form.prior_contacts
    qtbot.keyClicks(form.subject_edit, "jordan  REYES")
    qtbot.keyClick(form.subject_edit, Qt.Key.Key_Tab)
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    text = panel.label.text()
    assert text.startswith("2 earlier contacts with jordan REYES:")
    lines = text.splitlines()[1:]
    assert "services accepted" in lines[0] and "accepted" in lines[0] and "LA-HOP" in lines[0].upper()
    assert "services declined" in lines[1] and "matched on the name only" in lines[1]

    # A name nobody had: nothing shown.
    form.subject_edit.setFocus()
    qtbot.waitUntil(form.subject_edit.hasFocus, timeout=3000)
    form.subject_edit.clear()
    qtbot.keyClicks(form.subject_edit, "Someone Else")
    qtbot.keyClick(form.subject_edit, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not panel.pending, timeout=5000)
    assert not panel.isVisible()


def test_a_supervisors_merge_and_split_show_in_the_list(qtbot, store, operations, db, dispatcher, supervisor):
    from data.services import people

    ids = {}
    for name in ("Jordan Reyes", "Jordy Reyes", "Jordan Reyes"):
        earlier = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
        welfare.record_welfare_check(
            db, dispatcher, incident_id=earlier.id, subject_name=name, services_offered="Shelter bed"
        )
        check = welfare.welfare_check_for_incident(db, earlier.id)
        assert check is not None
        ids.setdefault(name, []).append(check.id)
    people.merge_people(db, supervisor, name="Jordan Reyes", other_name="Jordy Reyes", reason="Same man, nickname")
    people.split_record(
        db,
        supervisor,
        name="Jordan Reyes",
        record_kind="welfare_check",
        record_id=ids["Jordan Reyes"][1],
        reason="A woman in her 20s; ours is 50s",
    )
    now = services.create_incident(db, dispatcher, call_type="WELFARE", location="West Hollywood Park")
    form = WelfareForm(db, operations, dispatcher, incident_paperwork.paperwork_context(db, now.id))
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: form.isActiveWindow() and form.subject_edit.hasFocus(), timeout=5000)
    panel = form.prior_contacts
    qtbot.keyClicks(form.subject_edit, "Jordan Reyes")
    qtbot.keyClick(form.subject_edit, Qt.Key.Key_Tab)
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    lines = panel.label.text().splitlines()
    assert lines[0] == "2 earlier contacts with Jordan Reyes:"
    assert sorted("merged by a supervisor" in line for line in lines[1:]) == [False, True]
    assert "2026-000003" not in panel.label.text()  # the record split from him is not listed

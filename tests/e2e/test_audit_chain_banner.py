"""A supervisor who opens the console over an audit trail edited behind its back sees a red banner naming the row.

The whole main window with the map loaded; the edit is made as the file's owner would, triggers dropped.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from data import audit_chain
from data.models import AuditEntry
from data.permissions import Actor
from tests.data.helpers import small_shift, welfare_call
from tests.data.test_audit_chain import _owner_sql
from tests.e2e.test_centre_outage import close_window, open_window, windows  # noqa: F401  (a fixture)
from tests.e2e.test_keyboard_dispatch import Keyboard
from tests.e2e.test_map_new_call import HEADLESS_NOISE

pytestmark = pytest.mark.qt_log_ignore(*HEADLESS_NOISE, "This plugin does not support")

SUPERVISOR = Actor("sgt.vega", role="supervisor", workstation="Supervisor desk")
DISPATCHER = Actor("dispatcher1", role="dispatcher", workstation="Dispatch 1")


def _tampered(db) -> int:
    """A shift and a call, then the call's audit row edited as the file's owner would: its id."""
    small_shift(db, units=2)
    call = welfare_call(db, DISPATCHER)
    with db.read() as s:
        target = s.scalars(
            select(AuditEntry.id).where(AuditEntry.action == "create_incident", AuditEntry.entity_id == call.id)
        ).one()
    _owner_sql(db, f"UPDATE audit_log SET username = 'nobody' WHERE id = {target}")
    return target


def test_a_supervisor_sees_the_altered_row_named_in_a_red_banner(qtbot, qloop, db, tmp_path, windows):  # noqa: F811
    target = _tampered(db)
    win = open_window(qtbot, db, SUPERVISOR, tmp_path, windows)
    qtbot.waitUntil(lambda: win.audit_banner.isVisible(), timeout=15_000)
    text = win.audit_banner.text
    assert "altered outside the console" in text
    assert f"audit row id {target}" in text and "altered after it was written" in text
    # The supervisor still works from the keyboard: the audit log opens with its key, the banner stays.
    Keyboard(qtbot).press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: win.audit_viewer is not None and win.audit_viewer.isVisible(), timeout=10_000)
    assert win.audit_banner.isVisible()
    win.grab().save(str(tmp_path / "audit-banner.png"))


def test_a_dispatcher_gets_no_check_and_no_banner(qtbot, qloop, db, tmp_path, windows, monkeypatch):  # noqa: F811
    _tampered(db)
    checks: list[object] = []
    monkeypatch.setattr(audit_chain, "broken_chains", lambda database: checks.append(database) or ["x"])
    win = open_window(qtbot, db, DISPATCHER, tmp_path, windows)
    qtbot.waitUntil(lambda: len(win.store.units) == 2, timeout=10_000)
    assert checks == [] and win.operations.pending(win.audit_banner) == 0
    assert not win.audit_banner.isVisible() and win.audit_banner.text == ""

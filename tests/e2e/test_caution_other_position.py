"""A caution a supervisor adds at another position reaches this console at once: its detail pane and its
list of active cautions (what the map draws), through the server's notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSettings

from console.main_window import MainWindow
from console.settings import Settings
from data import services
from data.db import Database
from data.permissions import Actor
from data.services.cautions import add_caution, end_caution

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.qt_log_ignore("This plugin does not support")]
HALL = (34.090496, -118.370685)


def test_a_caution_added_elsewhere_turns_this_consoles_detail_red(qtbot, qloop, pg_url, clock, tmp_path):
    here = Database(pg_url, clock=clock, upgrade=False)
    elsewhere = Database(pg_url, clock=clock, upgrade=False)  # another position: its own connections and feed
    dispatcher = Actor("dispatcher.a", workstation="ws-a")
    supervisor = Actor("sup.b", role="supervisor", workstation="ws-b")
    try:
        incident = services.create_incident(
            here, dispatcher, call_type="NOISE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
        )
        settings = Settings(QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat))
        win = MainWindow(here, dispatcher, with_map=False, settings=settings, demo_sign_in=True)
        win.store.flush_timer.setInterval(0)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: incident.id in win.store.incidents, timeout=10_000)
        win.select_incident(incident.id)
        panel = win.detail.place_panel
        qtbot.waitUntil(lambda: panel.history is not None, timeout=10_000)
        assert not panel.caution_label.isVisible()

        added = add_caution(
            elsewhere,
            supervisor,
            location="8300 Santa Monica Blvd",
            latitude=HALL[0],
            longitude=HALL[1],
            text="Ladder across the back stairs",
            category="access",
            expires_at=clock() + dt.timedelta(days=3),
        )
        qtbot.waitUntil(lambda: panel.caution_label.isVisible(), timeout=15_000)
        assert "ACCESS: Ladder across the back stairs" in panel.caution_label.text()
        qtbot.waitUntil(lambda: [c.id for c in win.cautions.cautions] == [added.id], timeout=15_000)

        end_caution(elsewhere, supervisor, added.id, reason="Ladder gone")
        qtbot.waitUntil(lambda: not panel.caution_label.isVisible(), timeout=15_000)
        qtbot.waitUntil(lambda: win.cautions.cautions == [], timeout=15_000)
        win.close()
    finally:
        elsewhere.dispose()
        here.dispose()

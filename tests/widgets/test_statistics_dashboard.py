"""The statistics dashboard: figures for the chosen dates, charts and tables filled, CSV export."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from PySide6.QtCore import QDate

from data import services
from data.permissions import Actor
from data.services.self_initiated import start_self_initiated
from tests.data.helpers import small_shift, welfare_call
from widgets.statistics import StatisticsDashboard

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def dashboard(qtbot, store, operations, db, clock, dispatcher):
    u1, u2, _u3 = small_shift(db)
    for n, unit in enumerate((u1, u2)):
        call = welfare_call(db, dispatcher, location="100 Main St", caller_name="Ivy Chen" if n else "IVY CHEN")
        clock.advance(seconds=30 * (n + 1))  # queue 30 s and 60 s
        services.dispatch_units(db, dispatcher, call.id, [unit])
        clock.advance(minutes=5)
        services.set_unit_status(db, dispatcher, unit, "onscene")
        clock.advance(minutes=10)
        services.clear_incident(db, dispatcher, call.id, disposition="18")
    start_self_initiated(db, dispatcher, unit_id=u1, call_type="BIZCHK", location="Sunset Strip")
    widget = StatisticsDashboard(db, operations, Actor("sup.stats", role="supervisor", workstation="ws-sup"))
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitUntil(lambda: widget.pending == 0 and widget.stats is not None, timeout=10000)
    return widget


def test_figures_for_the_default_week(qtbot, qtmodeltester, dashboard):
    for model in (dashboard.intervals, dashboard.repeat_places, dashboard.repeat_people, dashboard.referrals):
        qtmodeltester.check(model)
    assert dashboard.from_edit.date() == QDate(2026, 11, 20) and dashboard.to_edit.date() == QDate(2026, 11, 26)
    assert dashboard.tiles["calls"].value.text() == "2"
    assert dashboard.tiles["self_initiated"].value.text() == "1"
    # Queue 30 s and 60 s: p90 57 s, under the 60 s target.
    assert dashboard.tiles["queue"].value.text() == "57s"
    assert dashboard.tiles["queue"].note.text() == "target ≤ 1m · met"
    assert dashboard.tiles["people"].value.text() == "1" and dashboard.tiles["repeat"].value.text() == "1"
    assert dashboard.intervals.rows[0][:4] == ("Queue", 2, "45s", "57s") and dashboard.intervals.tones[0] == "good"
    assert dashboard.repeat_places.rows == [("100 Main St", 2, "Nov 26 08:15")]
    assert dashboard.repeat_people.rows == [("Ivy Chen", 2)]
    assert dashboard.proactive.rows == [("Business check", 1)]
    assert [c.count for c in dashboard.day_chart.counts][-1] == 2 and len(dashboard.day_chart.counts) == 7
    assert sum(c.count for c in dashboard.hour_chart.counts) == 2
    assert dashboard.type_chart.counts[0].label == "Welfare check"
    assert "3 incidents" in dashboard.status.text()


def test_range_presets_and_a_bad_range(qtbot, dashboard):
    dashboard.set_preset(-1)
    qtbot.waitUntil(lambda: dashboard.pending == 0, timeout=10000)
    assert dashboard.from_edit.date() == QDate(2026, 1, 1)
    assert len(dashboard.stats.by_day) == 330
    dashboard.set_range(dt.date(2026, 11, 27), dt.date(2026, 11, 26))
    assert dashboard.message.severity == "error" and "before" in dashboard.message.message


def test_csv_export(qtbot, dashboard, tmp_path):
    target = tmp_path / "week.csv"
    with qtbot.waitSignal(dashboard.exported, timeout=10000) as exported:
        dashboard.export_csv(str(target))
    assert exported.args == [str(target)]
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {"section": "totals", "key": "calls", "label": "Calls received", "measure": "count", "value": "2"} in rows
    assert dashboard.suggested_file_name() == "cso-statistics-2026-11-20-to-2026-11-26.csv"
    assert "Saved" in dashboard.message.message

"""The whole window with its map: "New call here" opens intake at the reverse-geocoded address."""

from __future__ import annotations

import re

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from console.main_window import MainWindow
from console.settings import Settings
from tests.data.helpers import small_shift

HEADLESS_NOISE = (r"QRhiGles2: Failed to create", r"Failed to create RHI", r"GPUInfo not initialized")
pytestmark = pytest.mark.qt_log_ignore(*HEADLESS_NOISE, "This plugin does not support")
CITY_HALL = (34.090435, -118.370701)


def test_new_call_here_opens_intake_with_the_nearest_address(qtbot, qloop, db, tmp_path, dispatcher):
    small_shift(db, units=1)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, dispatcher, with_map=True, settings=settings)
    win.resize(1400, 900)
    win.show()
    assert win.map_view is not None
    qtbot.waitUntil(lambda: win.map_view.is_ready, timeout=30_000)

    lat, lon = CITY_HALL
    win.map_view.page().runJavaScript(f"cso.map.fire('contextmenu', {{latlng: L.latLng({lat}, {lon})}})")
    qtbot.waitUntil(win.map_view.context_menu.isVisible, timeout=10_000)
    win.map_view.new_call_action.trigger()
    win.map_view.context_menu.hide()

    form = win.intake.form
    qtbot.waitUntil(lambda: win.intake.isVisible() and bool(form.location_edit.text()), timeout=30_000)
    assert re.fullmatch(r"83\d\d Santa Monica Blvd", form.location_edit.text()), form.location_edit.text()
    qtbot.waitUntil(lambda: form.chosen_place() is not None, timeout=10_000)
    place = form.chosen_place()
    assert (place.latitude, place.longitude) == pytest.approx(CITY_HALL, abs=1e-6)
    assert place.zone is not None and place.in_city is True
    win.close()
    # The page must go before QtWebEngine's profile does at exit (pytest-qt only schedules deleteLater).
    shiboken6.delete(win)

"""The map view in a real QWebEngineView: markers follow the board, clicks come back as signals."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt

from data import services
from data.permissions import Actor
from maps.geodata import default_geo_dir, load_geodata
from maps.map_view import MapView
from maps.page import build_page, incident_payload, js_call, shows_incident, street_labels
from tests.data.helpers import NO_SCREENING

# Headless QtWebEngine has no OpenGL here and says so; those lines are about the machine, not the map.
HEADLESS_NOISE = (r"QRhiGles2: Failed to create", r"Failed to create RHI", r"GPUInfo not initialized")
pytestmark = pytest.mark.qt_log_ignore(*HEADLESS_NOISE)

SUPERVISOR = Actor("sup.map", role="supervisor", workstation="ws-sup")
CITY_HALL = (34.090435, -118.370701)
FAIRFAX_SMB = (34.09063, -118.36160)
LA_BREA_SMB = (34.09050, -118.34440)


@pytest.fixture(scope="session")
def map_cache(tmp_path_factory: pytest.TempPathFactory):
    """One page build for the whole session (it is what the cache is for)."""
    return tmp_path_factory.mktemp("map-cache")


@pytest.fixture
def view(qtbot, store, map_cache) -> Iterator[MapView]:
    map_view = MapView(store, cache_dir=map_cache)
    map_view.update_timer.setInterval(0)
    qtbot.addWidget(map_view)
    map_view.resize(900, 700)
    with qtbot.waitSignal(map_view.ready, timeout=30_000):
        map_view.show()
    yield map_view
    # pytest-qt only schedules deleteLater; a page still alive when the web profile goes away at
    # exit makes QtWebEngine complain, so the view (and its page) goes now.
    if shiboken6.isValid(map_view):
        shiboken6.delete(map_view)


def page_state(qtbot, view: MapView, until: Callable[[dict[str, Any]], bool] = lambda s: True) -> dict[str, Any]:
    """Ask the page for `cso.state()` until `until` holds; one question in flight at a time."""
    box: dict[str, Any] = {"asked": False}

    def answer(state: dict[str, Any]) -> None:
        box["state"] = state
        box["asked"] = False

    def check() -> bool:
        state = box.pop("state", None)
        if state is not None and until(state):
            box["done"] = state
            return True
        if not box["asked"]:
            box["asked"] = True
            view.evaluate("cso.state()", answer)
        return False

    qtbot.waitUntil(check, timeout=10_000)
    return box["done"]


def sign_on(db, call_sign: str, position: tuple[float, float] | None = None) -> int:
    if services.active_shift(db) is None:
        now = db.clock()
        services.start_shift(
            db,
            SUPERVISOR,
            name="Map test shift",
            supervisor="Sgt. Map",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=8),
        )
    officer = services.create_officer(db, SUPERVISOR, badge=f"M-{call_sign}", name=f"Officer {call_sign}")
    unit = services.create_unit(db, SUPERVISOR, call_sign=call_sign)
    lat, lon = position or (None, None)
    services.sign_on_unit(db, SUPERVISOR, unit.id, officer_ids=[officer.id], zone="0976", latitude=lat, longitude=lon)
    return unit.id


def welfare_call(db, actor, where: tuple[float, float] = CITY_HALL):
    return services.create_incident(
        db,
        actor,
        screening=NO_SCREENING,
        call_type="WELFARE",
        location="8300 Santa Monica Blvd",
        latitude=where[0],
        longitude=where[1],
        zone="0976",
        in_city=True,
        caller_name="Ana Caller",
    )


def test_page_is_built_for_offline_use(map_cache):
    page = build_page(cache_dir=map_cache)
    html = page.read_text(encoding="utf-8")
    remote = re.findall(r"<(?:script|link)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html, flags=re.I)
    assert remote == []
    assert '<script src="assets/leaflet.js">' in html
    assert (page.parent / "assets" / "leaflet.js").is_file()
    assert (page.parent / "assets" / "jquery.min.js").is_file()
    assert build_page(cache_dir=map_cache) == page  # built once, then reused


def test_street_names_are_placed_by_importance():
    streets = json.loads((default_geo_dir() / "streets.geojson").read_text(encoding="utf-8"))["features"]
    labels = street_labels(streets, load_geodata().frame)
    city_view = {label.text for label in labels if label.min_zoom <= 14}
    assert {"Santa Monica Blvd", "Beverly Blvd", "N La Cienega Blvd"} <= city_view
    assert all(label.rank == 0 for label in labels if label.min_zoom <= 14)  # only primary streets that far out
    assert any(label.rank == 3 for label in labels if label.min_zoom == 16)  # side streets once zoomed in
    assert all(-90 < label.angle <= 90 for label in labels)  # never upside down
    assert [label.rank for label in labels] == sorted(label.rank for label in labels)


def test_payloads_and_calls_are_plain_json(db, dispatcher):
    rec = welfare_call(db, dispatcher)
    payload = incident_payload(rec)
    assert payload["letter"] == "P" and payload["short"] == rec.short_number
    assert shows_incident(rec)
    script = js_call("apply", {"incidents": [payload | {"location": "Café \u2028 <b>x</b>"}]})
    assert script.isascii()  # no raw line separators or accents inside the JavaScript source
    assert json.loads(script[len("cso.apply(") : -1])["incidents"][0]["location"] == "Café \u2028 <b>x</b>"


def test_base_layers_are_drawn_with_street_names(qtbot, view):
    state = page_state(qtbot, view, lambda s: s["streetNames"] > 0)
    assert state["ready"] is True
    assert state["bridge"] is True
    box: dict[str, Any] = {}
    view.evaluate("document.querySelector('.leaflet-control-attribution').textContent", lambda t: box.update(text=t))
    qtbot.waitUntil(lambda: "text" in box)
    assert "© OpenStreetMap contributors" in box["text"]
    assert view.js_errors == []


def test_new_incident_appears_as_marker(qtbot, db, store, view, dispatcher):
    rec = welfare_call(db, dispatcher)
    state = page_state(qtbot, view, lambda s: str(rec.id) in s["incidents"])
    marker = state["incidents"][str(rec.id)]
    assert (marker["lat"], marker["lon"]) == pytest.approx(CITY_HALL)
    assert marker["priority"] == 2
    assert marker["letter"] == "P"
    assert "p2" in marker["html"] and "st-pending" in marker["html"]
    assert f">{rec.short_number}<" in marker["html"]


def test_unit_status_changes_move_and_recolour_markers(qtbot, db, store, view, dispatcher):
    unit_id = sign_on(db, "CSO31")  # no position reported yet
    rec = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, rec.id, [unit_id])
    state = page_state(
        qtbot, view, lambda s: s["incidents"].get(str(rec.id), {}).get("letter") == "D" and str(unit_id) in s["units"]
    )
    unit = state["units"][str(unit_id)]
    assert unit["status"] == "dispatched"
    assert unit["at_incident"] is True  # shown at its incident until it reports a position
    assert (unit["lat"], unit["lon"]) == pytest.approx(CITY_HALL)
    assert unit["offset"] != state["incidents"][str(rec.id)]["offset"]  # spread apart, both readable

    services.set_unit_status(db, dispatcher, unit_id, "enroute")
    services.move_unit(db, dispatcher, unit_id, latitude=FAIRFAX_SMB[0], longitude=FAIRFAX_SMB[1])
    state = page_state(
        qtbot,
        view,
        lambda s: s["units"][str(unit_id)]["status"] == "enroute" and not s["units"][str(unit_id)]["at_incident"],
    )
    unit = state["units"][str(unit_id)]
    assert (unit["lat"], unit["lon"]) == pytest.approx(FAIRFAX_SMB)
    assert unit["short"] == "ER"
    assert state["incidents"][str(rec.id)]["letter"] == "E"
    assert "st-enroute" in state["incidents"][str(rec.id)]["html"]
    assert "En route for" in unit["tooltip"]

    services.clear_incident(db, dispatcher, rec.id, disposition="18")
    state = page_state(qtbot, view, lambda s: str(rec.id) not in s["incidents"])
    assert state["units"][str(unit_id)]["status"] == "available"


def test_marker_click_selects_the_incident(qtbot, db, store, view, dispatcher):
    rec = welfare_call(db, dispatcher)
    page_state(qtbot, view, lambda s: str(rec.id) in s["incidents"])
    with qtbot.waitSignal(view.incident_clicked, timeout=10_000) as clicked:
        view.page().runJavaScript(f"cso.incidentMarker({rec.id}).fire('click')")
    assert clicked.args == [rec.id]
    state = page_state(qtbot, view, lambda s: s["selected"] == rec.id)
    assert state["incidents"][str(rec.id)]["selected"] is True
    assert " sel" in state["incidents"][str(rec.id)]["html"]

    view.select_incident(None)
    page_state(qtbot, view, lambda s: s["selected"] is None)


def test_board_load_replaces_the_markers(qtbot, db, store, view, dispatcher):
    first = welfare_call(db, dispatcher)
    page_state(qtbot, view, lambda s: str(first.id) in s["incidents"])
    services.cancel_incident(db, dispatcher, first.id, reason="Caller called back")
    second = welfare_call(db, dispatcher, FAIRFAX_SMB)
    store.load()
    state = page_state(qtbot, view, lambda s: set(s["incidents"]) == {str(second.id)})
    assert state["incidents"][str(second.id)]["lat"] == pytest.approx(FAIRFAX_SMB[0])


# The offscreen platform can neither raise a menu nor grab the keyboard for it.
@pytest.mark.qt_log_ignore(*HEADLESS_NOISE, r"This plugin does not support")
def test_right_click_offers_new_call_with_reverse_geocoded_address(qtbot, view):
    lat, lon = CITY_HALL
    view.page().runJavaScript(f"cso.map.fire('contextmenu', {{latlng: L.latLng({lat}, {lon})}})")
    qtbot.waitUntil(view.context_menu.isVisible, timeout=10_000)
    state = page_state(qtbot, view)
    assert state["lastEvent"][0] == "mapContextMenu"
    with qtbot.waitSignal(view.new_call_requested, timeout=30_000) as requested:
        view.new_call_action.trigger()
    view.context_menu.hide()
    got_lat, got_lon, label = requested.args
    assert (got_lat, got_lon) == pytest.approx(CITY_HALL)
    assert re.fullmatch(r"83\d\d Santa Monica Blvd", label), label


def test_the_map_has_an_accessible_name(view):
    assert view.accessibleName() == "City map"
    assert view.accessibleDescription()


def test_new_call_request_without_a_menu(qtbot, view):
    with qtbot.waitSignal(view.new_call_requested, timeout=30_000) as requested:
        view.request_new_call_at(34.08449, -118.383361)  # the Sheriff's station
    assert requested.args[2].endswith("N San Vicente Blvd")


def page_value(qtbot, view: MapView, expression: str) -> Any:
    box: dict[str, Any] = {}
    view.evaluate(expression, lambda value: box.update(value=value))
    qtbot.waitUntil(lambda: "value" in box, timeout=10_000)
    return box["value"]


def test_units_stay_at_their_own_positions_near_a_cluster_of_calls(qtbot, db, store, view, dispatcher):
    calls = [welfare_call(db, dispatcher, (CITY_HALL[0] + 0.0004 * n, CITY_HALL[1])) for n in range(4)]
    # Two blocks east of the calls: near them, not on them.
    near = sign_on(db, "CSO41", (CITY_HALL[0], CITY_HALL[1] + 0.006))
    far = sign_on(db, "CSO42", LA_BREA_SMB)
    state = page_state(qtbot, view, lambda s: {str(near), str(far)} <= set(s["units"]) and len(s["incidents"]) == 4)
    assert state["units"][str(near)]["offset"] == [0, 0]
    assert state["units"][str(far)]["offset"] == [0, 0]
    assert {str(c.id) for c in calls} <= set(state["incidents"])
    # Two units reporting the same spot are both readable: spread apart, only they.
    same = sign_on(db, "CSO43", LA_BREA_SMB)
    state = page_state(qtbot, view, lambda s: str(same) in s["units"])
    assert state["units"][str(same)]["offset"] != state["units"][str(far)]["offset"]
    assert state["units"][str(near)]["offset"] == [0, 0]


def test_district_names_are_drawn_above_the_markers(qtbot, view):
    z = page_value(
        qtbot,
        view,
        "[getComputedStyle(cso.map.getPane('csoZoneLabels')).zIndex,"
        " getComputedStyle(cso.map.getPane('markerPane')).zIndex,"
        " getComputedStyle(cso.map.getPane('csoZoneLabels')).pointerEvents]",
    )
    assert int(z[0]) > int(z[1])
    assert z[2] == "none"  # clicks reach the markers underneath


def test_the_key_explains_every_symbol_on_the_map(qtbot, db, store, view, dispatcher):
    sign_on(db, "CSO44", FAIRFAX_SMB)
    page_state(qtbot, view, lambda s: len(s["units"]) == 1)
    found = page_value(
        qtbot,
        view,
        "{glyphs: Array.from(document.querySelectorAll('.leaflet-pane .cso-landmark-glyph')).map(e => e.textContent),"
        " key: document.querySelector('.cso-key').textContent,"
        " keyGlyphs: Array.from(document.querySelectorAll('.cso-key .cso-landmark-glyph')).map(e => e.textContent),"
        " shorts: Array.from(document.querySelectorAll('.leaflet-pane .cso-unit i')).map(e => e.textContent)}",
    )
    assert found["glyphs"], "the page shows landmarks"
    assert set(found["glyphs"]) <= set(found["keyGlyphs"])
    for name in ("City Hall", "Park", "Venue", "Fire station", "Library", "School", "Sheriff station", "Hospital"):
        assert name in found["key"]
    assert found["shorts"] and all(short in found["key"] for short in found["shorts"])
    assert "RD 0971" in found["key"] and "reporting district" in found["key"]


# The focused element's name once focus has moved since the last call (null until then): a Tab reaches
# the page asynchronously, so reading right after the key press may still see the element before it.
NEXT_FOCUS = (
    "(() => { const a = document.activeElement; if (a === window.__csoTestFocus) return null;"
    " window.__csoTestFocus = a; return [a ? a.getAttribute('aria-label') : null]; })()"
)


def tab_to_next(qtbot, view: MapView, target) -> str | None:
    """Tab once and wait until the page's focus has moved; the name of what it moved to."""
    qtbot.keyClick(target, Qt.Key.Key_Tab)
    moved: list[Any] = []

    def focus_moved() -> bool:
        value = page_value(qtbot, view, NEXT_FOCUS)
        if value is not None:
            moved.append(value[0])
        return bool(moved)

    qtbot.waitUntil(focus_moved, timeout=10_000)
    return moved[0]


def test_markers_are_named_and_reached_by_tab_and_enter_selects(qtbot, db, store, view, dispatcher):
    unit_id = sign_on(db, "CSO41", FAIRFAX_SMB)
    rec = welfare_call(db, dispatcher)
    page_state(qtbot, view, lambda s: str(rec.id) in s["incidents"] and s["units"].get(str(unit_id), {}).get("shown"))
    labels = page_value(
        qtbot,
        view,
        "Array.from(document.querySelectorAll('.leaflet-marker-icon[aria-label]')).map("
        "e => [e.getAttribute('aria-label'), e.getAttribute('role'), e.tabIndex])",
    )
    incident_label = f"Incident {rec.number}, priority 2, Pending, Welfare check, 8300 Santa Monica Blvd"
    assert [incident_label, "button", 0] in labels
    assert ["Unit CSO41, Available", "button", 0] in labels
    assert page_value(qtbot, view, "document.documentElement.lang") == "en"
    # Tab from the map's edge reaches each marker; Enter on the incident selects it, as a click does.
    view.setFocus()
    target = view.focusProxy() or view
    page_value(qtbot, view, NEXT_FOCUS)  # where focus starts
    reached = []
    for _ in range(12):
        reached.append(tab_to_next(qtbot, view, target))
        if reached[-1] == incident_label:
            break
    assert incident_label in reached, reached
    with qtbot.waitSignal(view.incident_clicked, timeout=10_000) as clicked:
        qtbot.keyClick(target, Qt.Key.Key_Return)
    assert clicked.args == [rec.id]


def test_the_key_is_a_button_that_tells_whether_it_is_open(qtbot, view):
    view.resize(500, 400)  # a small pane folds the key
    qtbot.waitUntil(lambda: view.width() == 500)
    view.page().runJavaScript("document.querySelector('.cso-key-title').focus()")
    assert page_value(qtbot, view, "document.activeElement.tagName") == "BUTTON"
    before = page_value(qtbot, view, "document.querySelector('.cso-key-title').getAttribute('aria-expanded')")
    target = view.focusProxy() or view
    view.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_Space)
    expected = "false" if before == "true" else "true"
    qtbot.waitUntil(
        lambda: (
            page_value(qtbot, view, "document.querySelector('.cso-key-title').getAttribute('aria-expanded')")
            == expected
        ),
        timeout=10_000,
    )


def test_caution_markers_are_named_and_focusable(qtbot, view):
    caution = {
        "id": 7,
        "lat": CITY_HALL[0],
        "lon": CITY_HALL[1],
        "radius": 40,
        "category": "Hazard",
        "sheriff_first": True,
        "text": "Aggressive dog in the yard",
        "location": "8300 Santa Monica Blvd",
        "expires": None,
    }
    view.page().runJavaScript(js_call("setCautions", [caution]))
    labels = page_value(
        qtbot,
        view,
        "Array.from(document.querySelectorAll('.leaflet-marker-icon[aria-label^=\"Caution\"]')).map("
        "e => [e.getAttribute('aria-label'), e.tabIndex])",
    )
    assert labels == [
        [
            "Caution, law enforcement first: Aggressive dog in the yard, 8300 Santa Monica Blvd, within 40 metres",
            0,
        ]
    ]

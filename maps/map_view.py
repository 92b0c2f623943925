"""The map pane: the offline Leaflet page in a QWebEngineView, kept current from the board."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QFile, QIODevice, QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QCursor, QDesktopServices
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QMenu, QWidget

from data.clock import Clock, utc_now
from data.pack import Pack, load_pack
from data.records import CautionRecord, IncidentRecord, UnitRecord
from maps.page import (
    ASSET_DIR,
    WEBCHANNEL_JS,
    build_page,
    caution_payload,
    incident_payload,
    js_call,
    shows_incident,
    shows_unit,
    unit_payload,
)

log = logging.getLogger(__name__)

# Feed bursts (a dispatch touches an incident and its units) reach the page as one script.
UPDATE_INTERVAL_MS = 50
# Page building and geocoding share one plain worker thread: never the GUI thread, never the
# database writer's, and no Qt thread left running when the process exits.
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cso-map")


class BoardSource(Protocol):
    """What the map reads from the board (widgets.store.BoardStore fits; the map cannot import it).

    `incidents` and `units` map ids to records; `board_loaded()` fires after a full load,
    `incidents_changed(list)` and `units_changed(list)` carry new or updated records. An optional
    `db` attribute lends its `pack` (labels, geodata) and `clock` (time in status).
    """

    incidents: dict[int, IncidentRecord]
    units: dict[int, UnitRecord]
    board_loaded: Any
    incidents_changed: Any
    units_changed: Any


def reverse_label(lat: float, lon: float, geo_dir: Path | None = None) -> str:
    """The address (or corner) at a point, from the pack's offline geocoder. Blocking: call it off the GUI thread."""
    from maps.geocoder import geocoder_for

    label = geocoder_for(geo_dir).reverse(lat, lon).best_label
    return label or f"{lat:.5f}, {lon:.5f}"


def _warm_geocoder(geo_dir: Path) -> None:
    from maps.geocoder import geocoder_for

    geocoder_for(geo_dir)


class MapBridge(QObject):
    """The page's way back to Qt, registered on the web channel as `bridge`.

    The slot names are the page's JavaScript API, hence camelCase.
    """

    incident_clicked = Signal(int)
    unit_clicked = Signal(int)
    context_menu_requested = Signal(float, float)
    page_ready = Signal()

    @Slot(int)
    def incidentClicked(self, incident_id: int) -> None:
        self.incident_clicked.emit(incident_id)

    @Slot(int)
    def unitClicked(self, unit_id: int) -> None:
        self.unit_clicked.emit(unit_id)

    @Slot(float, float)
    def mapContextMenu(self, lat: float, lon: float) -> None:
        self.context_menu_requested.emit(lat, lon)

    @Slot()
    def mapReady(self) -> None:
        self.page_ready.emit()


class MapPage(QWebEnginePage):
    """Sends the page's console to logging and opens followed links outside the map."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.js_errors: list[str] = []

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        text = f"{message} ({source.rsplit('/', 1)[-1]}:{line})"
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.js_errors.append(text)
            log.error("map page: %s", text)
        else:
            log.debug("map page: %s", text)

    def acceptNavigationRequest(
        self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        if nav_type == QWebEnginePage.NavigationType.NavigationTypeLinkClicked:
            # The attribution links would otherwise replace the map with a web page.
            QDesktopServices.openUrl(QUrl(url))
            return False
        return True


class MapView(QWebEngineView):
    """Incidents and units on the city map; clicks and right-clicks come back as signals.

    Changes reach the page incrementally through `runJavaScript` (never a reload), batched by
    `update_timer` (tests set its interval to 0).
    """

    incident_clicked = Signal(int)
    unit_clicked = Signal(int)
    new_call_requested = Signal(float, float, str)  # latitude, longitude, reverse-geocoded label
    ready = Signal()

    def __init__(
        self,
        store: BoardSource,
        parent: QWidget | None = None,
        *,
        pack: Pack | None = None,
        cache_dir: Path | None = None,
        clock: Clock | None = None,
        reverse: Callable[[float, float], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("City map")
        self.setAccessibleDescription(
            "Incidents and units. Tab reaches each marker, Enter selects it; right-click for a new call there"
        )
        db = getattr(store, "db", None)
        self.store = store
        self.pack: Pack = pack or getattr(db, "pack", None) or load_pack()
        self._clock: Clock = clock or getattr(db, "clock", None) or utc_now
        self._reverse = reverse or functools.partial(reverse_label, geo_dir=self.pack.geo_dir)
        self._cache_dir = cache_dir
        self._is_ready = False
        self._selected: int | None = None
        self._menu_point: tuple[float, float] | None = None
        self._pending_incidents: dict[int, dict[str, Any] | None] = {}
        self._pending_units: dict[int, dict[str, Any] | None] = {}
        self._cautions: list[dict[str, Any]] = []
        self.page_path: Path | None = None

        self.update_timer = QTimer(self)
        self.update_timer.setSingleShot(True)
        self.update_timer.setInterval(UPDATE_INTERVAL_MS)

        self.bridge = MapBridge(self)
        self.channel = QWebChannel(self)
        self.channel.registerObject("bridge", self.bridge)
        page = MapPage(self)
        page.setWebChannel(self.channel)
        settings = page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        # Only the optional online tile layer reaches out; it is off until the dispatcher turns it on.
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
        self.setPage(page)
        # The page handles right-clicks itself; Qt's browser menu (Back, Reload…) has no place here.
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

        self.context_menu = QMenu(self)
        self.new_call_action = self.context_menu.addAction("New call here")

        self._connect_signals()
        self._build_and_load()

    # Wiring --------------------------------------------------------------------------------
    def _connect_signals(self) -> None:
        # Board
        self.store.board_loaded.connect(self._on_store_board_loaded)
        self.store.incidents_changed.connect(self._on_store_incidents_changed)
        self.store.units_changed.connect(self._on_store_units_changed)
        # Page
        self.loadFinished.connect(self._on_page_load_finished)
        self.bridge.page_ready.connect(self._on_bridge_page_ready)
        self.bridge.incident_clicked.connect(self._on_bridge_incident_clicked)
        self.bridge.unit_clicked.connect(self.unit_clicked)
        self.bridge.context_menu_requested.connect(self._on_bridge_context_menu_requested)
        # Own
        self.update_timer.timeout.connect(self._flush)
        self.new_call_action.triggered.connect(self._on_new_call_action_triggered)

    def _build_and_load(self) -> None:
        geo_dir, cache_dir, statuses = self.pack.geo_dir, self._cache_dir, self.pack.unit_statuses

        def build() -> Path:
            return build_page(geo_dir, cache_dir=cache_dir, statuses=statuses)

        loop = _running_loop()
        if loop is None:
            self._load(build())
            return
        # A cold cache means rendering the whole page: keep that off the GUI thread.
        future = loop.run_in_executor(_worker, build)
        future.add_done_callback(self._on_page_built)

    def _on_page_built(self, future: asyncio.Future[Path]) -> None:
        if future.cancelled() or not shiboken6.isValid(self):
            return
        exc = future.exception()
        if exc is not None:
            log.error("could not build the map page", exc_info=exc)
            return
        self._load(future.result())

    def _load(self, path: Path) -> None:
        self.page_path = path
        _install_webchannel_js(path.parent / ASSET_DIR / WEBCHANNEL_JS)
        self.load(QUrl.fromLocalFile(str(path)))

    # Public API ----------------------------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        """True once the page has drawn its base layers and holds the current board."""
        return self._is_ready

    @property
    def js_errors(self) -> list[str]:
        page = self.page()
        return list(page.js_errors) if isinstance(page, MapPage) else []

    def select_incident(self, incident_id: int | None) -> None:
        """Highlight an incident (None clears) and bring it into view."""
        self._selected = incident_id
        if self._is_ready:
            self.page().runJavaScript(js_call("select", incident_id))

    def set_cautions(self, cautions: list[CautionRecord]) -> None:
        """Draw these active cautions (a red sign at each point and its radius), replacing the ones shown."""
        self._cautions = [caution_payload(c, self.pack.agency) for c in cautions]
        if self._is_ready:
            self.page().runJavaScript(js_call("setCautions", self._cautions))

    def request_new_call_at(self, lat: float, lon: float) -> asyncio.Future[str] | Future[str]:
        """Reverse-geocode a point off the GUI thread, then emit new_call_requested."""
        loop = _running_loop()
        if loop is None:
            future: Future[str] = Future()
            try:
                future.set_result(self._reverse(lat, lon))
            except Exception as exc:  # reported below, like the asynchronous path
                future.set_exception(exc)
            self._on_reverse_done(lat, lon, future)
            return future
        pending = loop.run_in_executor(_worker, self._reverse, lat, lon)
        pending.add_done_callback(lambda f: self._on_reverse_done(lat, lon, f))
        return pending

    def evaluate(self, expression: str, on_result: Callable[[Any], None]) -> None:
        """Evaluate a JavaScript expression in the page and hand its JSON-decoded value back.

        runJavaScript gives '' for null and undefined, so the value travels as JSON text.
        """

        def decode(text: object) -> None:
            on_result(json.loads(text) if isinstance(text, str) and text else None)

        self.page().runJavaScript(f"JSON.stringify({expression})", 0, decode)

    # Board -> page -------------------------------------------------------------------------
    def _on_store_board_loaded(self) -> None:
        if self._is_ready:
            self._send_everything()

    def _on_store_incidents_changed(self, records: list[IncidentRecord]) -> None:
        for rec in records:
            self._pending_incidents[rec.id] = incident_payload(rec) if shows_incident(rec) else None
        self._schedule()

    def _on_store_units_changed(self, records: list[UnitRecord]) -> None:
        for rec in records:
            self._pending_units[rec.id] = unit_payload(rec, self.pack.unit_statuses) if shows_unit(rec) else None
        self._schedule()

    def _schedule(self) -> None:
        if self._is_ready and not self.update_timer.isActive():
            self.update_timer.start()

    def _flush(self) -> None:
        if not self._is_ready or not (self._pending_incidents or self._pending_units):
            return
        batch = {
            "now": self._now_iso(),
            "incidents": [p for p in self._pending_incidents.values() if p is not None],
            "removeIncidents": [i for i, p in self._pending_incidents.items() if p is None],
            "units": [p for p in self._pending_units.values() if p is not None],
            "removeUnits": [i for i, p in self._pending_units.items() if p is None],
        }
        self._pending_incidents = {}
        self._pending_units = {}
        self.page().runJavaScript(js_call("apply", batch))

    def _send_everything(self) -> None:
        self._pending_incidents = {}
        self._pending_units = {}
        batch = {
            "now": self._now_iso(),
            "replace": True,
            "incidents": [incident_payload(r) for r in self.store.incidents.values() if shows_incident(r)],
            "units": [unit_payload(u, self.pack.unit_statuses) for u in self.store.units.values() if shows_unit(u)],
        }
        script = js_call("apply", batch) + ";" + js_call("setCautions", self._cautions)
        if self._selected is not None:
            script += ";" + js_call("select", self._selected)
        self.page().runJavaScript(script)

    def _now_iso(self) -> str:
        return self._clock().isoformat(timespec="milliseconds")

    # Page -> Qt ----------------------------------------------------------------------------
    def _on_page_load_finished(self, ok: bool) -> None:
        if not ok:
            log.error("the map page did not load: %s", self.page_path)
        # QtWebEngine's render widget shows in the accessibility tree as a second, nameless root
        # of the page; naming it tells a screen reader what it is.
        proxy = self.focusProxy()
        if proxy is not None and not proxy.accessibleName():
            proxy.setAccessibleName("City map")

    def _on_bridge_page_ready(self) -> None:
        self._is_ready = True
        self._send_everything()
        loop = _running_loop()
        if loop is not None:
            # Build the geocoder now, so the first right-click answers at once.
            loop.run_in_executor(_worker, _warm_geocoder, self.pack.geo_dir).add_done_callback(_log_failure)
        self.ready.emit()

    def _on_bridge_incident_clicked(self, incident_id: int) -> None:
        self.select_incident(incident_id)
        self.incident_clicked.emit(incident_id)

    def _on_bridge_context_menu_requested(self, lat: float, lon: float) -> None:
        self._menu_point = (lat, lon)
        self.context_menu.popup(QCursor.pos())

    def _on_new_call_action_triggered(self) -> None:
        if self._menu_point is not None:
            self.request_new_call_at(*self._menu_point)

    def _on_reverse_done(self, lat: float, lon: float, future: asyncio.Future[str] | Future[str]) -> None:
        if future.cancelled() or not shiboken6.isValid(self):
            return
        exc = future.exception()
        if exc is not None:
            log.error("reverse geocoding failed", exc_info=exc)
            label = f"{lat:.5f}, {lon:.5f}"
        else:
            label = future.result()
        self.new_call_requested.emit(lat, lon, label)


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("map background work failed", exc_info=future.exception())


def _install_webchannel_js(target: Path) -> None:
    """Copy Qt's own qwebchannel.js beside the page (see maps.page: no qrc:// request at run time)."""
    if target.exists():
        return
    source = QFile(":/qtwebchannel/qwebchannel.js")
    if not source.open(QIODevice.OpenModeFlag.ReadOnly):
        raise OSError("Qt's qwebchannel.js resource is missing")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(source.readAll().data()))
    finally:
        source.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The app's qasync loop (it registers itself as running, also in tests); None in a plain script."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None

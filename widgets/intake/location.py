"""The location field: typed text looked up off the GUI thread, the map matches to choose from."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from data.pack import Pack
from widgets.completion import CompletingLineEdit
from widgets.inline import InlineMessage
from widgets.operations import Operations
from widgets.places import Place, lookup, place_at

log = logging.getLogger(__name__)

GEOCODE_DEBOUNCE_MS = 250


class LocationField(QObject):
    """Location text, its lookups (debounced while typing) and the chosen match.

    The widgets belong to the form, which lays them out in its grid. ``place_chosen`` says the match
    changed (a Place, or None); the form then calls ``show_match`` and looks at what is known there.
    """

    edited = Signal()  # the dispatcher typed in the location field
    place_chosen = Signal(object)  # Place | None
    lookup_failed = Signal()

    def __init__(self, pack: Pack, ops: Operations, geocoder: Callable[[], Any], form: QWidget) -> None:
        super().__init__(form)
        self._pack = pack
        self._ops = ops
        self._geocoder = geocoder
        self.places: list[Place] = []
        self.place_text: str | None = None  # the location text the places belong to
        self.lookup_text: str | None = None  # text of the lookup in flight
        self.map_point: tuple[float, float] | None = None

        self.location_edit = CompletingLineEdit(form)
        self.location_edit.setPlaceholderText("Address, corner (street & street) or the name of a place")
        self.location_edit.setAccessibleName("Location")
        self.match_combo = QComboBox(form)
        self.match_combo.setAccessibleName("Map match")
        self.match_combo.setVisible(False)
        # On Linux a combo box is read by its current value: its name comes from the label's relation.
        self.match_label = QLabel("Map match", form)
        self.match_label.setBuddy(self.match_combo)
        self.match_label.setVisible(False)
        self.match_info = InlineMessage(form)
        self.location_error = InlineMessage(form)
        self.geocode_timer = QTimer(form)
        self.geocode_timer.setSingleShot(True)
        self.geocode_timer.setInterval(GEOCODE_DEBOUNCE_MS)

    def connect_signals(self) -> None:
        self.geocode_timer.timeout.connect(self._on_geocode_timer_timeout)
        self.location_edit.textEdited.connect(self._on_location_edit_text_edited)
        self.location_edit.completion_accepted.connect(self._on_location_edit_completion_accepted)
        self.match_combo.currentIndexChanged.connect(self._on_match_combo_current_index_changed)

    def text(self) -> str:
        return self.location_edit.text().strip()

    def chosen_place(self) -> Place | None:
        row = self.match_combo.currentIndex()
        if self.place_text != self.text() or not 0 <= row < len(self.places):
            return None
        return self.places[row]

    def _on_location_edit_text_edited(self, _text: str) -> None:
        self.edited.emit()
        self.location_error.clear_message()
        self.map_point = None
        self.schedule_lookup()

    def _on_location_edit_completion_accepted(self, _value: str, _by_enter: bool) -> None:
        self.map_point = None
        self.schedule_lookup(now=True)

    def schedule_lookup(self, *, now: bool = False) -> None:
        if now or self.geocode_timer.interval() == 0:
            self.geocode_timer.stop()
            self._on_geocode_timer_timeout()
        else:
            self.geocode_timer.start()

    def _on_geocode_timer_timeout(self) -> None:
        text = self.text()
        if self.map_point is not None:
            return
        if not text:
            self.set_places([], text="")
            self.location_edit.hide_suggestions()
            return
        if text == self.lookup_text or (text == self.place_text and self.lookup_text is None):
            return
        self.lookup_text = text
        self.match_info.show_message("Locating…", "info")
        geocoder = self._geocoder
        self._ops.run(
            lambda: lookup(geocoder, text),
            owner=self.parent(),  # the form: its pending count covers this panel's reads
            on_success=lambda found: self._on_lookup_done(text, *found),
            on_failure=self._on_lookup_failed,
            report_failure=False,
        )

    def locate_point(self, location: str, latitude: float, longitude: float) -> None:
        """A place chosen on the map: its zone and city are looked up for the point, the text kept."""
        self.map_point = (latitude, longitude)
        self.place_text = location
        self.match_info.show_message("Finding the zone for the map point…", "info")
        self.lookup_text = location
        geocoder = self._geocoder
        self._ops.run(
            lambda: place_at(geocoder, location, latitude, longitude),
            owner=self.parent(),  # the form: its pending count covers this panel's reads
            on_success=self._on_map_place_found,
            on_failure=self._on_lookup_failed,
            report_failure=False,
        )

    def _on_lookup_done(self, text: str, suggestions: list[str], places: list[Place]) -> None:
        if self.lookup_text == text:
            self.lookup_text = None
        if self.map_point is not None:
            return
        if text != self.text():
            if not self.geocode_timer.isActive():
                self.schedule_lookup(now=True)  # the dispatcher kept typing: look up what is there now
            return
        rows = [(s, s) for s in suggestions if s.lower() != text.lower()]
        self.location_edit.set_suggestions(rows)
        self.set_places(places, text=text)

    def _on_map_place_found(self, place: Place) -> None:
        self.lookup_text = None
        if self.map_point != (place.latitude, place.longitude):
            return
        if not self.text():
            self.location_edit.setText(place.label)
        self.set_places([place], text=self.text())

    def _on_lookup_failed(self, exc: Exception) -> None:
        log.warning("location lookup failed: %s", exc)
        self.lookup_text = None
        self.set_places([], text=self.text())
        self.match_info.show_message("The map lookup failed; the call is saved without a map point.", "warning")
        self.lookup_failed.emit()

    def set_places(self, places: list[Place], *, text: str | None = "") -> None:
        self.places = list(places)
        self.place_text = text
        self.match_combo.blockSignals(True)
        self.match_combo.clear()
        for place in places:
            self.match_combo.addItem(self.describe_place(place))
        self.match_combo.blockSignals(False)
        self.match_combo.setVisible(len(places) > 1)
        self.match_label.setVisible(len(places) > 1)
        self._on_match_combo_current_index_changed(0 if places else -1)

    def describe_place(self, place: Place) -> str:
        where = "in city" if place.in_city else ("outside the city" if place.in_city is False else "city unknown")
        zone = f"zone {place.zone}" if place.zone else "no zone"
        return f"{place.label} · {zone} · {where}"

    def _on_match_combo_current_index_changed(self, row: int) -> None:
        self.place_chosen.emit(self.places[row] if 0 <= row < len(self.places) else None)

    def show_match(self, place: Place | None) -> None:
        """What the chosen match is, under the field (or why there is none)."""
        if place is None:
            text = self.text()
            if text and self.place_text == text:
                self.match_info.show_message(
                    f"No map match: check the address (it may be outside {self._pack.city_name}); "
                    "the call is saved without a map point.",
                    "warning",
                )
            else:
                self.match_info.clear_message()
            return
        kind = {"map": "map point", "address": "address", "intersection": "corner", "landmark": "place"}.get(
            place.kind, place.kind
        )
        if place.in_city is False:
            self.match_info.show_message(
                f"Outside {self._pack.city_name}: {self.describe_place(place)} ({kind})", "warning"
            )
        else:
            self.match_info.show_message(f"{self.describe_place(place)} ({kind})", "ok")

    def reset(self) -> None:
        """No place (the text is cleared by the form with the other fields)."""
        self.location_edit.hide_suggestions()
        self.map_point = None
        self.lookup_text = None
        self.set_places([], text=None)
        self.match_info.clear_message()

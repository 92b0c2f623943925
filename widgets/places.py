"""Places for the console: what the offline geocoder (or a map click) makes of a typed location."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Place:
    """Where the call is: what the geocoder (or the map click) made of the typed location."""

    label: str
    latitude: float
    longitude: float
    zone: str | None
    in_city: bool | None
    kind: str
    confidence: float = 1.0


def default_geocoder() -> Any:
    """The offline geocoder; imported and built on first use, which is off the GUI thread."""
    from maps.geocoder import default_geocoder as build

    return build()


def lookup(factory: Callable[[], Any], text: str) -> tuple[list[str], list[Place]]:
    """Suggestions and candidates for typed text (off the GUI thread; the first call loads the data)."""
    geocoder = factory()
    suggestions = list(geocoder.suggest(text, 8))
    places = [
        Place(c.label, c.lat, c.lon, c.zone, c.in_city, c.kind, c.confidence) for c in geocoder.geocode(text, limit=5)
    ]
    return suggestions, places


def place_at(factory: Callable[[], Any], label: str, lat: float, lon: float) -> Place:
    """Zone and city flag of a map point, and a label for it when none was given."""
    geocoder = factory()
    if not label:
        label = geocoder.reverse(lat, lon).best_label or f"{lat:.5f}, {lon:.5f}"
    jurisdiction = geocoder.jurisdiction
    return Place(label, lat, lon, jurisdiction.zone_at(lat, lon), jurisdiction.contains(lat, lon), "map")


def best_place(factory: Callable[[], Any], text: str) -> Place | None:
    """The top candidate for typed text, or None when nothing is plausible; off the GUI thread."""
    if not text.strip():
        return None
    _suggestions, places = lookup(factory, text)
    return places[0] if places else None

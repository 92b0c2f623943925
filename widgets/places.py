"""Places for the console: what the offline geocoder (or a map click) makes of a typed location."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maps.geocoder import Geocoder

# The geocoder is loaded on first use, off the GUI thread: views hold a factory, not the geocoder.
GeocoderFactory = Callable[[], "Geocoder"]


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


def pack_geocoder(geo_dir: Path) -> GeocoderFactory:
    """A factory for the geocoder of the pack whose geo folder is `geo_dir`; it loads on first call."""

    def build() -> Geocoder:
        from maps.geocoder import geocoder_for

        return geocoder_for(geo_dir)

    return build


def lookup(factory: GeocoderFactory, text: str) -> tuple[list[str], list[Place]]:
    """Suggestions and candidates for typed text (off the GUI thread; the first call loads the data)."""
    geocoder = factory()
    suggestions = list(geocoder.suggest(text, 8))
    places = [
        Place(c.label, c.lat, c.lon, c.zone, c.in_city, c.kind, c.confidence) for c in geocoder.geocode(text, limit=5)
    ]
    return suggestions, places


def place_at(factory: GeocoderFactory, label: str, lat: float, lon: float) -> Place:
    """Zone and city flag of a map point, and a label for it when none was given."""
    geocoder = factory()
    if not label:
        label = geocoder.reverse(lat, lon).best_label or f"{lat:.5f}, {lon:.5f}"
    jurisdiction = geocoder.jurisdiction
    return Place(label, lat, lon, jurisdiction.zone_at(lat, lon), jurisdiction.contains(lat, lon), "map")


def best_place(factory: GeocoderFactory, text: str) -> Place | None:
    """The top candidate for typed text, or None when nothing is plausible; off the GUI thread."""
    if not text.strip():
        return None
    _suggestions, places = lookup(factory, text)
    return places[0] if places else None

"""Where a transferred call is on our map: the sender's point checked against the city limits, or their
civic address geocoded offline when it names this city."""

from __future__ import annotations

from collections.abc import Callable

from data.eido_transfer import Place
from data.pack import Pack
from data.services.transfers import Placement, placement_by_name
from maps.geocoder import Geocoder, default_geocoder

# A geocoder answer below this confidence is a guess; the sender's text is kept and the point left empty.
MIN_CONFIDENCE = 0.8


def place_transfer(place: Place, pack: Pack, geocoder: Geocoder) -> Placement:
    city = str(pack.city.get("name", "the city"))
    by_name = placement_by_name(place, pack)
    if place.latitude is not None and place.longitude is not None:
        jurisdiction = geocoder.jurisdiction
        inside = jurisdiction.contains(place.latitude, place.longitude)
        zone = jurisdiction.zone_at(place.latitude, place.longitude) if inside else None
        label = by_name.label or place.text or None
        if not label and inside:
            label = geocoder.reverse(place.latitude, place.longitude).best_label or None
        note = f"Their point is in {city}, zone {zone or 'unknown'}." if inside else ""
        return Placement(label, place.latitude, place.longitude, zone, inside, note)
    if by_name.in_city is False:
        # The offline geocoder knows only this city's streets: another city's address is not guessed at.
        return Placement(
            None, None, None, None, False, f"The offline map holds only {city}; the address is not placed on it."
        )
    text = by_name.label or place.text
    candidates = geocoder.geocode(text, limit=1) if text else []
    best = candidates[0] if candidates else None
    if best is None or best.confidence < MIN_CONFIDENCE:
        return Placement(None, None, None, None, None, f"Not found on the map of {city}; check the address.")
    note = f"Geocoded as {best.label} ({best.kind}, confidence {best.confidence:.2f})."
    return Placement(best.label, best.lat, best.lon, best.zone, best.in_city, note)


def transfer_locator(
    pack: Pack, geocoder_factory: Callable[[], Geocoder] = default_geocoder
) -> Callable[[Place], Placement]:
    """The `locate` the import takes; the geocoder is built on first use (off the GUI thread)."""

    def locate(place: Place) -> Placement:
        return place_transfer(place, pack, geocoder_factory())

    return locate

"""PIDF-LO locations (RFC 4119, 5139, 5491) from the XML inside an EIDO, parsed with a hardened parser.

defusedxml refuses any DTD, entity declaration or external reference, and nothing here opens a
network connection; a tree builder that counts depth stops a deeply nested document early.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from data.eido_reader import check_text
from data.errors import ValidationError

# PIDF-LO nests about eight levels deep (presence, device, geopriv, location-info, shape, pos).
MAX_XML_DEPTH = 40
# Civic address elements of RFC 5139 (and RFC 6848's additions) in the order an address is read.
STREET_PARTS = ("HNO", "HNS", "PRD", "RD", "STS", "POD")
GEO_SHAPES = ("Point", "Circle", "Polygon", "Ellipse", "Sphere", "ArcBand", "Prism", "Ellipsoid")


class _DepthLimitedBuilder(ET.TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self._depth = 0

    def start(self, tag, attrs):  # type: ignore[no-untyped-def]
        self._depth += 1
        if self._depth > MAX_XML_DEPTH:
            raise ValidationError("eido", f"XML nested more than {MAX_XML_DEPTH} levels deep")
        return super().start(tag, attrs)

    def end(self, tag):  # type: ignore[no-untyped-def]
        self._depth -= 1
        return super().end(tag)


def parse_xml(text: str, where: str) -> ET.Element:
    """The root element of an XML string; DTDs, entities, external references and deep nesting are refused."""
    parser = DefusedXMLParser(target=_DepthLimitedBuilder(), forbid_dtd=True, forbid_entities=True)
    try:
        parser.feed(text.strip())
        root: ET.Element = parser.close()
    except DefusedXmlException as exc:
        raise ValidationError(
            "eido",
            f"The XML in {where} declares a DTD, entities or external references ({type(exc).__name__}); refused.",
        ) from None
    except ValidationError as exc:
        raise ValidationError("eido", f"The {exc} in {where}; refused.") from None
    except ET.ParseError as exc:
        raise ValidationError("eido", f"The XML in {where} is not well formed ({exc}).") from None
    # Character references (&#x202E;) reach the text only now: the same text rules apply to them.
    for el in root.iter():
        for value in (el.text or "", el.tail or "", *el.attrib.values()):
            check_text(value, f"the XML in {where}")
    return root


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def leaf_values(root: ET.Element) -> list[tuple[str, str]]:
    """(local name, text) of every element that carries text, in document order."""
    return [(local_name(el.tag), el.text.strip()) for el in root.iter() if el.text and el.text.strip()]


@dataclass(frozen=True)
class PidfLocation:
    """What a PIDF-LO says: a civic address and/or a geodetic shape (its centre and radius)."""

    civic: dict[str, str] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float | None = None
    shape: str = ""  # Point, Circle, Polygon… ("" for a civic address only)
    method: str = ""

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def address_text(self) -> str:
        """The civic address as one line: "42 W Cellular Street, Wilmington, DE"."""
        return civic_text(self.civic)


def civic_text(civic: dict[str, str], *, with_city: bool = True) -> str:
    """A civic address as one line; without the city and state for an address in our own city."""
    c = civic
    number = "".join(c.get(k, "") for k in ("HNO", "HNS"))
    street = " ".join(p for p in (number, *(c.get(k, "") for k in STREET_PARTS[2:])) if p)
    first = ", ".join(p for p in (c.get("NAM", ""), c.get("LMK", ""), street) if p) or c.get("LOC", "")
    unit = " ".join(f"{k.title()} {c[k]}" for k in ("BLD", "FLR", "UNIT", "ROOM") if c.get(k))
    if not with_city:
        return ", ".join(p for p in (first, unit) if p)
    city = c.get("A3", "") or c.get("PCN", "") or c.get("A2", "")
    state = " ".join(p for p in (c.get("A1", ""), c.get("PC", "")) if p)
    return ", ".join(p for p in (first, unit, city, state) if p)


def _floats(text: str, where: str) -> list[float]:
    try:
        values = [float(v) for v in text.split()]
    except ValueError:
        raise ValidationError("eido", f"The coordinates {text[:40]!r} in {where} are not numbers.") from None
    if not all(math.isfinite(v) for v in values):
        raise ValidationError("eido", f"The coordinates {text[:40]!r} in {where} are not finite numbers.")
    return values


def _on_earth(lat: float, lon: float, where: str) -> tuple[float, float]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("eido", f"The point {lat}, {lon} in {where} is not on Earth.")
    return lat, lon


def _shape(root: ET.Element, where: str) -> tuple[str, float | None, float | None, float | None]:
    """The first geodetic shape's name, centre (latitude, longitude; EPSG 4326/4979 order) and radius in metres."""
    for el in root.iter():
        name = local_name(el.tag)
        if name not in GEO_SHAPES:
            continue
        points: list[tuple[float, float]] = []
        radius = None
        for child in el.iter():
            child_name = local_name(child.tag)
            if child_name in ("pos", "posList") and child.text:
                values = _floats(child.text, where)
                step = 3 if "4979" in (el.get("srsName") or "") else 2
                points += [(values[i], values[i + 1]) for i in range(0, len(values) - 1, step)]
            elif child_name in ("radius", "semiMajorAxis", "outerRadius") and child.text and radius is None:
                radius = _floats(child.text, where)[0]
        if not points:
            continue
        if name == "Polygon" and len(points) > 1 and points[0] == points[-1]:
            points = points[:-1]  # the closing vertex repeats the first
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        lat, lon = _on_earth(lat, lon, where)
        if radius is not None and not 0 <= radius <= 1_000_000:
            raise ValidationError("eido", f"The radius {radius} m in {where} is not plausible.")
        return name, lat, lon, radius
    return "", None, None, None


def parse_pidf_lo(text: str, where: str) -> PidfLocation:
    """Civic address and geodetic centre of a PIDF-LO document (the first location-info that has them)."""
    root = parse_xml(text, where)
    civic: dict[str, str] = {}
    method = ""
    for el in root.iter():
        name = local_name(el.tag)
        if name == "civicAddress":
            for part in el:
                value = (part.text or "").strip()
                if value:
                    civic.setdefault(local_name(part.tag), value)
        elif name == "method" and el.text and not method:
            method = el.text.strip()
    shape, lat, lon, radius = _shape(root, where)
    return PidfLocation(civic=civic, latitude=lat, longitude=lon, radius_m=radius, shape=shape, method=method)

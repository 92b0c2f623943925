"""The dispatch map's Leaflet page, built with folium once per pack and code version, fully offline."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import platformdirs
import shapely
import xstatic.pkg.jquery as xs_jquery
import xstatic.pkg.leaflet as xs_leaflet
from folium.elements import MacroElement
from folium.template import Template
from shapely.geometry import LineString, MultiPolygon, Polygon, shape
from shapely.ops import polylabel

from data.pack import UnitStatus
from data.records import OPEN_STATUSES, CautionRecord, IncidentRecord, UnitRecord
from data.rules import STATUS_LABELS
from maps.geodata import (
    BOUNDARY_FILE,
    DISTRICTS_FILE,
    LANDMARKS_FILE,
    STATION_AREA_LAYER,
    STREETS_FILE,
    LocalFrame,
    default_geo_dir,
    read_features,
)

PAGE_FILE = "index.html"
ASSET_DIR = "assets"
WEBCHANNEL_JS = "qwebchannel.js"
# Bump when the page's structure changes in a way the hashed sources below do not show.
PAGE_FORMAT = 1
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
DISTRICT_ATTRIBUTION = "Districts (approx.): LA Times Data Desk"
# Old page directories kept beside the current one (another console version may still use them).
KEEP_BUILDS = 4

# Streets are drawn bottom to top in this order; unknown classes draw as minor streets.
STREET_CLASSES = ("service", "minor", "tertiary", "secondary", "primary")
FIRST_ZOOM = 13
LAST_ZOOM = 19
# Width of a district label ("RD 0971") in pixels at the smaller zooms.
ZONE_LABEL_PX = 64
ZONE_LABEL_HEIGHT_PX = 16
# Line widths in pixels for zoom 13..19: a fixed pixel width would look hairline at 18 and blotchy at 13.
STREET_STYLES: dict[str, dict[str, Any]] = {
    "primary": {"color": "#f8c57e", "casing": "#a8712f", "widths": [2.5, 3.5, 5, 7, 11, 16, 22]},
    "secondary": {"color": "#f7f3a6", "casing": "#8f8a45", "widths": [2, 3, 4, 6, 9, 14, 20]},
    "tertiary": {"color": "#ffffff", "casing": "#8e8e8e", "widths": [1.2, 2, 3, 5, 8, 12, 17]},
    "minor": {"color": "#ffffff", "casing": "#aaa59c", "widths": [0.8, 1.2, 2, 3.5, 6, 10, 14]},
    "service": {"color": "#ffffff", "casing": "#c2bdb3", "widths": [0.5, 0.8, 1.2, 2, 3.5, 6, 9]},
}
# Street names: rank orders who wins a crowded spot; spacing is the distance between repeats
# along one street; the first zoom at which the class is named at all.
LABEL_RANK = {"primary": 0, "secondary": 1, "tertiary": 2, "minor": 3}
LABEL_SPACING_M = {"primary": 320.0, "secondary": 320.0, "tertiary": 300.0, "minor": 260.0}
LABEL_FIRST_ZOOM = {"primary": 14, "secondary": 15, "tertiary": 16, "minor": 16}
LABEL_MIN_LENGTH_M = {"primary": 60.0, "secondary": 60.0, "tertiary": 60.0, "minor": 70.0}
LANDMARK_GLYPHS = {
    "government": ("CH", "#455a64"),
    "law_enforcement": ("SD", "#1f3b73"),
    "fire": ("FD", "#a61d1d"),
    "hospital": ("H", "#c62828"),
    "park": ("P", "#2e7d32"),
    "library": ("L", "#6d4c41"),
    "school": ("S", "#b35900"),
    "venue": ("V", "#6a3d9a"),
}
STATUS_LETTERS = {"pending": "P", "dispatched": "D", "enroute": "E", "onscene": "O"}


@dataclass(frozen=True)
class StreetLabel:
    """Where a street's name may be written: position, upright angle and from which zoom."""

    lat: float
    lon: float
    text: str
    angle: float
    rank: int
    min_zoom: int
    length_m: float

    def to_json(self) -> list[Any]:
        return [round(self.lat, 6), round(self.lon, 6), self.text, round(self.angle, 1), self.rank, self.min_zoom]


# ----------------------------------------------------------------------------- payloads


def shows_incident(rec: IncidentRecord) -> bool:
    """Open incidents with a position are on the map; closed ones leave it."""
    return rec.status in OPEN_STATUSES and rec.latitude is not None and rec.longitude is not None


def shows_unit(rec: UnitRecord) -> bool:
    """Units on shift are on the map (where they are drawn depends on their position or incident)."""
    return rec.on_shift and rec.status != "off_duty"


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds") if moment else None


def incident_payload(rec: IncidentRecord) -> dict[str, Any]:
    """What the page needs to draw one incident."""
    return {
        "id": rec.id,
        "number": rec.number,
        "short": rec.short_number,
        "priority": rec.priority,
        "status": rec.status,
        "letter": STATUS_LETTERS.get(rec.status, "?"),
        "lat": rec.latitude,
        "lon": rec.longitude,
        "type": rec.call_type_label,
        "location": rec.location,
        "units": list(rec.units),
        "received": _iso(rec.received_at),
    }


def unit_payload(rec: UnitRecord, statuses: Mapping[str, UnitStatus] | None = None) -> dict[str, Any]:
    """What the page needs to draw one unit; `statuses` gives the pack's labels and short codes."""
    status = (statuses or {}).get(rec.status)
    return {
        "id": rec.id,
        "call_sign": rec.call_sign,
        "status": rec.status,
        "label": status.label if status else rec.status.replace("_", " ").capitalize(),
        "short": status.short if status else rec.status[:3].upper(),
        "since": _iso(rec.status_since),
        "lat": rec.latitude,
        "lon": rec.longitude,
        "incident_id": rec.incident_id,
        "incident_number": rec.incident_number,
        "crew": list(rec.officers),
    }


def caution_payload(rec: CautionRecord, agency: str = "") -> dict[str, Any]:
    """What the page needs to draw one active caution: a red symbol at its point and its circle."""
    return {
        "id": rec.id,
        "lat": rec.latitude,
        "lon": rec.longitude,
        "radius": rec.radius_m,
        "category": rec.category_label,
        "sheriff_first": rec.sheriff_first,
        "text": rec.headline(agency) if agency else rec.text,
        "location": rec.location,
        "expires": _iso(rec.expires_at),
    }


def js_call(method: str, *args: Any) -> str:
    """A call on the page's `cso` object with JSON arguments (ASCII-escaped, so safe inside JS)."""
    return f"cso.{method}({','.join(json.dumps(a, separators=(',', ':')) for a in args)})"


# ----------------------------------------------------------------------------- geography


def _round_coords(coords: Any) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [round(coords[0], 6), round(coords[1], 6)]
    return [_round_coords(c) for c in coords]


def _slim(geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}


def _street_class(raw: str | None) -> str:
    return raw if raw in STREET_STYLES else ("service" if raw in ("pedestrian", "service") else "minor")


def street_collections(features: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Street centrelines merged into one multi-line per drawing class.

    Names are drawn as labels, never read from the lines, so each class becomes a single
    Leaflet layer: a few layers draw far faster than two thousand.
    """
    lines: dict[str, list[LineString]] = {cls: [] for cls in STREET_CLASSES}
    for f in features:
        lines[_street_class(f["properties"].get("class"))].append(shape(f["geometry"]))
    out: dict[str, dict[str, Any]] = {}
    for cls, parts in lines.items():
        merged = shapely.line_merge(shapely.MultiLineString(parts)) if parts else shapely.MultiLineString()
        pieces = list(getattr(merged, "geoms", [merged]))
        coords = [_round_coords([list(c) for c in piece.coords]) for piece in pieces if not piece.is_empty]
        out[cls] = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"class": cls},
                    "geometry": {"type": "MultiLineString", "coordinates": coords},
                }
            ],
        }
    return out


def _upright(dx: float, dy: float) -> float:
    """Screen rotation (degrees, clockwise) of text along a direction in east/north metres, kept readable."""
    angle = -math.degrees(math.atan2(dy, dx))
    if angle > 90:
        angle -= 180
    elif angle <= -90:
        angle += 180
    return angle


def _tier(cls: str, k: int) -> int:
    """Every eighth repeat shows from the class's first zoom, every fourth from 15, every other from 16."""
    first = LABEL_FIRST_ZOOM[cls]
    if k % 8 == 0:
        return first
    if k % 4 == 0:
        return max(first, 15)
    if k % 2 == 0:
        return max(first, 16)
    return max(first, 17)


def street_labels(features: Sequence[dict[str, Any]], frame: LocalFrame) -> list[StreetLabel]:
    """Candidate name positions along every named street, most important first."""
    groups: dict[tuple[str, str], list[LineString]] = {}
    for f in features:
        cls = _street_class(f["properties"].get("class"))
        name = f["properties"].get("name_short") or ""
        if not name or cls not in LABEL_RANK:
            continue
        groups.setdefault((name, cls), []).append(frame.project(shape(f["geometry"])))
    labels: list[StreetLabel] = []
    for (name, cls), lines in groups.items():
        merged = shapely.line_merge(shapely.MultiLineString(lines))
        parts = list(merged.geoms) if hasattr(merged, "geoms") else [merged]
        spacing = LABEL_SPACING_M[cls]
        for part in parts:
            length = float(part.length)
            if length < LABEL_MIN_LENGTH_M[cls]:
                continue
            count = max(1, int(length // spacing))
            start = (length - (count - 1) * spacing) / 2
            for k in range(count):
                at = start + k * spacing
                a = part.interpolate(max(0.0, at - 25.0))
                b = part.interpolate(min(length, at + 25.0))
                p = part.interpolate(at)
                lon, lat = frame.to_lonlat(p.x, p.y)
                labels.append(
                    StreetLabel(
                        lat=float(lat),
                        lon=float(lon),
                        text=name,
                        angle=_upright(b.x - a.x, b.y - a.y),
                        rank=LABEL_RANK[cls],
                        min_zoom=_tier(cls, k),
                        length_m=length,
                    )
                )
    labels.sort(key=lambda s: (s.rank, s.min_zoom, -s.length_m, s.text))
    return labels


def _largest(geom: Polygon | MultiPolygon) -> Polygon:
    if isinstance(geom, MultiPolygon):
        return max(geom.geoms, key=lambda g: g.area)
    return geom


def _chords_m(area: Polygon, point: shapely.Point) -> tuple[float, float]:
    """Lengths (metres) of the horizontal and vertical runs of `area` through `point`."""
    min_lon, min_lat, max_lon, max_lat = area.bounds
    kx = 111_320 * math.cos(math.radians(point.y))
    out = []
    for line, scale in (
        (LineString([(min_lon - 1e-4, point.y), (max_lon + 1e-4, point.y)]), kx),
        (LineString([(point.x, min_lat - 1e-4), (point.x, max_lat + 1e-4)]), 110_574.0),
    ):
        runs = line.intersection(area)
        parts = getattr(runs, "geoms", [runs])
        # The run the label sits on; a point on no run (it cannot happen for polylabel) counts as 0.
        hit = [g for g in parts if g.distance(point) < 1e-9]
        out.append(hit[0].length * scale if hit else 0.0)
    return out[0], out[1]


def zone_features(features: Iterable[dict[str, Any]], city: shapely.Geometry | None = None) -> list[dict[str, Any]]:
    """Sheriff's reporting districts (not the station area) with a label point inside each.

    The label goes in the part of the district inside the city, where the dispatcher looks.
    """
    zones = []
    for f in features:
        p = f["properties"]
        if p.get("layer") == STATION_AREA_LAYER:
            continue
        geom = shape(f["geometry"])
        if not isinstance(geom, Polygon | MultiPolygon):
            continue
        inside = geom.intersection(city) if city is not None else geom
        area = _largest(inside if isinstance(inside, Polygon | MultiPolygon) and not inside.is_empty else geom)
        label = polylabel(area, tolerance=0.00002)
        # A label wider (or taller) than the district around its point would spill into the
        # neighbours, so small districts are named only once zoomed in far enough.
        across_m, up_m = _chords_m(area, label)
        metres_per_px = 156_543.03 * math.cos(math.radians(label.y))
        min_zoom = math.ceil(
            math.log2(metres_per_px * max(ZONE_LABEL_PX / max(across_m, 1.0), ZONE_LABEL_HEIGHT_PX / max(up_m, 1.0)))
        )
        zones.append(
            {
                "type": "Feature",
                "properties": {
                    "rd": str(p.get("rd") or p.get("name")),
                    "lat": label.y,
                    "lon": label.x,
                    "min_zoom": min(max(min_zoom, FIRST_ZOOM), LAST_ZOOM),
                },
                "geometry": _slim(f["geometry"]),
            }
        )
    return sorted(zones, key=lambda z: z["properties"]["rd"])


# ----------------------------------------------------------------------------- page


def _source(name: str) -> str:
    return (resources.files("maps") / name).read_text(encoding="utf-8")


class _InitialView(MacroElement):
    """Fits the city before any layer is added, so the streets are projected and drawn once."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {padding: [12, 12], animate: false});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "CsoInitialView"
        self.bounds = bounds


class _LiveLayers(MacroElement):
    """The page's API object (`cso`) and the Qt bridge, wired to the folium layers by name."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
            <script src="{{ this.webchannel_js }}"></script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            {{ this.js }}
            window.cso = csoCreateMap({{ this._parent.get_name() }}, {
                streets: {
                {%- for cls, layer in this.street_layers.items() %}
                    {{ cls|tojson }}: {{ layer.get_name() }},
                {%- endfor %}
                },
                streetGroup: {{ this.street_group.get_name() }},
                streetNames: {{ this.street_names.get_name() }},
                tiles: {{ this.tiles.get_name() }},
                control: {{ this.control.get_name() }},
            }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        street_layers: dict[str, folium.GeoJson],
        street_group: folium.FeatureGroup,
        street_names: folium.FeatureGroup,
        tiles: folium.TileLayer,
        control: folium.LayerControl,
        config: dict[str, Any],
    ) -> None:
        super().__init__()
        self._name = "CsoLiveLayers"
        # A file next to the page, not qrc:///: the map view copies Qt's qwebchannel.js there, because a
        # qrc request makes QtWebEngine create request objects that an application-wide Python event
        # filter (the idle lock) crashes PySide on.
        self.webchannel_js = f"{ASSET_DIR}/{WEBCHANNEL_JS}"
        self.street_layers = street_layers
        self.street_group = street_group
        self.street_names = street_names
        self.tiles = tiles
        self.control = control
        self.config = config
        self.js = _source("page.js")
        self.css = _source("page.css")


def _style(cls: str, zoom: int) -> dict[str, Any]:
    spec = STREET_STYLES[cls]
    return {"color": spec["color"], "weight": spec["widths"][zoom - FIRST_ZOOM], "opacity": 1.0, "lineCap": "round"}


def render_page(
    geo_dir: Path,
    *,
    incidents: Sequence[Mapping[str, Any]] = (),
    units: Sequence[Mapping[str, Any]] = (),
    statuses: Mapping[str, UnitStatus] | None = None,
) -> str:
    """The page's HTML; scripts and styles are referenced relative to it under `assets/`."""
    boundary_features = read_features(geo_dir / BOUNDARY_FILE)
    boundary = shapely.union_all([shape(f["geometry"]) for f in boundary_features])
    frame = LocalFrame(lat0=round(boundary.centroid.y, 4), lon0=round(boundary.centroid.x, 4))
    streets = read_features(geo_dir / STREETS_FILE)
    min_lon, min_lat, max_lon, max_lat = boundary.bounds
    s_min_lon, s_min_lat, s_max_lon, s_max_lat = shapely.bounds(
        shapely.union_all([shape(f["geometry"]).envelope for f in streets])
    ).tolist()
    start_zoom = 15

    m = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=start_zoom,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        # folium hands min_zoom/max_zoom to its tile layer; the map itself needs them as options.
        # One step below the styled range, so a narrow pane can still show the whole city.
        minZoom=FIRST_ZOOM - 1,
        maxZoom=LAST_ZOOM,
        zoomSnap=0.5,
        max_bounds=True,
        min_lat=s_min_lat - 0.01,
        max_lat=s_max_lat + 0.01,
        min_lon=s_min_lon - 0.015,
        max_lon=s_max_lon + 0.015,
    )
    city_bounds = [[min_lat, min_lon], [max_lat, max_lon]]
    m.add_child(_InitialView(city_bounds))
    # Per instance, never add_js_link: that would rewrite the links of every map in the process,
    # and folium's other defaults (bootstrap, font-awesome, awesome-markers) are unused CDN loads.
    m.default_js = [("leaflet", f"{ASSET_DIR}/leaflet.js"), ("jquery", f"{ASSET_DIR}/jquery.min.js")]
    m.default_css = [("leaflet_css", f"{ASSET_DIR}/leaflet.css")]

    # Panes, bottom to top: city fill, street casings, street fills (overlayPane), zones, the city
    # line, labels, landmarks; markers (600) and tooltips (650) stay Leaflet's.
    for name, z in (
        ("csoGround", 250),
        ("csoCasing", 390),
        ("csoZones", 420),
        ("csoBoundary", 430),
        ("csoLabels", 450),
        ("csoZoneLabels", 455),
    ):
        folium.map.CustomPane(name, z_index=z, pointer_events=False).add_to(m)
    folium.map.CustomPane("csoLandmarks", z_index=580, pointer_events=True).add_to(m)

    tiles = folium.TileLayer(
        "OpenStreetMap",
        name="OpenStreetMap tiles (online)",
        attr=OSM_ATTRIBUTION,
        overlay=True,
        show=False,
        max_zoom=19,
    )
    tiles.add_to(m)

    city = folium.FeatureGroup(name="City limits", show=True)
    city.add_to(m)
    boundary_data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": _slim(f["geometry"])} for f in boundary_features
        ],
    }
    folium.GeoJson(
        boundary_data,
        style_function=lambda _f: {"stroke": False, "fillColor": "#fbfaf7", "fillOpacity": 1.0},
        interactive=False,
        pane="csoGround",
    ).add_to(city)
    folium.GeoJson(
        boundary_data,
        style_function=lambda _f: {
            "color": "#4b3d7a",
            "weight": 3,
            "opacity": 0.85,
            "fill": False,
            "dashArray": "10 5",
        },
        interactive=False,
        pane="csoBoundary",
    ).add_to(city)

    street_group = folium.FeatureGroup(name="Streets", show=True)
    street_group.add_to(m)
    street_layers: dict[str, folium.GeoJson] = {}
    for cls, data in street_collections(streets).items():
        layer = folium.GeoJson(
            data,
            style_function=lambda _f, cls=cls: _style(cls, start_zoom),
            interactive=False,
            smooth_factor=0.5,
        )
        layer.add_to(street_group)
        street_layers[cls] = layer
    street_names = folium.FeatureGroup(name="Street names", show=True)
    street_names.add_to(m)

    zone_group = folium.FeatureGroup(name="Reporting districts (approx.)", show=True)
    zone_group.add_to(m)
    zones = zone_features(read_features(geo_dir / DISTRICTS_FILE), boundary)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": zones},
        style_function=lambda _f: {
            "color": "#7a5fb0",
            "weight": 1.6,
            "opacity": 0.8,
            "fill": False,
            "dashArray": "6 5",
        },
        interactive=False,
        pane="csoZones",
    ).add_to(zone_group)
    for zone in zones:
        p = zone["properties"]
        folium.Marker(
            [p["lat"], p["lon"]],
            icon=folium.DivIcon(
                html=f'<div class="cso-zone-label min{p["min_zoom"]}">RD {p["rd"]}</div>',
                icon_size=(0, 0),
                class_name="cso-anchor",
            ),
            interactive=False,
            keyboard=False,
            pane="csoZoneLabels",
        ).add_to(zone_group)

    landmark_group = folium.FeatureGroup(name="Landmarks", show=True)
    landmark_group.add_to(m)
    landmarks = read_features(geo_dir / LANDMARKS_FILE)
    for f in landmarks:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"][:2]
        glyph, colour = LANDMARK_GLYPHS.get(p.get("category") or "", ("•", "#555555"))
        name = _escape(p["name"])
        tip = name + (f"<br><span class='cso-tip-sub'>{_escape(p['address'])}</span>" if p.get("address") else "")
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=(
                    f'<div class="cso-landmark"><span class="cso-landmark-glyph" style="background:{colour}">'
                    f'{glyph}</span><span class="cso-landmark-name">{name}</span></div>'
                ),
                icon_size=(0, 0),
                class_name="cso-anchor",
            ),
            tooltip=folium.Tooltip(tip, direction="top", offset=(0, -10)),
            keyboard=False,
            pane="csoLandmarks",
        ).add_to(landmark_group)

    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)

    config = {
        "cityBounds": city_bounds,
        "firstZoom": FIRST_ZOOM,
        "streetStyles": STREET_STYLES,
        "streetLabels": [s.to_json() for s in street_labels(streets, frame)],
        "zoneLabels": [
            [z["properties"]["lat"], z["properties"]["lon"], f"RD {z['properties']['rd']}", z["properties"]["min_zoom"]]
            for z in zones
        ],
        "landmarks": [
            [f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0], f["properties"]["name"]]
            for f in landmarks
        ],
        "attribution": [OSM_ATTRIBUTION, DISTRICT_ATTRIBUTION],
        "statusLabels": dict(STATUS_LABELS) | {code: s.label for code, s in (statuses or {}).items()},
        "incidents": list(incidents),
        "units": list(units),
    }
    m.add_child(
        _LiveLayers(
            street_layers=street_layers,
            street_group=street_group,
            street_names=street_names,
            tiles=tiles,
            control=control,
            config=config,
        )
    )
    root = m.get_root()
    root.title = "CSO Console map"  # type: ignore[attr-defined]
    return str(root.render())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ----------------------------------------------------------------------------- cache


def cache_root() -> Path:
    """Where built pages live: the user's cache directory, never the install tree."""
    return Path(platformdirs.user_cache_dir("cso-console")) / "map"


def _asset_files() -> list[tuple[Path, str]]:
    leaflet = Path(xs_leaflet.BASE_DIR)
    jquery = Path(xs_jquery.BASE_DIR)
    files = [(leaflet / "leaflet.js", "leaflet.js"), (leaflet / "leaflet.css", "leaflet.css")]
    files += [(p, f"images/{p.name}") for p in sorted((leaflet / "images").glob("*.png"))]
    files.append((jquery / "jquery.min.js", "jquery.min.js"))
    return files


def page_key(
    geo_dir: Path,
    *,
    incidents: Sequence[Mapping[str, Any]] = (),
    units: Sequence[Mapping[str, Any]] = (),
    statuses: Mapping[str, UnitStatus] | None = None,
) -> str:
    """Hash of everything the page is made of: pack files, this code, library versions, baked data."""
    h = hashlib.sha256(f"format {PAGE_FORMAT}".encode())
    for name in (BOUNDARY_FILE, STREETS_FILE, DISTRICTS_FILE, LANDMARKS_FILE):
        h.update(name.encode())
        h.update((geo_dir / name).read_bytes())
    for name in ("page.py", "page.js", "page.css"):
        h.update((resources.files("maps") / name).read_bytes())
    versions = (folium.__version__, xs_leaflet.VERSION, xs_jquery.VERSION)
    h.update(json.dumps([versions, list(incidents), list(units)], sort_keys=True, default=str).encode())
    h.update(json.dumps({k: [s.label, s.short] for k, s in (statuses or {}).items()}, sort_keys=True).encode())
    return h.hexdigest()[:20]


def build_page(
    geo_dir: Path | None = None,
    *,
    cache_dir: Path | None = None,
    incidents: Sequence[Mapping[str, Any]] = (),
    units: Sequence[Mapping[str, Any]] = (),
    statuses: Mapping[str, UnitStatus] | None = None,
) -> Path:
    """The page file for this pack, built on first use; later calls return the cached file at once."""
    geo = Path(geo_dir or default_geo_dir())
    root = Path(cache_dir or cache_root())
    target = root / page_key(geo, incidents=incidents, units=units, statuses=statuses)
    page = target / PAGE_FILE
    if page.is_file():
        return page
    root.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename it into place, so a second console starting at the
    # same moment never loads a half-written page.
    work = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    try:
        assets = work / ASSET_DIR
        (assets / "images").mkdir(parents=True)
        for src, rel in _asset_files():
            shutil.copyfile(src, assets / rel)
        html = render_page(geo, incidents=incidents, units=units, statuses=statuses)
        (work / PAGE_FILE).write_text(html, encoding="utf-8")
        try:
            os.replace(work, target)
        except OSError:
            if not page.is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    _prune(root, keep=target)
    return page


def _prune(root: Path, keep: Path) -> None:
    builds = sorted(
        (p for p in root.iterdir() if p.is_dir() and p != keep and not p.name.startswith("build-")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[KEEP_BUILDS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)

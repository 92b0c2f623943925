"""Rendering the map page with folium: imported only when a page is built (a cold cache), never at start."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import shapely
from folium.elements import MacroElement
from folium.template import Template
from shapely.geometry import shape

from data.pack import UnitStatus
from data.rules import STATUS_LABELS
from maps.geodata import BOUNDARY_FILE, DISTRICTS_FILE, LANDMARKS_FILE, STREETS_FILE, LocalFrame, read_features
from maps.page import (
    ASSET_DIR,
    DISTRICT_ATTRIBUTION,
    FIRST_ZOOM,
    LANDMARK_GLYPHS,
    LANDMARK_NAMES,
    LAST_ZOOM,
    OSM_ATTRIBUTION,
    STREET_STYLES,
    WEBCHANNEL_JS,
    _slim,
    street_collections,
    street_labels,
    zone_features,
)

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
    ):
        folium.map.CustomPane(name, z_index=z, pointer_events=False).add_to(m)
    # District names above the markers (600) and below tooltips (650), letting clicks through.
    folium.map.CustomPane("csoZoneLabels", z_index=620, pointer_events=False).add_to(m)
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
        # The key explains every symbol: landmark glyphs and the units' short status codes too.
        "landmarkKey": [
            [glyph, colour, LANDMARK_NAMES.get(cat, cat)] for cat, (glyph, colour) in LANDMARK_GLYPHS.items()
        ],
        "unitShort": {code: s.short for code, s in (statuses or {}).items()},
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

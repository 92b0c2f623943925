"""Load the jurisdiction's offline geodata pack into shapely geometries."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from maps.place_names import PlaceNames, load_place_names

# The files of a pack's geo folder (the same names in every pack).
STREETS_FILE = "streets.geojson"
INTERSECTIONS_FILE = "intersections.geojson"
ADDRESS_POINTS_FILE = "address_points.geojson"
LANDMARKS_FILE = "landmarks.geojson"
DISTRICTS_FILE = "districts.geojson"
BOUNDARY_FILE = "boundary.geojson"
ADDRESS_MODEL_FILE = "address_model.json"

# The law-enforcement station's area may share the districts file; it is not a patrol zone.
STATION_AREA_LAYER = "station_area"


@dataclass(frozen=True)
class StreetSegment:
    """One named centreline piece, split at intersections."""

    seg_id: int
    geometry: LineString
    name: str
    name_short: str
    predir: str | None
    base: str
    suffix: str | None
    road_class: str
    in_city: bool
    near_city: bool
    grid_type: str
    length_m: float
    model_from: int | None
    model_to: int | None
    l_from: int | None
    l_to: int | None
    l_parity: str | None
    r_from: int | None
    r_to: int | None
    r_parity: str | None


@dataclass(frozen=True)
class IntersectionPoint:
    """A node where two or more differently named roads meet."""

    point: Point
    streets: tuple[str, ...]
    label: str
    in_city: bool


@dataclass(frozen=True)
class AddressPoint:
    """An OSM house-number point; `street` is the data's inferred street name."""

    index: int
    point: Point
    housenumber: str
    number: int
    street: str | None
    dist_to_street_m: float | None
    in_city: bool


@dataclass(frozen=True)
class Landmark:
    """A curated named place."""

    id: str
    name: str
    category: str
    address: str | None
    point: Point
    in_city: bool


@dataclass(frozen=True)
class District:
    """A Sheriff's reporting district, used as a patrol zone."""

    label: str
    geometry: Polygon | MultiPolygon
    share_inside_city: float


@dataclass(frozen=True)
class AddressModel:
    """The fitted LA address grid: house number as a function of position."""

    ew_knots_lon: tuple[float, ...]
    ew_values: tuple[float, ...]
    ns_c0: float
    ns_c1: float
    ns_c2: float
    ns_c3: float
    ns_origin_lat: float
    ns_origin_lon: float

    def numbers_at(self, lat: np.ndarray, lon: np.ndarray, grid_type: str) -> np.ndarray:
        """Modelled house numbers at many positions on streets of one grid type."""
        if grid_type == "EW":
            # np.interp needs ascending knots; the file lists them west to east already.
            return np.asarray(np.interp(lon, self.ew_knots_lon, self.ew_values), dtype=float)
        # Origin and scale as written in the file's ns_formula.
        u = (lat - self.ns_origin_lat) * 1000.0
        w = (lon - self.ns_origin_lon) * 1000.0
        return self.ns_c0 + self.ns_c1 * u + self.ns_c2 * w + self.ns_c3 * u * w


@dataclass(frozen=True)
class LocalFrame:
    """Equirectangular metres around a fixed origin; accurate to a few cm across the city."""

    lat0: float
    lon0: float

    @property
    def m_per_deg_lat(self) -> float:
        phi = math.radians(self.lat0)
        return 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)

    @property
    def m_per_deg_lon(self) -> float:
        phi = math.radians(self.lat0)
        return 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)

    def to_xy(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        return (lon - self.lon0) * self.m_per_deg_lon, (lat - self.lat0) * self.m_per_deg_lat

    def to_lonlat(self, x: Any, y: Any) -> tuple[Any, Any]:
        return x / self.m_per_deg_lon + self.lon0, y / self.m_per_deg_lat + self.lat0

    def project(self, geom: shapely.Geometry) -> shapely.Geometry:
        """A lon/lat geometry in local metres."""
        return shapely.transform(geom, self._forward)

    def project_all(self, geoms: Sequence[shapely.Geometry]) -> np.ndarray:
        """Many lon/lat geometries in local metres, in one vectorised call."""
        return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), self._forward))

    def _forward(self, coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        out[:, 0] = (coords[:, 0] - self.lon0) * self.m_per_deg_lon
        out[:, 1] = (coords[:, 1] - self.lat0) * self.m_per_deg_lat
        return out


@dataclass(frozen=True, eq=False)
class GeoData:
    """Everything the map and geocoder need about one jurisdiction."""

    source_dir: Path
    boundary: Polygon | MultiPolygon
    streets: tuple[StreetSegment, ...]
    intersections: tuple[IntersectionPoint, ...]
    address_points: tuple[AddressPoint, ...]
    landmarks: tuple[Landmark, ...]
    districts: tuple[District, ...]
    address_model: AddressModel
    frame: LocalFrame
    names: PlaceNames = field(default_factory=PlaceNames)


def default_geo_dir() -> Path:
    """The geo folder of the default jurisdiction pack shipped inside the `resources` package."""
    return Path(str(resources.files("resources") / "packs" / "west_hollywood" / "geo"))


def load_geodata(geo_dir: Path | None = None) -> GeoData:
    """Load (once per directory) the geodata pack in `geo_dir`."""
    return _load_cached(Path(geo_dir or default_geo_dir()).resolve())


@lru_cache(maxsize=4)
def _load_cached(geo_dir: Path) -> GeoData:
    boundary = _load_boundary(geo_dir / BOUNDARY_FILE)
    centre = boundary.centroid
    return GeoData(
        source_dir=geo_dir,
        boundary=boundary,
        streets=_load_streets(geo_dir / STREETS_FILE),
        intersections=_load_intersections(geo_dir / INTERSECTIONS_FILE),
        address_points=_load_address_points(geo_dir / ADDRESS_POINTS_FILE),
        landmarks=_load_landmarks(geo_dir / LANDMARKS_FILE),
        districts=_load_districts(geo_dir / DISTRICTS_FILE),
        address_model=_load_address_model(geo_dir / ADDRESS_MODEL_FILE),
        frame=LocalFrame(lat0=round(centre.y, 4), lon0=round(centre.x, 4)),
        names=load_place_names(geo_dir),
    )


def read_features(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON file (the page builder reads the same files)."""
    with path.open(encoding="utf-8") as fh:
        features: list[dict[str, Any]] = json.load(fh)["features"]
    return features


def _points(features: list[dict[str, Any]]) -> np.ndarray:
    # Building points in one vectorised call is several times faster than shape() per feature.
    coords = np.array([f["geometry"]["coordinates"] for f in features], dtype=float)
    return np.asarray(shapely.points(coords))


def _load_boundary(path: Path) -> Polygon | MultiPolygon:
    geoms = [shapely.geometry.shape(f["geometry"]) for f in read_features(path)]
    merged = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
    if not isinstance(merged, Polygon | MultiPolygon):
        raise ValueError(f"{path.name}: boundary is not a polygon")
    return merged


def _load_streets(path: Path) -> tuple[StreetSegment, ...]:
    features = read_features(path)
    coords = [f["geometry"]["coordinates"] for f in features]
    flat = np.array([xy for line in coords for xy in line], dtype=float)
    index = np.repeat(np.arange(len(coords)), [len(line) for line in coords])
    lines = shapely.linestrings(flat, indices=index)
    segments = []
    for feature, line in zip(features, lines, strict=True):
        p = feature["properties"]
        segments.append(
            StreetSegment(
                seg_id=int(p["seg_id"]),
                geometry=line,
                name=p["name"],
                name_short=p["name_short"],
                predir=p["predir"],
                base=p["base"],
                suffix=p["suffix"],
                road_class=p["class"],
                in_city=bool(p["in_city"]),
                near_city=bool(p["near_city"]),
                grid_type=p["grid_type"],
                length_m=float(p["length_m"]),
                model_from=p["model_from"],
                model_to=p["model_to"],
                l_from=p["l_from"],
                l_to=p["l_to"],
                l_parity=p["l_parity"],
                r_from=p["r_from"],
                r_to=p["r_to"],
                r_parity=p["r_parity"],
            )
        )
    return tuple(segments)


def _load_intersections(path: Path) -> tuple[IntersectionPoint, ...]:
    features = read_features(path)
    return tuple(
        IntersectionPoint(
            point=point,
            streets=tuple(f["properties"]["streets"]),
            label=f["properties"]["label"],
            in_city=bool(f["properties"]["in_city"]),
        )
        for f, point in zip(features, _points(features), strict=True)
    )


def _load_address_points(path: Path) -> tuple[AddressPoint, ...]:
    features = read_features(path)
    return tuple(
        AddressPoint(
            index=i,
            point=point,
            housenumber=str(f["properties"]["housenumber"]),
            number=int(f["properties"]["number"]),
            street=f["properties"]["street_inferred"],
            dist_to_street_m=f["properties"]["dist_to_street_m"],
            in_city=bool(f["properties"]["in_city"]),
        )
        for i, (f, point) in enumerate(zip(features, _points(features), strict=True))
    )


def _load_landmarks(path: Path) -> tuple[Landmark, ...]:
    features = read_features(path)
    return tuple(
        Landmark(
            id=f["properties"]["id"],
            name=f["properties"]["name"],
            category=f["properties"].get("category") or "",
            address=f["properties"].get("address"),
            point=point,
            in_city=bool(f["properties"].get("in_city")),
        )
        for f, point in zip(features, _points(features), strict=True)
    )


def _load_districts(path: Path) -> tuple[District, ...]:
    districts = []
    for f in read_features(path):
        p = f["properties"]
        if p.get("layer") == STATION_AREA_LAYER:
            continue
        geom = shapely.geometry.shape(f["geometry"])
        if not isinstance(geom, Polygon | MultiPolygon):
            continue
        label = str(p.get("rd") or p.get("name") or p.get("number"))
        districts.append(District(label, geom, float(p.get("share_inside_city", 1.0))))
    return tuple(sorted(districts, key=lambda d: d.label))


def _load_address_model(path: Path) -> AddressModel:
    with path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    return AddressModel(
        ew_knots_lon=tuple(raw["ew_spline_knots_lon"]),
        ew_values=tuple(raw["ew_spline_values"]),
        ns_c0=raw["ns_c0"],
        ns_c1=raw["ns_c1"],
        ns_c2=raw["ns_c2"],
        ns_c3=raw["ns_c3"],
        ns_origin_lat=raw["ns_origin_lat"],
        ns_origin_lon=raw["ns_origin_lon"],
    )

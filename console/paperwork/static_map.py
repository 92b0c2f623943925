"""A small offline map of an incident's surroundings (streets, city limits, a pin) as a ReportLab drawing."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import shapely
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from shapely.geometry import LineString, MultiLineString, MultiPolygon, box
from shapely.geometry import Polygon as ShapelyPolygon

from console.paperwork.common import ATTRIBUTION, new_drawing
from console.paperwork.fonts import SANS, SANS_BOLD, register_fonts
from maps.geodata import GeoData, LocalFrame, load_geodata

ROAD_WIDTH = {"primary": 3.2, "secondary": 2.6, "tertiary": 2.0, "minor": 1.3, "service": 0.8, "pedestrian": 0.8}
ROAD_RANK = {"primary": 0, "secondary": 1, "tertiary": 2, "minor": 3, "service": 4, "pedestrian": 5}
OUTSIDE = colors.HexColor("#e4e4e4")
INSIDE = colors.HexColor("#fbfaf3")
ROAD = colors.HexColor("#ffffff")
MAJOR = colors.HexColor("#fbe3a0")
CASING = colors.HexColor("#9a9a9a")
LIMIT = colors.HexColor("#7a3e9d")
PIN = colors.HexColor("#c62828")


@dataclass(frozen=True)
class _Index:
    geodata: GeoData
    tree: shapely.STRtree


@functools.lru_cache(maxsize=4)
def _index(geo_dir: Path | None = None) -> _Index:
    geodata = load_geodata(geo_dir)
    return _Index(geodata, shapely.STRtree([s.geometry for s in geodata.streets]))


def _parts(geom: shapely.Geometry) -> list[LineString]:
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, MultiLineString):
        return list(geom.geoms)
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, LineString)]


def _polygons(geom: shapely.Geometry) -> list[ShapelyPolygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, ShapelyPolygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, ShapelyPolygon)]


class _Viewport:
    """Local metres around the pin to drawing points (y up, as ReportLab draws)."""

    def __init__(self, frame: LocalFrame, lat: float, lon: float, width: float, height: float, span_m: float) -> None:
        self.frame = frame
        self.cx, self.cy = frame.to_xy(lon, lat)
        self.width, self.height = width, height
        self.scale = min(width, height) / span_m  # points per metre
        # Clip just inside the frame so line caps and dashes never cross the border.
        half_w, half_h = (width / 2 - 1.5) / self.scale, (height / 2 - 1.5) / self.scale
        self.box_m = (self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h)
        lon0, lat0 = frame.to_lonlat(self.box_m[0], self.box_m[1])
        lon1, lat1 = frame.to_lonlat(self.box_m[2], self.box_m[3])
        self.box_lonlat = box(lon0, lat0, lon1, lat1)

    def points(self, coords: list[tuple[float, float]]) -> list[float]:
        out: list[float] = []
        for lon, lat in coords:
            x, y = self.frame.to_xy(lon, lat)
            out += [(x - self.cx) * self.scale + self.width / 2, (y - self.cy) * self.scale + self.height / 2]
        return out


def static_map(
    latitude: float,
    longitude: float,
    *,
    width: float = 250,
    height: float = 190,
    span_m: float = 520,
    label: str = "",
    geo_dir: Path | None = None,
) -> Drawing:
    """A north-up map `span_m` metres across the shorter side, centred on the point, with attribution."""
    register_fonts()
    index = _index(geo_dir)
    geodata = index.geodata
    view = _Viewport(geodata.frame, latitude, longitude, width, height, span_m)
    drawing = new_drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=OUTSIDE, strokeColor=None))

    # City area lighter than the land outside it; the limit itself as a dashed line.
    inside = shapely.intersection(geodata.boundary, view.box_lonlat)
    for poly in _polygons(inside):
        drawing.add(Polygon(view.points(list(poly.exterior.coords)), fillColor=INSIDE, strokeColor=None))
        for hole in poly.interiors:
            drawing.add(Polygon(view.points(list(hole.coords)), fillColor=OUTSIDE, strokeColor=None))

    hits = index.tree.query(view.box_lonlat)
    segments = sorted((geodata.streets[i] for i in hits), key=lambda s: -ROAD_RANK.get(s.road_class, 5))
    clipped = [(s, _parts(shapely.intersection(s.geometry, view.box_lonlat))) for s in segments]
    for casing in (True, False):
        for seg, parts in clipped:
            w = ROAD_WIDTH.get(seg.road_class, 1.0)
            for part in parts:
                drawing.add(
                    PolyLine(
                        view.points(list(part.coords)),
                        strokeColor=CASING if casing else MAJOR if seg.road_class in ("primary", "secondary") else ROAD,
                        strokeWidth=w + 1.2 if casing else w,
                        strokeLineCap=1,
                        strokeLineJoin=1,
                    )
                )

    edge = shapely.intersection(geodata.boundary.boundary, view.box_lonlat)
    for part in _parts(edge):
        drawing.add(
            PolyLine(view.points(list(part.coords)), strokeColor=LIMIT, strokeWidth=1.4, strokeDashArray=[5, 3])
        )

    _street_labels(drawing, view, clipped)
    _pin(drawing, width / 2, height / 2, label)
    _scale_bar(drawing, view)
    _north(drawing, width, height)
    attribution_w = stringWidth(ATTRIBUTION, SANS, 5.5) + 4
    drawing.add(
        Rect(
            width - attribution_w - 2, 0, attribution_w + 2, 9, fillColor=colors.Color(1, 1, 1, 0.85), strokeColor=None
        )
    )
    drawing.add(
        String(width - 3, 2.2, ATTRIBUTION, fontName=SANS, fontSize=5.5, textAnchor="end", fillColor=colors.black)
    )
    drawing.add(Rect(0, 0, width, height, fillColor=None, strokeColor=colors.HexColor("#555555"), strokeWidth=0.8))
    return drawing


def _street_labels(drawing: Drawing, view: _Viewport, clipped: list) -> None:
    """Name the longest visible piece of each street, along its direction, a few streets at most."""
    pieces: dict[str, list[LineString]] = {}
    ranks: dict[str, int] = {}
    for seg, parts in clipped:
        name = seg.name_short or seg.name
        if name and parts:
            pieces.setdefault(name, []).extend(parts)
            ranks[name] = min(ranks.get(name, 9), ROAD_RANK.get(seg.road_class, 5))
    best: dict[str, tuple[float, LineString, int]] = {}
    for name, parts in pieces.items():
        # Streets come split at every intersection; joined up, a long street has room for its name.
        for part in _parts(shapely.line_merge(MultiLineString(parts))):
            pts = view.points(list(part.coords))
            length = sum(math.dist(pts[i : i + 2], pts[i + 2 : i + 4]) for i in range(0, len(pts) - 2, 2))
            if name not in best or length > best[name][0]:
                best[name] = (length, part, ranks[name])
    chosen = sorted(best.items(), key=lambda kv: (kv[1][2], -kv[1][0]))[:7]
    pin_x, pin_y = view.width / 2, view.height / 2 + 8
    for name, (length, part, _rank) in chosen:
        size = 6.2
        text_w = stringWidth(name, SANS, size)
        if length < text_w + 10:
            continue
        # Keep names clear of the pin and its label: slide along the street when the middle is taken.
        for at in (0.5, 0.3, 0.7, 0.2, 0.8):
            mid = part.interpolate(at, normalized=True)
            x, y = view.points([(mid.x, mid.y)])
            clear_of_pin = math.dist((x, y), (pin_x, pin_y)) > text_w / 2 + 18
            # The bottom strip holds the scale bar and attribution; the top-right corner the north arrow.
            clear_of_furniture = y > 18 and not (x > view.width - 30 and y > view.height - 34)
            if clear_of_pin and clear_of_furniture:
                break
        else:
            continue
        ahead = part.interpolate(min(1.0, at + 0.05), normalized=True)
        behind = part.interpolate(max(0.0, at - 0.05), normalized=True)
        x0, y0, x1, y1 = view.points([(behind.x, behind.y), (ahead.x, ahead.y)])
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        group = Group(
            Rect(
                -text_w / 2 - 1.5, -3.2, text_w + 3, size + 1.2, fillColor=colors.Color(1, 1, 1, 0.75), strokeColor=None
            ),
            String(
                0, -1.6, name, fontName=SANS, fontSize=size, textAnchor="middle", fillColor=colors.HexColor("#333333")
            ),
        )
        group.transform = _rotation(x, y, angle)
        drawing.add(group)


def _rotation(x: float, y: float, degrees: float) -> tuple[float, float, float, float, float, float]:
    r = math.radians(degrees)
    return (math.cos(r), math.sin(r), -math.sin(r), math.cos(r), x, y)


def _pin(drawing: Drawing, x: float, y: float, label: str) -> None:
    drawing.add(Circle(x, y, 9, fillColor=colors.Color(0.78, 0.16, 0.16, 0.18), strokeColor=None))
    drawing.add(Polygon([x, y, x - 5, y + 10, x + 5, y + 10], fillColor=PIN, strokeColor=colors.white, strokeWidth=0.6))
    drawing.add(Circle(x, y + 13, 5.5, fillColor=PIN, strokeColor=colors.white, strokeWidth=1))
    drawing.add(Circle(x, y + 13, 2, fillColor=colors.white, strokeColor=None))
    if label:
        drawing.add(String(x + 9, y + 10, label, fontName=SANS_BOLD, fontSize=7, fillColor=PIN))


def _scale_bar(drawing: Drawing, view: _Viewport) -> None:
    metres = 100 if view.width / view.scale < 900 else 200
    length = metres * view.scale
    x, y = 8, 8
    drawing.add(Rect(x - 3, y - 4, length + 34, 12, fillColor=colors.Color(1, 1, 1, 0.85), strokeColor=None))
    drawing.add(Line(x, y, x + length, y, strokeColor=colors.black, strokeWidth=1.2))
    drawing.add(Line(x, y - 2, x, y + 2, strokeColor=colors.black))
    drawing.add(Line(x + length, y - 2, x + length, y + 2, strokeColor=colors.black))
    drawing.add(String(x + length + 3, y - 2, f"{metres} m", fontName=SANS, fontSize=6, fillColor=colors.black))


def _north(drawing: Drawing, width: float, height: float) -> None:
    x, y = width - 12, height - 22
    drawing.add(Polygon([x, y + 14, x - 4, y + 4, x + 4, y + 4], fillColor=colors.black, strokeColor=None))
    drawing.add(String(x, y - 4, "N", fontName=SANS_BOLD, fontSize=7, textAnchor="middle", fillColor=colors.black))

"""Point-in-city and reporting-district lookups for the jurisdiction."""

from __future__ import annotations

from typing import NamedTuple

import shapely
from shapely.strtree import STRtree

from maps.geodata import GeoData

# The city line runs down street centrelines; a corner on it counts as inside.
EDGE_TOLERANCE_DEG = 0.00002  # about 2 m
# District polygons are approximate and leave slivers along the city edge; a point that
# falls just outside every polygon still belongs to the nearest one.
ZONE_SNAP_DEG = 0.0003  # about 30 m


class Bounds(NamedTuple):
    """A latitude/longitude bounding box."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float


class Jurisdiction:
    """City limits plus the Sheriff's reporting districts used as patrol zones."""

    def __init__(self, geodata: GeoData) -> None:
        self._boundary = geodata.boundary
        shapely.prepare(self._boundary)
        self._labels = [d.label for d in geodata.districts]
        self._zones = [d.geometry for d in geodata.districts]
        for zone in self._zones:
            shapely.prepare(zone)
        self._tree = STRtree(self._zones)

    def contains(self, lat: float, lon: float) -> bool:
        """True when the point lies inside the city limits or within about 2 m of them."""
        if shapely.intersects_xy(self._boundary, lon, lat):
            return True
        return bool(shapely.dwithin(self._boundary, shapely.Point(lon, lat), EDGE_TOLERANCE_DEG))

    def zone_at(self, lat: float, lon: float) -> str | None:
        """The reporting-district label at the point, or None outside every district."""
        point = shapely.Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits):
            return self._labels[int(min(hits))]
        nearest = self._tree.query_nearest(point, max_distance=ZONE_SNAP_DEG)
        return self._labels[int(nearest[0])] if len(nearest) else None

    def zone_names(self) -> list[str]:
        """All district labels, sorted."""
        return sorted(self._labels)

    def boundary_bounds(self) -> Bounds:
        """The city limits' bounding box."""
        min_lon, min_lat, max_lon, max_lat = self._boundary.bounds
        return Bounds(min_lat, min_lon, max_lat, max_lon)

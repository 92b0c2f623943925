"""The jurisdiction's streets: names, geometry in local metres and house numbers along each kerb.

Numbers come from the address grid model, corrected by the address points near each street; each
street is split into directional groups only where the city has both ("N" and "S San Vicente Blvd").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from rapidfuzz import fuzz, process
from shapely.geometry import LineString, MultiLineString, Point
from shapely.strtree import STRtree

from maps.address_text import DIRECTIONS, StreetPhrase, street_type
from maps.geodata import AddressPoint, GeoData, LocalFrame, StreetSegment

# Odd and even numbers sit on opposite sides; the answer is moved off the centreline toward its
# side by as far as that side's address points stand from it (their median), or by this much
# where a side has too few points to say. Address points here stand 22 m from the centreline
# (median over the city), so the default puts an answer among the buildings, not in the road.
SIDE_OFFSET_M = 20.0
# Limits of a side's measured offset: narrower than a lane or deeper than a lot is an outlier.
SIDE_OFFSET_RANGE_M = (8.0, 35.0)

# Address points further than this from their street are mislabelled more often than not.
ANCHOR_MAX_DIST_M = 80.0
# Sampling step for each street's number field; vertices are always kept too.
SAMPLE_STEP_M = 10.0
# Where the grid model does not apply, anchor numbers are extrapolated only this far.
ANCHOR_EXTRAPOLATE_M = 150.0
# Anchors further than this from the grid model (in house numbers) are ignored.
ANCHOR_MAX_RESIDUAL = 300.0
# A kerb needs this many anchors of its own parity before it stops borrowing the other's.
PARITY_MIN_ANCHORS = 3
# A jump larger than this between neighbouring samples is a seam between data sources, not a block.
MAX_STEP_NUMBERS = 150.0
# A number this close past the end of a street piece is placed at that end, with little trust.
END_SNAP_NUMBERS = 60.0
END_SNAP_QUALITY = 0.6
# Reverse geocoding only names a street this close to the point.
REVERSE_STREET_MAX_M = 150.0
# The grid model's error is estimated from address points within this radius (any street of the
# same numbering direction), weighted by 1/(distance + softening)^2, from at least this many points.
REGIONAL_RADIUS_M = 250.0
REGIONAL_SOFTENING_M = 25.0
REGIONAL_MIN_ANCHORS = 3
# A street's own address points outweigh its neighbours' near them: the neighbours' correction
# starts this far from the nearest own point and takes over fully this much farther on.
REGIONAL_FROM_M = 150.0
REGIONAL_BLEND_M = 160.0
# Fuzzy name scores below this are not the same name.
NAME_MIN_SCORE = 0.8
# How sure an interpolated number is, by how far (in metres along the street) the nearest address
# point of the same kerb is. Calibrated on the held-out OSM addresses (README, Benchmarks): the
# errors grow with that distance, and no interpolation is trusted as much as a known point (1.0).
SUPPORT_QUALITY = ((40.0, 0.9), (120.0, 0.85), (300.0, 0.75), (math.inf, 0.65))
# The grid model used outside the area it was fitted to, far from any anchor, loses this much more.
WEAK_MODEL_PENALTY = 0.1

NameKey = tuple[str, str]  # (normalised base, suffix or "")


@dataclass(frozen=True)
class Located:
    """A house number placed on one street line."""

    x: float
    y: float
    quality: float
    display: str  # the street's name with its directional group ("N San Vicente Blvd")
    exact: bool  # an address point carries this very number


def canonical_parts(seg: StreetSegment) -> tuple[str | None, str, str]:
    """(predir, display base, suffix) with predirs the data folded into the base split out."""
    predir, base = seg.predir, seg.base
    head, _, rest = base.partition(" ")
    if predir is None and rest and head in DIRECTIONS.values():
        predir, base = head, rest
    return predir, base, seg.suffix or ""


def direction_groups(predirs: Iterable[str | None]) -> frozenset[str]:
    """The directionals that are part of a street's name: N and S always (north-south streets are
    numbered from a divide, "N La Cienega Blvd"), E and W only where the city has both."""
    present = {p for p in predirs if p}
    ns = present & {"N", "S"}
    return frozenset(ns | ({"E", "W"} if {"E", "W"} <= present else set()))


def support_quality(support_m: float) -> float:
    return next(q for limit, q in SUPPORT_QUALITY if support_m <= limit)


@dataclass
class _Chain:
    """One continuous run of a street with its sampled house-number fields."""

    line: LineString
    ms: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    model: np.ndarray  # grid-model numbers, NaN where the model does not apply
    weak: np.ndarray  # model used outside the area it was fitted to
    fields: dict[int, np.ndarray] = field(default_factory=dict)  # by parity; NaN where unknown
    supports: dict[int, np.ndarray] = field(default_factory=dict)  # metres to the nearest anchor
    odd_side: float = 0.0  # +1 odd numbers left of the direction of increasing numbers, -1 right
    offsets: dict[int, float] = field(default_factory=dict)  # metres off the centreline, by parity
    regional: np.ndarray | None = None  # the neighbours' estimate of the model's error, per sample

    def field_from(self, am: np.ndarray, an: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numbers along the chain from its own anchors, and where they are far, its neighbours'."""
        own, support = _number_field(self.ms, self.model, am, an)
        if self.regional is None or not self.regional.any():
            return own, support
        borrowed, _ = _number_field(self.ms, self.model + self.regional, am, an)
        weight = np.clip((support - REGIONAL_FROM_M) / REGIONAL_BLEND_M, 0.0, 1.0)
        return np.where(np.isfinite(borrowed), (1.0 - weight) * own + weight * borrowed, own), support

    anchor_numbers: dict[int, list[tuple[float, float]]] = field(default_factory=dict)

    def position(self, m: float) -> tuple[float, float, float, float]:
        """Point at measure m and the unit left normal there."""
        i = int(np.clip(np.searchsorted(self.ms, m), 1, len(self.ms) - 1))
        m0, m1 = self.ms[i - 1], self.ms[i]
        t = 0.0 if m1 == m0 else (m - m0) / (m1 - m0)
        x0, y0, x1, y1 = self.xs[i - 1], self.ys[i - 1], self.xs[i], self.ys[i]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy) or 1.0
        return x0 + t * dx, y0 + t * dy, -dy / norm, dx / norm

    def slope_sign(self, m: float, parity: int) -> float:
        f = self.fields[parity]
        i = int(np.clip(np.searchsorted(self.ms, m), 1, len(self.ms) - 1))
        d = f[i] - f[i - 1]
        return float(np.sign(d)) if np.isfinite(d) else 0.0

    def number_at(self, m: float, parity: int) -> float:
        return float(np.interp(m, self.ms, self.fields[parity]))


@dataclass
class _StreetLine:
    """All segments of one street name and predirectional, e.g. N San Vicente Blvd."""

    key: NameKey
    predir: str
    display: str
    grid_type: str
    segments: list[StreetSegment]
    in_city: bool
    prominence: float
    chains: list[_Chain] = field(default_factory=list)


@dataclass
class _NameEntry:
    key: NameKey
    display: str
    lines: dict[str, _StreetLine]
    prominence: float
    in_city: bool
    geometry: shapely.Geometry | None = None


def _prominence(segments: Iterable[StreetSegment]) -> float:
    weight = {"primary": 4.0, "secondary": 3.0, "tertiary": 2.0, "minor": 1.0}
    return sum(weight.get(s.road_class, 0.5) * s.length_m * (2.0 if s.in_city else 1.0) for s in segments)


def _suffix_factor(key: NameKey, phrase: StreetPhrase, most_prominent: NameKey) -> float:
    """How well a street's suffix fits the typed one; with none typed, the main street wins."""
    if phrase.suffix:
        # A wrong suffix is a common slip ("Fountain St"), so it only costs a little.
        return 1.0 if key[1] == phrase.suffix else 0.85
    return 1.0 if key == most_prominent else 0.9


def _median3(values: np.ndarray) -> np.ndarray:
    """Running median over three neighbours; removes single mis-numbered anchors."""
    if len(values) < 3:
        return values
    padded = np.concatenate([values[:1], values, values[-1:]])
    return np.asarray(np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0))


def _number_field(ms: np.ndarray, model: np.ndarray, am: np.ndarray, an: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """House numbers along a chain from the grid model corrected by anchors (sorted by measure).

    Returns the field (NaN where unknown) and each sample's distance to the nearest anchor.
    """
    valid = np.isfinite(model)
    field = np.where(valid, model, np.nan)
    if len(am) == 0:
        return field, np.full(len(ms), np.inf)
    support = np.abs(ms[:, None] - am[None, :]).min(axis=1)
    if valid.any():
        at = np.clip(np.searchsorted(ms, am), 0, len(ms) - 1)
        ok = valid[at]
        # An anchor several blocks off the grid is a mislabelled point, not a local quirk.
        ok[ok] = np.abs(an[ok] - np.interp(am[ok], ms[valid], model[valid])) <= ANCHOR_MAX_RESIDUAL
        if ok.any():
            residual = _median3(an[ok] - np.interp(am[ok], ms[valid], model[valid]))
            field[valid] = model[valid] + np.interp(ms[valid], am[ok], residual)
    gap = ~valid
    if gap.any() and len(am) >= 2 and am[-1] - am[0] >= 20.0:
        # No grid here: anchors alone, extended a little past the outermost ones.
        slope = np.polyfit(am, an, 1)[0]
        smooth = _median3(an)
        inside = gap & (ms >= am[0]) & (ms <= am[-1])
        before = gap & (ms < am[0]) & (ms >= am[0] - ANCHOR_EXTRAPOLATE_M)
        after = gap & (ms > am[-1]) & (ms <= am[-1] + ANCHOR_EXTRAPOLATE_M)
        field[inside] = np.interp(ms[inside], am, smooth)
        field[before] = smooth[0] + slope * (ms[before] - am[0])
        field[after] = smooth[-1] + slope * (ms[after] - am[-1])
    return field, support


def _kerb_point(chain: _Chain, m: float, parity: int, rising: float) -> tuple[float, float]:
    """Point at measure m moved to the kerb of the given parity; `rising` is the local number trend."""
    x, y, nx, ny = chain.position(m)
    side = (chain.odd_side if parity else -chain.odd_side) * math.copysign(1.0, rising)
    offset = chain.offsets.get(parity, SIDE_OFFSET_M)
    return x + nx * side * offset, y + ny * side * offset


class StreetIndex:
    """Street names, their geometry in local metres and house-number fields."""

    def __init__(self, geodata: GeoData, holdout: Collection[int]) -> None:
        self.frame: LocalFrame = geodata.frame
        # All centrelines in local metres, projected in one vectorised call.
        projected = self.frame.project_all([s.geometry for s in geodata.streets])
        self.local: dict[int, LineString] = {s.seg_id: g for s, g in zip(geodata.streets, projected, strict=True)}
        self.model = geodata.address_model
        self.names: dict[NameKey, _NameEntry] = {}
        self.by_osm_name: dict[str, tuple[NameKey, str]] = {}
        grouped: dict[tuple[NameKey, str], list[StreetSegment]] = defaultdict(list)
        displays: dict[tuple[NameKey, str], tuple[str, str]] = {}
        parts = [canonical_parts(seg) for seg in geodata.streets]
        predirs: dict[NameKey, list[str | None]] = defaultdict(list)
        for predir, base, suffix in parts:
            predirs[(base.lower(), suffix)].append(predir)
        self.groups: dict[NameKey, frozenset[str]] = {key: direction_groups(p) for key, p in predirs.items()}
        for seg, (predir, base, suffix) in zip(geodata.streets, parts, strict=True):
            key = (base.lower(), suffix)
            # Only directionals that name a different street split it ("W Sunset" is just Sunset).
            group = predir if predir in self.groups[key] else ""
            grouped[(key, group)].append(seg)
            displays[(key, group)] = (base, suffix)
            self.by_osm_name[seg.name] = (key, group)
        for (key, group), segs in grouped.items():
            base, suffix = displays[(key, group)]
            plain = f"{base} {suffix}".strip()
            grid = max(("EW", "NS"), key=lambda g: sum(s.length_m for s in segs if s.grid_type == g))
            line = _StreetLine(
                key=key,
                predir=group,
                display=f"{group} {plain}".strip(),
                grid_type=grid,
                segments=segs,
                in_city=any(s.in_city for s in segs),
                prominence=_prominence(segs),
            )
            entry = self.names.get(key)
            if entry is None:
                entry = self.names[key] = _NameEntry(key, plain, {}, 0.0, False)
            entry.lines[group] = line
            entry.prominence += line.prominence
            entry.in_city = entry.in_city or line.in_city
        self.bases: dict[str, list[NameKey]] = defaultdict(list)
        for key in self.names:
            self.bases[key[0]].append(key)
        self.base_list = sorted(self.bases)
        self.squashed: dict[str, list[str]] = defaultdict(list)
        for base in self.base_list:
            self.squashed[base.replace(" ", "")].append(base)
        self.base_tokens: dict[str, set[str]] = defaultdict(set)
        for base in self.base_list:
            for token in base.split():
                self.base_tokens[token].add(base)
        anchors = self._anchors(geodata.address_points, holdout)
        self._regional = self._regional_residuals(anchors)
        self._odd_side_default: dict[str, float] = {}
        votes: dict[str, list[float]] = defaultdict(list)
        for key, entry in self.names.items():
            for group, line in entry.lines.items():
                self._build_chains(line, anchors.get((key, group), []), votes)
        for grid, vs in votes.items():
            self._odd_side_default[grid] = float(np.sign(sum(vs))) or 1.0
        for entry in self.names.values():
            for line in entry.lines.values():
                for chain in line.chains:
                    if chain.odd_side == 0.0:
                        chain.odd_side = self._odd_side_default.get(line.grid_type, 1.0)
        self.chain_list: list[tuple[_StreetLine, _Chain]] = [
            (line, chain)
            for entry in self.names.values()
            for line in entry.lines.values()
            for chain in line.chains
            if any(np.isfinite(f).any() for f in chain.fields.values())
        ]
        self.chain_tree = STRtree([chain.line for _, chain in self.chain_list])

    # ----------------------------------------------------------------- building

    def _anchors(
        self, points: Sequence[AddressPoint], holdout: Collection[int]
    ) -> dict[tuple[NameKey, str], list[AddressPoint]]:
        excluded = set(holdout)
        out: dict[tuple[NameKey, str], list[AddressPoint]] = defaultdict(list)
        for p in points:
            if p.index in excluded or p.street is None or p.street not in self.by_osm_name:
                continue
            out[self.by_osm_name[p.street]].append(p)
        return out

    def _regional_residuals(
        self, anchors: dict[tuple[NameKey, str], list[AddressPoint]]
    ) -> dict[str, tuple[STRtree, np.ndarray]]:
        """Per numbering direction, where the grid model is off and by how much (number - model).

        In the grid, streets that cross the same street carry the same hundreds there, so the error of
        the model at a street's address points also holds on the streets beside it: a street with no
        address points of its own borrows the correction of its neighbours.
        """
        by_grid: dict[str, tuple[list[tuple[float, float]], list[float]]] = {}
        for (key, group), points in anchors.items():
            grid = self.names[key].lines[group].grid_type
            lat = np.array([p.point.y for p in points])
            lon = np.array([p.point.x for p in points])
            residual = np.array([p.number for p in points]) - self.model.numbers_at(lat, lon, grid)
            x, y = self.frame.to_xy(lon, lat)
            keep = np.abs(residual) <= ANCHOR_MAX_RESIDUAL
            xy, values = by_grid.setdefault(grid, ([], []))
            xy.extend(zip(x[keep], y[keep], strict=True))
            values.extend(residual[keep])
        return {
            grid: (STRtree(shapely.points(np.array(xy))), np.array(values))
            for grid, (xy, values) in by_grid.items()
            if xy
        }

    def _regional_correction(self, pts: np.ndarray, grid_type: str) -> np.ndarray:
        """The neighbours' model error at sample points (inverse-distance weighted; 0 with too few)."""
        correction = np.zeros(len(pts))
        if grid_type not in self._regional:
            return correction
        tree, values = self._regional[grid_type]
        sample, anchor = tree.query(pts, predicate="dwithin", distance=REGIONAL_RADIUS_M)
        if not len(sample):
            return correction
        dist = shapely.distance(pts[sample], tree.geometries[anchor])
        weight = 1.0 / (dist + REGIONAL_SOFTENING_M) ** 2
        total = np.bincount(sample, weights=weight, minlength=len(pts))
        count = np.bincount(sample, minlength=len(pts))
        summed = np.bincount(sample, weights=weight * values[anchor], minlength=len(pts))
        enough = count >= REGIONAL_MIN_ANCHORS
        correction[enough] = summed[enough] / total[enough]
        return correction

    def _build_chains(self, line: _StreetLine, anchors: list[AddressPoint], votes: dict[str, list[float]]) -> None:
        frame = self.frame
        local = [self.local[s.seg_id] for s in line.segments]
        merged = shapely.line_merge(MultiLineString(local)) if len(local) > 1 else local[0]
        parts = list(getattr(merged, "geoms", [merged]))
        fitted = np.array([s.model_from is not None for s in line.segments])
        # The grid model was fitted away from Beverly Hills; on segments that touch the city
        # it still beats nothing, so it is kept there but marked weak.
        usable = np.array([s.model_from is not None or s.in_city or s.near_city for s in line.segments])
        if line.grid_type == "NS" and line.predir == "S":
            # The north-south model numbers northward from the divide; streets south of it are
            # numbered the other way, so only their own address points say where a number is.
            usable[:] = False
        # Most streets are uniform, and then no sample needs to know its segment.
        seg_tree = (
            STRtree(local) if (fitted.any() and not fitted.all()) or (usable.any() and not usable.all()) else None
        )
        anchor_pts = np.empty(0, dtype=object)
        if anchors:
            ax, ay = frame.to_xy(np.array([p.point.x for p in anchors]), np.array([p.point.y for p in anchors]))
            anchor_pts = shapely.points(np.column_stack([ax, ay]))
        anchor_num = np.array([p.number for p in anchors], dtype=float)
        for part in parts:
            chain = self._sample(part, seg_tree, fitted, usable, line.grid_type)
            near = shapely.distance(part, anchor_pts) <= ANCHOR_MAX_DIST_M if anchors else np.zeros(0, bool)
            self._apply_anchors(chain, anchor_pts[near], anchor_num[near], line.grid_type, votes)
            line.chains.append(chain)

    def _sample(
        self, part: LineString, seg_tree: STRtree | None, fitted: np.ndarray, usable: np.ndarray, grid_type: str
    ) -> _Chain:
        length = part.length
        coords = shapely.get_coordinates(part)
        vertex_m = shapely.line_locate_point(part, shapely.points(coords))
        ms = np.unique(np.concatenate([np.arange(0.0, length, SAMPLE_STEP_M), vertex_m, [length]]))
        pts = shapely.line_interpolate_point(part, ms)
        xy = shapely.get_coordinates(pts)
        nearest = np.zeros(len(ms), dtype=int)
        if seg_tree is not None:
            src, seg = seg_tree.query_nearest(pts, all_matches=False)
            nearest[src] = seg
        lon, lat = self.frame.to_lonlat(xy[:, 0], xy[:, 1])
        # One numbering direction per street: a stray segment tagged otherwise would put
        # east-west numbers (9000s) next to north-south ones (500s) on the same chain.
        numbers = self.model.numbers_at(lat, lon, grid_type)
        ok = usable[nearest]
        chain = _Chain(part, ms, xy[:, 0], xy[:, 1], np.where(ok, numbers, np.nan), ok & ~fitted[nearest])
        chain.regional = self._regional_correction(pts, grid_type)
        return chain

    def _apply_anchors(
        self, chain: _Chain, pts: np.ndarray, numbers: np.ndarray, grid: str, votes: dict[str, list[float]]
    ) -> None:
        am = shapely.line_locate_point(chain.line, pts) if len(pts) else np.empty(0)
        order = np.argsort(am, kind="stable")
        am, numbers, pts = am[order], numbers[order], pts[order]
        combined = chain.field_from(am, numbers)
        for parity in (0, 1):
            own = (numbers % 2) == parity
            # Odd and even kerbs can follow different systems (Doheny Dr: Beverly Hills on one
            # side, Los Angeles grid on the other), so each side trusts its own anchors.
            if own.sum() >= PARITY_MIN_ANCHORS:
                chain.fields[parity], chain.supports[parity] = chain.field_from(am[own], numbers[own])
                lateral = shapely.distance(chain.line, pts[own])
                chain.offsets[parity] = float(np.clip(np.median(lateral), *SIDE_OFFSET_RANGE_M))
            else:
                chain.fields[parity], chain.supports[parity] = combined
        chain.anchor_numbers = defaultdict(list)
        vote = 0.0
        for m, n, x, y in zip(am, numbers, shapely.get_x(pts), shapely.get_y(pts), strict=True):
            chain.anchor_numbers[int(n)].append((float(x), float(y)))
            px, py, nx, ny = chain.position(float(m))
            side = math.copysign(1.0, (x - px) * nx + (y - py) * ny)
            rel = side * chain.slope_sign(float(m), int(n) % 2)
            if rel:
                v = rel if int(n) % 2 else -rel
                vote += v
                votes[grid].append(v)
        if len(am) >= 3 and abs(vote) >= 0.5 * len(am):
            chain.odd_side = float(np.sign(vote))

    # ----------------------------------------------------------------- lookups

    def resolve(self, phrase: StreetPhrase, limit: int = 4) -> list[tuple[NameKey, float, bool]]:
        """Street names matching a typed phrase, best first: (key, score in 0..1, name spelled right)."""
        base_scores = self._base_scores(phrase.base)
        words = phrase.base.split()
        if phrase.suffix is None and len(words) > 1 and street_type(words[-1]):
            # A misspelled type usaddress left in the name ("santa monica bvld").
            retry = StreetPhrase(phrase.predir, " ".join(words[:-1]), street_type(words[-1]), phrase.postdir)
            if max(base_scores.values(), default=0.0) < 1.0 and self._base_scores(retry.base):
                return self.resolve(retry, limit)
        if not base_scores and phrase.suffix:
            # "Carla Ridge", "Vaseline Alley": the last word may belong to the name.
            joined = f"{phrase.base} {phrase.suffix.lower()}"
            base_scores = self._base_scores(joined)
        scored: list[tuple[NameKey, float, bool]] = []
        for base, score in base_scores.items():
            keys = self.bases[base]
            top = max(keys, key=lambda k: self.names[k].prominence)
            for key in keys:
                factor = _suffix_factor(key, phrase, top)
                if phrase.predir in self.groups[key] and phrase.predir not in self.names[key].lines:
                    factor *= 0.95
                scored.append((key, score * factor, score >= 0.98))
        scored.sort(key=lambda ks: (-ks[1], -self.names[ks[0]].prominence))
        if scored:
            best = scored[0][1]
            scored = [ks for ks in scored if ks[1] >= best - 0.12]
        return scored[:limit]

    def lines_for(self, key: NameKey, predir: str | None) -> list[_StreetLine]:
        """The directional groups a typed directional allows: only its own where the city has both."""
        lines = self.names[key].lines
        if predir is not None and predir in self.groups[key]:
            return [lines[predir]] if predir in lines else []
        return list(lines.values())

    def _base_scores(self, base: str) -> dict[str, float]:
        if not base:
            return {}
        if base in self.bases:
            return {base: 1.0}
        if len(base) < 3:
            return {}
        scores: dict[str, float] = {}
        for cand, score, _ in process.extract(base, self.base_list, scorer=fuzz.ratio, limit=6, score_cutoff=70):
            scores[cand] = score / 100.0
        squashed = base.replace(" ", "")
        for cand in self.squashed.get(squashed, ()):
            # "lacienega", "sanvicente": only the spacing differs.
            scores[cand] = max(scores.get(cand, 0.0), 0.98)
        tokens = base.split()
        if len(base) >= 4:
            pool = set.intersection(*(self.base_tokens.get(t, set()) for t in tokens))
            for cand in pool:
                scores[cand] = max(scores.get(cand, 0.0), 0.8 + 0.15 * len(base) / len(cand))
            if len(tokens) == 1 and len(base) >= 5:
                for cand in self.base_list:
                    if cand.startswith(base):
                        scores[cand] = max(scores.get(cand, 0.0), 0.78 + 0.15 * len(base) / len(cand))
        return {b: s for b, s in scores.items() if s >= NAME_MIN_SCORE}

    def locate(self, key: NameKey, number: int, predir: str | None) -> list[Located]:
        """A house number on a street, best first; a directional the city uses to tell streets apart
        is never swapped for the other ("310 N San Vicente" is not looked up on S San Vicente)."""
        results: list[Located] = []
        ends: list[tuple[float, float, float, str]] = []
        for line in self.lines_for(key, predir):
            for chain in line.chains:
                for x, y, q, exact in self._locate_on_chain(chain, number):
                    results.append(Located(x, y, q, line.display, exact))
                if not results:
                    ends += [(*end, line.display) for end in self._chain_ends(chain, number)]
        if not results and ends:
            # Numbers jump by up to a hundred at cross streets, and a divided road is split
            # into pieces there, so a number just past a piece's end belongs at that end.
            gap, x, y, display = min(ends)
            results.append(Located(x, y, END_SNAP_QUALITY - 0.002 * gap, display, False))
        results.sort(key=lambda r: -r.quality)
        return results

    def _chain_ends(self, chain: _Chain, number: int) -> list[tuple[float, float, float]]:
        parity = number % 2
        f = chain.fields[parity]
        finite = np.nonzero(np.isfinite(f))[0]
        out: list[tuple[float, float, float]] = []
        if not len(finite):
            return out
        # The lowest and highest numbers, not only the chain's ends: a divided road merged into one
        # chain runs out and back, so its numbers end in the middle of the chain.
        lowest = int(finite[np.argmin(f[finite])])
        highest = int(finite[np.argmax(f[finite])])
        for i in {int(finite[0]), int(finite[-1]), lowest, highest}:
            gap = abs(float(f[i]) - number)
            if gap <= END_SNAP_NUMBERS:
                j = min(max(i, 1), len(f) - 1)
                out.append((gap, *_kerb_point(chain, float(chain.ms[i]), parity, float(f[j] - f[j - 1]))))
        return out

    def _locate_on_chain(self, chain: _Chain, number: int) -> list[tuple[float, float, float, bool]]:
        exact = chain.anchor_numbers.get(number)
        if exact:
            x = sum(p[0] for p in exact) / len(exact)
            y = sum(p[1] for p in exact) / len(exact)
            return [(x, y, 1.0, True)]
        parity = number % 2
        f = chain.fields[parity]
        d = f - number
        with np.errstate(invalid="ignore"):
            step = np.abs(d[1:] - d[:-1])
            crossing = np.nonzero((d[:-1] * d[1:] <= 0) & (step > 0) & (step <= MAX_STEP_NUMBERS))[0]
        out = []
        for i in crossing[:4]:
            t = d[i] / (d[i] - d[i + 1])
            m = float(chain.ms[i] + t * (chain.ms[i + 1] - chain.ms[i]))
            support = float(min(chain.supports[parity][i], chain.supports[parity][i + 1]))
            quality = support_quality(support)
            if chain.weak[i] and support > SUPPORT_QUALITY[1][0]:
                quality -= WEAK_MODEL_PENALTY
            out.append((*_kerb_point(chain, m, parity, float(f[i + 1] - f[i])), quality, False))
        return out

    def centre_point(self, key: NameKey, number: int, predir: str | None) -> tuple[float, float, str] | None:
        """Where a number sits on the street's centreline (for a block: between both kerbs)."""
        odd = self.locate(key, number | 1, predir)
        even = self.locate(key, number - number % 2, predir)
        if odd and even and math.hypot(odd[0].x - even[0].x, odd[0].y - even[0].y) < 3 * SIDE_OFFSET_M:
            return (odd[0].x + even[0].x) / 2, (odd[0].y + even[0].y) / 2, odd[0].display
        best = odd or even
        return (best[0].x, best[0].y, best[0].display) if best else None

    def street_point(self, key: NameKey, toward: Point) -> tuple[float, float]:
        """The point on a street nearest `toward`, preferring its stretch inside the city."""
        entry = self.names[key]
        if entry.geometry is None:
            segments = [s for ln in entry.lines.values() for s in ln.segments]
            inside = [s for s in segments if s.in_city] or segments
            entry.geometry = shapely.union_all([self.local[s.seg_id] for s in inside])
        nearest = shapely.shortest_line(entry.geometry, toward)
        x, y = shapely.get_coordinates(nearest)[0]
        return float(x), float(y)

    def closest_numbered_point(
        self, key: NameKey, number: int, lines: Sequence[_StreetLine] | None = None
    ) -> tuple[float, float] | None:
        """Where the street's known numbers come closest to `number` (for numbers off its ends)."""
        best: tuple[float, float, float] | None = None
        for line in lines if lines is not None else self.names[key].lines.values():
            for chain in line.chains:
                f = chain.fields.get(number % 2)
                if f is None or not np.isfinite(f).any():
                    continue
                i = int(np.nanargmin(np.abs(f - number)))
                gap = abs(float(f[i]) - number)
                if best is None or gap < best[0]:
                    x, y, _, _ = chain.position(float(chain.ms[i]))
                    best = (gap, x, y)
        return None if best is None else (best[1], best[2])

    def nearest_number(
        self, x: float, y: float, max_distance_m: float = REVERSE_STREET_MAX_M
    ) -> tuple[_StreetLine, int, float, tuple[float, float]] | None:
        """Street, house number, distance and answer point for the numbered street nearest a local point.

        The distance is from the point to the answer (the kerb point), and no answer is farther than
        `max_distance_m`: the tree query only narrows by bounding box, so every candidate is measured.
        """
        point = Point(x, y)
        best: tuple[float, float, int, float, int] | None = None
        for i in self.chain_tree.query(point, predicate="dwithin", distance=max_distance_m):
            line, chain = self.chain_list[int(i)]
            dist = float(chain.line.distance(point))
            if dist > max_distance_m:
                continue
            m = float(chain.line.project(point))
            px, py, nx, ny = chain.position(m)
            side = math.copysign(1.0, (x - px) * nx + (y - py) * ny)
            # The kerb the point is on decides the parity, hence which field to read.
            parity = 1 if side * chain.odd_side * chain.slope_sign(m, 1) > 0 else 0
            if not np.isfinite(chain.number_at(m, parity)):
                continue
            # A point among the buildings of a street is nearer that street's building line than a
            # cross street's, even when the cross street's centreline is a little nearer.
            beyond = max(0.0, dist - chain.offsets.get(parity, SIDE_OFFSET_M))
            if best is None or (beyond, dist) < (best[0], best[1]):
                best = (beyond, dist, int(i), m, parity)
        if best is None:
            return None
        _, _, i, m, parity = best
        line, chain = self.chain_list[i]
        value = chain.number_at(m, parity)
        number = round(value)
        if number % 2 != parity:
            number += 1 if value >= number else -1
        kx, ky = _kerb_point(chain, m, parity, chain.slope_sign(m, parity))
        kerb_dist = math.hypot(kx - x, ky - y)
        if kerb_dist > max_distance_m:
            # The kerb offset must not carry the answer past the distance promised.
            kx, ky, _, _ = chain.position(m)
            kerb_dist = math.hypot(kx - x, ky - y)
        return line, max(number, 2 - parity), kerb_dist, (float(kx), float(ky))

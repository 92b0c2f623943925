"""Offline forward and reverse geocoding for the jurisdiction's streets, corners and places."""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from rapidfuzz import fuzz, process
from shapely.geometry import LineString, MultiLineString, Point
from shapely.strtree import STRtree

from maps.geodata import AddressPoint, GeoData, LocalFrame, StreetSegment, load_geodata
from maps.jurisdiction import Jurisdiction

# Odd and even numbers sit on opposite kerbs; nudging the point off the centreline toward
# the right side puts it nearer the building than the centreline is.
SIDE_OFFSET_M = 12.0
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
# A number this close past the end of a street piece is placed at that end.
END_SNAP_NUMBERS = 60.0
# Candidates of one kind closer than this are the same place.
DEDUPE_M = 40.0
# Intersection nodes of one street pair closer than this are one corner (divided roads).
CORNER_CLUSTER_M = 80.0
# Reverse geocoding only names a street this close to the point.
REVERSE_STREET_MAX_M = 150.0
REVERSE_ADDRESS_LABEL_M = 60.0
REVERSE_INTERSECTION_MAX_M = 600.0
# Confidence weights for answers that are only a street, not a point on it.
STREET_ONLY = 0.85
STREET_FALLBACK = 0.5
# Fuzzy name scores below this are not the same name.
NAME_MIN_SCORE = 0.8
LANDMARK_MIN_SCORE = 0.62

SUFFIXES = {
    "blvd": "Blvd", "boulevard": "Blvd", "bl": "Blvd", "blv": "Blvd", "bvd": "Blvd",
    "ave": "Ave", "av": "Ave", "avenue": "Ave", "aven": "Ave",
    "dr": "Dr", "drive": "Dr", "drv": "Dr",
    "st": "St", "street": "St", "str": "St",
    "rd": "Rd", "road": "Rd",
    "pl": "Pl", "place": "Pl",
    "way": "Way", "wy": "Way",
    "ln": "Ln", "lane": "Ln",
    "ter": "Ter", "terrace": "Ter", "terr": "Ter",
    "ct": "Ct", "court": "Ct",
    "trl": "Trl", "trail": "Trl",
    "cir": "Cir", "circle": "Cir",
}  # fmt: skip
DIRECTIONS = {"n": "N", "north": "N", "s": "S", "south": "S", "e": "E", "east": "E", "w": "W", "west": "W"}
# Whole-token rewrites for abbreviations dispatchers type.
TOKEN_ALIASES = {
    "smb": "santa monica blvd",
    "sta": "santa",
    "snta": "santa",
    "mt": "mount",
    "hts": "heights",
    "hgts": "heights",
    "lacienega": "la cienega",
    "labrea": "la brea",
    "sanvicente": "san vicente",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
}
# Extra names people use for the curated landmarks, keyed by landmark id.
LANDMARK_ALIASES = {
    "city_hall": ("city hall", "weho city hall"),
    "lasd_whd": ("sheriff station", "sheriffs station", "west hollywood station", "weho station", "whd", "lasd"),
    "lasd_helistop": ("helistop", "helipad", "sheriff helistop"),
    "weho_park": ("weho park",),
    "weho_library": ("library", "weho library"),
    "kings_road_park": ("kings rd park",),
    "hart_park": ("hart park",),
    "laurel_park": ("laurel park",),
    "weho_art_park": ("art park",),
    "lacofd_7": ("fire station 7", "station 7", "lacofd 7"),
    "lacofd_8": ("fire station 8", "station 8", "lacofd 8"),
    "pdc": ("pdc", "blue whale", "design center"),
    "weho_gateway": ("gateway", "weho gateway", "gateway center"),
    "weho_elementary": ("weho elementary",),
    "cedars": ("cedars", "cedars sinai", "cedars sinai hospital"),
    "whisky": ("whisky", "whiskey a go go"),
    "roxy": ("roxy", "roxy theatre", "roxy theater"),
    "comedy_store": ("comedy store",),
    "abbey": ("abbey", "the abbey"),
}
CITY_NAMES = ("west hollywood", "weho", "los angeles", "beverly hills", "hollywood", "la")
KIND_ORDER = {"address": 0, "intersection": 1, "landmark": 2, "street": 3}

NameKey = tuple[str, str]  # (normalised base, suffix or "")


@dataclass(frozen=True)
class Candidate:
    """One geocoding answer."""

    lat: float
    lon: float
    label: str
    confidence: float
    in_city: bool
    zone: str | None
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "label": self.label,
            "confidence": round(self.confidence, 3),
            "in_city": self.in_city,
            "zone": self.zone,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class ReverseResult:
    """What is at a point: the nearest street address and the nearest corner."""

    address: Candidate | None
    intersection: Candidate | None
    address_distance_m: float | None = None

    @property
    def best_label(self) -> str:
        """The address when the point is on or near a street, else the nearest corner."""
        near = self.address_distance_m is not None and self.address_distance_m <= REVERSE_ADDRESS_LABEL_M
        if self.address is not None and (near or self.intersection is None):
            return self.address.label
        if self.intersection is not None:
            return self.intersection.label
        return ""


@dataclass(frozen=True)
class _Hit:
    """A candidate before city and zone are attached; x/y are local metres."""

    x: float
    y: float
    label: str
    confidence: float
    kind: str


@dataclass(frozen=True)
class _Parsed:
    number: int | None
    parts: tuple[str, ...]
    whole: str


@dataclass(frozen=True)
class _StreetPhrase:
    predir: str | None
    base: str
    suffix: str | None


# --------------------------------------------------------------------------- text


def _norm(text: str) -> str:
    text = text.lower().replace("\u2019", "").replace("'", "")
    text = re.sub(r"[^\w\s&/@+]", " ", text)
    return " ".join(text.split())


def _expand_tokens(tokens: Sequence[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        out.extend(TOKEN_ALIASES.get(token, token).split())
    return out


_UNIT_RE = re.compile(r"\b(?:apt|apartment|unit|suite|ste|room|rm|floor|fl)\b\s*#?\s*\w+\s*$|#\s*\w+")
_ZIP_RE = re.compile(r"\b9\d{4}(?:-\d{4})?\s*$")
_STATE_RE = re.compile(r"\s+(?:ca|calif|california)(?:\s+usa|\s+us)?\s*$")
_LOCALITY_RE = re.compile(r"^(?:" + "|".join(CITY_NAMES) + r"|ca|calif|california|usa|us|9\d{4}(?:-\d{4})?)$")
_SEPARATOR_RE = re.compile(r"\s*(?:&|/|@|\+|\band\b|\bat\b|\bx\b)\s*")
_HOUSE_RE = re.compile(r"^(\d{1,6})(?:[a-z]\b|\s+1/2|-\d+[a-z]?|-[a-z])?\s+(?:(?:block|blk)\s+(?:of\s+)?)?(.+)$")
_LEAD_RE = re.compile(r"^(?:(?:the\s+)?(?:corner|intersection)\s+of\s+|near\s+|in front of\s+)")


def _parse(text: str) -> _Parsed:
    raw = text.strip().lower().replace("\u2019", "").replace("'", "")
    head, *tail = [p.strip() for p in raw.split(",")]
    # Keep comma parts unless they are the city, state, zip or a unit number.
    kept = [head] + [p for p in tail if p and not _is_locality(p) and not _UNIT_RE.fullmatch(p)]
    text = " ".join(kept)
    text = _UNIT_RE.sub(" ", text)
    text = _ZIP_RE.sub(" ", text).strip()
    text = _STATE_RE.sub(" ", text).strip()
    for city in CITY_NAMES[:4]:
        if text.endswith(" " + city) and len(text) > len(city) + 3:
            text = text[: -len(city)].strip()
            break
    text = _norm(text.replace(".", " "))
    text = _LEAD_RE.sub("", text)
    whole = " ".join(_expand_tokens(_norm(text.replace("/", " ").replace("&", " ")).split()))
    number: int | None = None
    match = _HOUSE_RE.match(text)
    if match:
        number = int(match.group(1))
        text = match.group(2)
    parts = tuple(p for p in (_norm(s) for s in _SEPARATOR_RE.split(text)) if p)
    return _Parsed(number=number, parts=parts, whole=whole)


def _is_locality(part: str) -> bool:
    tokens = _norm(part).split()
    return bool(tokens) and all(
        _LOCALITY_RE.match(t) or t in {"west", "hollywood", "beverly", "hills", "los", "angeles"} for t in tokens
    )


def _street_phrase(text: str) -> _StreetPhrase | None:
    tokens = _expand_tokens(_norm(text).split())
    if not tokens:
        return None
    predir = None
    if len(tokens) > 1 and tokens[0] in DIRECTIONS:
        predir = DIRECTIONS[tokens.pop(0)]
    suffix = None
    if len(tokens) > 1 and tokens[-1] in SUFFIXES:
        suffix = SUFFIXES[tokens.pop()]
    if len(tokens) > 1 and tokens[0] == "st":
        tokens[0] = "saint"
    return _StreetPhrase(predir, " ".join(tokens), suffix)


def _canonical_parts(seg: StreetSegment) -> tuple[str | None, str, str]:
    """(predir, display base, suffix) with predirs the data folded into the base split out."""
    predir, base = seg.predir, seg.base
    head, _, rest = base.partition(" ")
    if predir is None and rest and head in DIRECTIONS.values():
        predir, base = head, rest
    return predir, base, seg.suffix or ""


# --------------------------------------------------------------------------- streets


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


def _suffix_factor(key: NameKey, phrase: _StreetPhrase, most_prominent: NameKey) -> float:
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
    return x + nx * side * SIDE_OFFSET_M, y + ny * side * SIDE_OFFSET_M


class _StreetIndex:
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
        for seg in geodata.streets:
            predir, base, suffix = _canonical_parts(seg)
            group = predir if predir in ("N", "S") else ""
            key = (base.lower(), suffix)
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

    def _build_chains(self, line: _StreetLine, anchors: list[AddressPoint], votes: dict[str, list[float]]) -> None:
        frame = self.frame
        local = [self.local[s.seg_id] for s in line.segments]
        merged = shapely.line_merge(MultiLineString(local)) if len(local) > 1 else local[0]
        parts = list(getattr(merged, "geoms", [merged]))
        fitted = np.array([s.model_from is not None for s in line.segments])
        # The grid model was fitted away from Beverly Hills; on segments that touch the city
        # it still beats nothing, so it is kept there but marked weak.
        usable = np.array([s.model_from is not None or s.in_city or s.near_city for s in line.segments])
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
        return _Chain(part, ms, xy[:, 0], xy[:, 1], np.where(ok, numbers, np.nan), ok & ~fitted[nearest])

    def _apply_anchors(
        self, chain: _Chain, pts: np.ndarray, numbers: np.ndarray, grid: str, votes: dict[str, list[float]]
    ) -> None:
        am = shapely.line_locate_point(chain.line, pts) if len(pts) else np.empty(0)
        order = np.argsort(am, kind="stable")
        am, numbers, pts = am[order], numbers[order], pts[order]
        combined = _number_field(chain.ms, chain.model, am, numbers)
        for parity in (0, 1):
            own = (numbers % 2) == parity
            # Odd and even kerbs can follow different systems (Doheny Dr: Beverly Hills on one
            # side, Los Angeles grid on the other), so each side trusts its own anchors.
            if own.sum() >= PARITY_MIN_ANCHORS:
                chain.fields[parity], chain.supports[parity] = _number_field(
                    chain.ms, chain.model, am[own], numbers[own]
                )
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

    def resolve(self, phrase: _StreetPhrase, limit: int = 4) -> list[tuple[NameKey, float]]:
        """Street names matching a typed phrase, best first, with scores in 0..1."""
        base_scores = self._base_scores(phrase.base)
        if not base_scores and phrase.suffix:
            # "Carla Ridge", "Vaseline Alley": the last word may belong to the name.
            joined = f"{phrase.base} {phrase.suffix.lower()}"
            base_scores = self._base_scores(joined)
        scored: list[tuple[NameKey, float]] = []
        for base, score in base_scores.items():
            keys = self.bases[base]
            top = max(keys, key=lambda k: self.names[k].prominence)
            for key in keys:
                entry = self.names[key]
                factor = _suffix_factor(key, phrase, top)
                if phrase.predir in ("N", "S") and phrase.predir not in entry.lines:
                    factor *= 0.95
                scored.append((key, score * factor))
        scored.sort(key=lambda ks: (-ks[1], -self.names[ks[0]].prominence))
        if scored:
            best = scored[0][1]
            scored = [ks for ks in scored if ks[1] >= best - 0.12]
        return scored[:limit]

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

    def locate(self, key: NameKey, number: int, predir: str | None) -> list[tuple[float, float, float, str]]:
        """(x, y, quality, display) for a house number on a street, best first."""
        entry = self.names[key]
        results: list[tuple[float, float, float, str]] = []
        ends: list[tuple[float, float, float, float, str]] = []
        for group, line in entry.lines.items():
            factor = 1.0
            if predir in ("N", "S") and group != predir:
                factor = 0.9
            elif predir is None and group == "S":
                # Nearly every north-south street in the city is numbered north of the divide.
                factor = 0.97
            for chain in line.chains:
                for x, y, q in self._locate_on_chain(chain, number):
                    results.append((x, y, q * factor, line.display))
                if not results:
                    ends += [(*end, factor, line.display) for end in self._chain_ends(chain, number)]
        if not results and ends:
            # Numbers jump by up to a hundred at cross streets, and a divided road is split
            # into pieces there, so a number just past a piece's end belongs at that end.
            gap, x, y, factor, display = min(ends)
            results.append((x, y, (0.8 - 0.002 * gap) * factor, display))
        results.sort(key=lambda r: -r[2])
        return results

    def _chain_ends(self, chain: _Chain, number: int) -> list[tuple[float, float, float]]:
        parity = number % 2
        f = chain.fields[parity]
        finite = np.nonzero(np.isfinite(f))[0]
        out = []
        for i in {int(finite[0]), int(finite[-1])} if len(finite) else ():
            gap = abs(float(f[i]) - number)
            if gap <= END_SNAP_NUMBERS:
                j = min(max(i, 1), len(f) - 1)
                out.append((gap, *_kerb_point(chain, float(chain.ms[i]), parity, float(f[j] - f[j - 1]))))
        return out

    def _locate_on_chain(self, chain: _Chain, number: int) -> list[tuple[float, float, float]]:
        exact = chain.anchor_numbers.get(number)
        if exact:
            x = sum(p[0] for p in exact) / len(exact)
            y = sum(p[1] for p in exact) / len(exact)
            return [(x, y, 1.0)]
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
            quality = 0.95 if support <= 150 else (0.9 if support <= 400 else 0.8)
            if chain.weak[i] and support > 150:
                quality -= 0.1
            out.append((*_kerb_point(chain, m, parity, float(f[i + 1] - f[i])), quality))
        return out

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

    def closest_numbered_point(self, key: NameKey, number: int) -> tuple[float, float] | None:
        """Where the street's known numbers come closest to `number` (for numbers off its ends)."""
        best: tuple[float, float, float] | None = None
        for line in self.names[key].lines.values():
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

    def nearest_number(self, x: float, y: float) -> tuple[_StreetLine, int, float, tuple[float, float]] | None:
        """Street, house number, distance and kerb point for the numbered street nearest a local point."""
        point = Point(x, y)
        best: tuple[float, int, float, int] | None = None
        for i in self.chain_tree.query(point.buffer(REVERSE_STREET_MAX_M)):
            line, chain = self.chain_list[int(i)]
            m = float(chain.line.project(point))
            px, py, nx, ny = chain.position(m)
            side = math.copysign(1.0, (x - px) * nx + (y - py) * ny)
            # The kerb the point is on decides the parity, hence which field to read.
            parity = 1 if side * chain.odd_side * chain.slope_sign(m, 1) > 0 else 0
            if not np.isfinite(chain.number_at(m, parity)):
                continue
            dist = float(chain.line.distance(point))
            if best is None or dist < best[0]:
                best = (dist, int(i), m, parity)
        if best is None:
            return None
        dist, i, m, parity = best
        line, chain = self.chain_list[i]
        value = chain.number_at(m, parity)
        number = round(value)
        if number % 2 != parity:
            number += 1 if value >= number else -1
        kerb = _kerb_point(chain, m, parity, chain.slope_sign(m, parity))
        return line, max(number, 2 - parity), dist, kerb


# --------------------------------------------------------------------------- geocoder


class Geocoder:
    """Turns typed locations into ranked candidates and points back into addresses."""

    def __init__(self, geodata: GeoData, holdout: Collection[int] = ()) -> None:
        """`holdout` lists address-point indices to leave out, so they can test the geocoder."""
        self.geodata = geodata
        self.frame = geodata.frame
        self.jurisdiction = Jurisdiction(geodata)
        self.streets = _StreetIndex(geodata, holdout)
        cx, cy = self.frame.to_xy(geodata.boundary.centroid.x, geodata.boundary.centroid.y)
        self._centre = Point(cx, cy)
        self._build_intersections()
        self._build_landmarks()
        self._build_suggestions()

    # ----------------------------------------------------------------- building

    def _build_intersections(self) -> None:
        self._corner_xy = np.array(
            [self.frame.to_xy(i.point.x, i.point.y) for i in self.geodata.intersections], dtype=float
        )
        self._corner_names: list[dict[NameKey, str]] = []
        self._corner_pairs: dict[frozenset[NameKey], list[int]] = defaultdict(list)
        for i, corner in enumerate(self.geodata.intersections):
            names: dict[NameKey, str] = {}
            for osm_name in corner.streets:
                key_group = self.streets.by_osm_name.get(osm_name)
                if key_group is None:
                    phrase = _street_phrase(osm_name)
                    if phrase is None:
                        continue
                    key_group = ((phrase.base, phrase.suffix or ""), phrase.predir or "")
                key, group = key_group
                display = self.streets.names[key].display if key in self.streets.names else osm_name
                names.setdefault(key, f"{group} {display}".strip())
            self._corner_names.append(names)
            keys = list(names)
            for a in range(len(keys)):
                for b in range(a + 1, len(keys)):
                    self._corner_pairs[frozenset((keys[a], keys[b]))].append(i)
        self._corner_tree = STRtree(shapely.points(self._corner_xy))

    def _build_landmarks(self) -> None:
        self._landmark_xy = [self.frame.to_xy(lm.point.x, lm.point.y) for lm in self.geodata.landmarks]
        self._landmark_index: list[tuple[str, frozenset[str], int]] = []
        for i, lm in enumerate(self.geodata.landmarks):
            names = {_norm(lm.name)}
            plain = _norm(re.sub(r"\(.*?\)", " ", lm.name))
            names.add(plain)
            for prefix in ("the ", "west hollywood ", "la county ", "william s "):
                rest = plain[len(prefix) :]
                # "West Hollywood Park" minus the city is just "park", which names nothing.
                if plain.startswith(prefix) and len(rest.split()) >= 2:
                    names.add(rest)
            names.update(LANDMARK_ALIASES.get(lm.id, ()))
            for alias in sorted(names):
                self._landmark_index.append((alias, frozenset(alias.split()), i))

    def _build_suggestions(self) -> None:
        entries: list[tuple[int, str]] = []
        seen: set[str] = set()
        for lm in self.geodata.landmarks:
            entries.append((0, lm.name))
        self._street_keys: dict[str, NameKey] = {}
        for entry in sorted(self.streets.names.values(), key=lambda e: -e.prominence):
            if entry.display not in seen:
                seen.add(entry.display)
                self._street_keys[entry.display] = entry.key
                entries.append((1 if entry.in_city else 3, entry.display))
        for corner, names in zip(self.geodata.intersections, self._corner_names, strict=True):
            label = " & ".join(names.values())
            if len(names) >= 2 and label not in seen:
                seen.add(label)
                entries.append((2 if corner.in_city else 4, label))
        self._suggest_entries = entries
        index: list[tuple[str, int, int]] = []
        for n, (_, text) in enumerate(entries):
            norm = _norm(text)
            starts = [0] + [m.end() for m in re.finditer(r"[ &]+", norm)]
            for k, start in enumerate(starts):
                if start < len(norm):
                    index.append((norm[start:], k, n))
        index.sort()
        self._suggest_keys = [row[0] for row in index]
        self._suggest_rows = index

    # ----------------------------------------------------------------- forward

    def geocode(self, text: str, limit: int = 5) -> list[Candidate]:
        """Ranked candidates for a typed location; [] when nothing plausible matches."""
        if not text or not text.strip() or limit <= 0:
            return []
        parsed = _parse(text)
        if not parsed.parts or (parsed.number is None and _is_locality(parsed.whole)):
            # "West Hollywood, CA" names the whole city, not a place in it.
            return []
        hits: list[_Hit] = []
        if len(parsed.parts) >= 2:
            hits += self._intersections(parsed.parts)
        elif parsed.number is not None:
            hits += self._addresses(parsed.number, parsed.parts[0])
        else:
            hits += self._streets(parsed.parts[0])
        hits += self._landmarks(parsed.whole)
        return [self._finish(h) for h in _rank(hits)[:limit]]

    def _addresses(self, number: int, text: str) -> list[_Hit]:
        phrase = _street_phrase(text)
        if phrase is None:
            return []
        hits = []
        for key, score in self.streets.resolve(phrase):
            located = self.streets.locate(key, number, phrase.predir)
            for x, y, quality, display in located:
                hits.append(_Hit(x, y, f"{number} {display}", score * quality, "address"))
            if not located:
                # The number is outside every known range; the street is still a useful hint,
                # placed where its numbers come closest.
                xy = self.streets.closest_numbered_point(key, number)
                x, y = xy if xy is not None else self.streets.street_point(key, self._centre)
                hits.append(_Hit(x, y, self.streets.names[key].display, score * STREET_FALLBACK, "street"))
        return hits

    def _streets(self, text: str, weight: float = STREET_ONLY) -> list[_Hit]:
        phrase = _street_phrase(text)
        if phrase is None:
            return []
        hits = []
        for key, score in self.streets.resolve(phrase, limit=3):
            x, y = self.streets.street_point(key, self._centre)
            hits.append(_Hit(x, y, self.streets.names[key].display, score * weight, "street"))
        return hits

    def _intersections(self, parts: Sequence[str]) -> list[_Hit]:
        resolved = []
        for part in parts[:3]:
            phrase = _street_phrase(part)
            resolved.append(self.streets.resolve(phrase, limit=3) if phrase else [])
        hits: list[_Hit] = []
        for key_a, score_a in resolved[0]:
            for key_b, score_b in resolved[1]:
                if key_a == key_b:
                    continue
                corners = self._corner_pairs.get(frozenset((key_a, key_b)), [])
                for extra in resolved[2:]:
                    wanted = {k for k, _ in extra}
                    corners = [c for c in corners if wanted & set(self._corner_names[c])]
                score = score_a * score_b
                for cluster in self._cluster(corners):
                    xy = self._corner_xy[cluster].mean(axis=0)
                    names = self._corner_names[cluster[0]]
                    keys = [key_a, key_b] + [k for extra in resolved[2:] for k, _ in extra[:1] if k in names]
                    label = " & ".join(names[k] for k in dict.fromkeys(keys))
                    hits.append(_Hit(float(xy[0]), float(xy[1]), label, 0.98 * score, "intersection"))
        if not hits:
            # Streets that do not meet (or one unknown name): offer the streets themselves.
            for part in parts[:2]:
                hits += self._streets(part, STREET_FALLBACK)
        return hits

    def _cluster(self, corners: Sequence[int]) -> list[list[int]]:
        clusters: list[list[int]] = []
        for c in corners:
            for cluster in clusters:
                if np.hypot(*(self._corner_xy[cluster[0]] - self._corner_xy[c])) <= CORNER_CLUSTER_M:
                    cluster.append(c)
                    break
            else:
                clusters.append([c])
        return clusters

    def _landmarks(self, text: str) -> list[_Hit]:
        if len(text) < 3:
            return []
        best: dict[int, float] = {}
        tokens = frozenset(text.split())
        for alias, alias_tokens, i in self._landmark_index:
            score = _landmark_score(text, tokens, alias, alias_tokens)
            if score > best.get(i, 0.0):
                best[i] = score
        hits = []
        for i, score in best.items():
            if score >= LANDMARK_MIN_SCORE:
                x, y = self._landmark_xy[i]
                hits.append(_Hit(x, y, self.geodata.landmarks[i].name, score, "landmark"))
        return hits

    def _finish(self, hit: _Hit) -> Candidate:
        lon, lat = self.frame.to_lonlat(hit.x, hit.y)
        return Candidate(
            lat=float(lat),
            lon=float(lon),
            label=hit.label,
            confidence=float(min(1.0, max(0.0, hit.confidence))),
            in_city=self.jurisdiction.contains(lat, lon),
            zone=self.jurisdiction.zone_at(lat, lon),
            kind=hit.kind,
        )

    # ----------------------------------------------------------------- reverse

    def reverse(self, lat: float, lon: float) -> ReverseResult:
        """The nearest street address and the nearest intersection to a point."""
        x, y = self.frame.to_xy(lon, lat)
        address: Candidate | None = None
        distance: float | None = None
        found = self.streets.nearest_number(float(x), float(y))
        if found is not None:
            line, number, distance, (kx, ky) = found
            confidence = max(0.1, 1.0 - distance / REVERSE_STREET_MAX_M)
            address = self._finish(_Hit(kx, ky, f"{number} {line.display}", confidence, "address"))
        intersection: Candidate | None = None
        hit = self._corner_tree.query_nearest(Point(x, y), max_distance=REVERSE_INTERSECTION_MAX_M)
        if len(hit):
            i = int(hit[0])
            cx, cy = self._corner_xy[i]
            d = float(math.hypot(cx - x, cy - y))
            label = " & ".join(self._corner_names[i].values()) or self.geodata.intersections[i].label
            confidence = max(0.1, 1.0 - d / REVERSE_INTERSECTION_MAX_M)
            intersection = self._finish(_Hit(float(cx), float(cy), label, confidence, "intersection"))
        return ReverseResult(address=address, intersection=intersection, address_distance_m=distance)

    # ----------------------------------------------------------------- suggest

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Completions for a partly typed location: landmarks, streets and corners."""
        text = _norm(prefix)
        if not text or limit <= 0:
            return []
        match = re.match(r"^(\d+)\s+(.+)$", text)
        if match:
            number, rest = match.groups()
            out = []
            for name in self._complete(rest, limit * 4):
                key = self._street_keys.get(name)
                # Only streets that actually carry this number are worth offering.
                if key is not None and self.streets.locate(key, int(number), None):
                    out.append(f"{number} {name}")
            return out[:limit]
        parts = _SEPARATOR_RE.split(text)
        if len(parts) >= 2 and parts[0]:
            return self._complete_corner(parts[0], parts[-1], limit)
        return self._complete(text, limit)

    def _complete(self, text: str, limit: int) -> list[str]:
        expanded = " ".join(_expand_tokens(text.split())) + (" " if text.endswith(" ") else "")
        lo = bisect.bisect_left(self._suggest_keys, expanded)
        ranked: dict[int, tuple[int, int, int]] = {}
        for k in range(lo, len(self._suggest_keys)):
            if not self._suggest_keys[k].startswith(expanded):
                break
            _, word, n = self._suggest_rows[k]
            rank = (min(word, 1), self._suggest_entries[n][0], len(self._suggest_entries[n][1]))
            if n not in ranked or rank < ranked[n]:
                ranked[n] = rank
        order = sorted(ranked, key=lambda n: (ranked[n], self._suggest_entries[n][1]))
        return [self._suggest_entries[n][1] for n in order[:limit]]

    def _complete_corner(self, first: str, second: str, limit: int) -> list[str]:
        phrase = _street_phrase(first)
        if phrase is None:
            return []
        second = " ".join(_expand_tokens(second.split()))
        out: list[str] = []
        for key, _ in self.streets.resolve(phrase, limit=2):
            others: dict[str, bool] = {}
            for pair, corners in self._corner_pairs.items():
                if key not in pair or len(pair) != 2:
                    continue
                (other,) = pair - {key}
                names = self._corner_names[corners[0]]
                other_name = names[other]
                plain = _norm(self.streets.names[other].display) if other in self.streets.names else _norm(other_name)
                if not second or plain.startswith(second) or _norm(other_name).startswith(second):
                    label = f"{names[key]} & {other_name}"
                    others[label] = any(self.geodata.intersections[c].in_city for c in corners)
            out += sorted(others, key=lambda s: (not others[s], s))
        return out[:limit]


def _landmark_score(text: str, tokens: frozenset[str], alias: str, alias_tokens: frozenset[str]) -> float:
    if text == alias:
        return 1.0
    ratio = fuzz.ratio(text, alias) / 100.0
    if tokens <= alias_tokens:
        # Every typed word is in the name: strong, but weaker for a small part of a long name.
        return max(ratio, 0.5 + 0.4 * len(text) / len(alias))
    if alias_tokens <= tokens and len(alias) >= 4:
        # The name plus extra words ("the abbey on robertson").
        return max(ratio, 0.75 + 0.2 * len(alias) / len(text))
    return ratio if ratio >= 0.8 else 0.0


def _rank(hits: list[_Hit]) -> list[_Hit]:
    hits = sorted(hits, key=lambda h: (-h.confidence, KIND_ORDER.get(h.kind, 9)))
    kept: list[_Hit] = []
    for h in hits:
        if any(k.kind == h.kind and math.hypot(k.x - h.x, k.y - h.y) < DEDUPE_M for k in kept):
            continue
        kept.append(h)
    return kept


@lru_cache(maxsize=1)
def default_geocoder() -> Geocoder:
    """The geocoder for the default jurisdiction pack, built once."""
    return Geocoder(load_geodata())

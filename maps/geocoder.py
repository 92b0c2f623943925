"""Offline forward and reverse geocoding: typed locations to ranked, honestly labelled candidates.

`maps.address_text` reads the typed text, `maps.street_index` places house numbers on streets; this
module adds corners and landmarks, ranks everything and says what each answer is: a known address,
an interpolated one, the middle of a range or a block, a street, a corner, a landmark or a spot near one.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from rapidfuzz import fuzz
from shapely.geometry import Point
from shapely.strtree import STRtree

from maps.address_text import ParsedLocation, expand, normalise, parse_location, street_phrase
from maps.geodata import GeoData, default_geo_dir, load_geodata
from maps.jurisdiction import Jurisdiction
from maps.street_index import REVERSE_STREET_MAX_M, Located, NameKey, StreetIndex

# Candidates of one kind closer than this are the same place.
DEDUPE_M = 40.0
# Intersection nodes of one street pair closer than this are one corner (divided roads).
CORNER_CLUSTER_M = 80.0
REVERSE_ADDRESS_LABEL_M = 60.0
REVERSE_INTERSECTION_MAX_M = 600.0
# Confidence weights for answers that are only a street, not a point on it.
STREET_ONLY = 0.85
STREET_FALLBACK = 0.5
CORNER_QUALITY = 0.98
# A range's middle and a block's middle stand for a frontage, not a door.
RANGE_QUALITY = 0.8
BLOCK_QUALITY = 0.75
# "Near" or "across from" a place: the caller is somewhere around it.
NEAR_FACTOR = 0.8
LANDMARK_MIN_SCORE = 0.62
# Kinds, best first when confidences tie.
KIND_ORDER = {
    "address": 0,
    "interpolated address": 1,
    "address range": 2,
    "block": 3,
    "intersection": 4,
    "landmark": 5,
    "street": 6,
}
SPELLING_NOTE = "spelling corrected"


@dataclass(frozen=True)
class Candidate:
    """One geocoding answer.

    `kind` says what the point is: "address" (a known address point), "interpolated address",
    "address range" (the middle of both ends), "block" (the middle of a block), "intersection",
    "landmark" or "street"; "near …" when the caller is near it rather than at it, and ", spelling
    corrected" when a street or place name was matched despite a misspelling. The label says the same.
    """

    lat: float
    lon: float
    label: str
    confidence: float
    in_city: bool
    zone: str | None
    kind: str
    unit: str | None = None
    note: str | None = None

    @property
    def base_kind(self) -> str:
        """The kind without "near" or the spelling remark: "interpolated address", "landmark"…"""
        kind = self.kind.split(",")[0]
        return kind[5:] if kind.startswith("near ") else kind

    def to_json(self) -> dict[str, Any]:
        return {
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "label": self.label,
            "confidence": round(self.confidence, 3),
            "in_city": self.in_city,
            "zone": self.zone,
            "kind": self.kind,
            "unit": self.unit,
            "note": self.note,
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
    spelled: bool = True  # every name matched as typed


class Geocoder:
    """Turns typed locations into ranked candidates and points back into addresses."""

    def __init__(self, geodata: GeoData, holdout: Collection[int] = ()) -> None:
        """`holdout` lists address-point indices to leave out, so they can test the geocoder."""
        self.geodata = geodata
        self.names = geodata.names
        self.frame = geodata.frame
        self.jurisdiction = Jurisdiction(geodata)
        self.streets = StreetIndex(geodata, holdout)
        cx, cy = self.frame.to_xy(geodata.boundary.centroid.x, geodata.boundary.centroid.y)
        self._centre = Point(cx, cy)
        self._build_intersections()
        self._build_landmarks()
        self._build_suggestions()

    # ----------------------------------------------------------------- building

    def _build_intersections(self) -> None:
        self._corner_xy = np.array(
            [self.frame.to_xy(i.point.x, i.point.y) for i in self.geodata.intersections], dtype=float
        ).reshape(-1, 2)
        self._corner_names: list[dict[NameKey, str]] = []
        self._corner_pairs: dict[frozenset[NameKey], list[int]] = defaultdict(list)
        for i, corner in enumerate(self.geodata.intersections):
            names: dict[NameKey, str] = {}
            for osm_name in corner.streets:
                key_group = self.streets.by_osm_name.get(osm_name)
                if key_group is None:
                    phrase = street_phrase(osm_name)
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
            aliases = {normalise(lm.name)}
            plain = normalise(re.sub(r"\(.*?\)", " ", lm.name))
            aliases.add(plain)
            for prefix in self.names.landmark_prefixes:
                rest = plain[len(prefix) + 1 :]
                # A name minus a prefix must still name something: "... Park" alone does not.
                if plain.startswith(prefix + " ") and len(rest.split()) >= 2:
                    aliases.add(rest)
            aliases.update(self.names.landmarks.get(lm.id, ()))
            for alias in sorted(aliases):
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
            norm = normalise(text)
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
        parsed = parse_location(text, self.names)
        if parsed.names_only_locality:
            # "West Hollywood, CA" names the whole city, not a place in it.
            return []
        hits: list[_Hit] = []
        if parsed.corner:
            hits += self._intersections(parsed.corner)
        elif parsed.number is not None and parsed.street is not None:
            hits += self._addresses(parsed)
        elif parsed.street is not None:
            hits += self._streets(parsed)
        # Places too, unless an address was found on a street spelled as typed: a number before a park's
        # name ("100 Havenhurst Park") is the park, not a street the name only resembles.
        if parsed.number is None or parsed.street is None or not any(h.spelled for h in hits):
            hits += self._landmarks(parsed.place_text)
        ranked = _rank([_labelled(h, parsed) for h in hits])
        return [self._finish(h, parsed) for h in ranked[:limit]]

    def _addresses(self, parsed: ParsedLocation) -> list[_Hit]:
        assert parsed.street is not None and parsed.number is not None
        phrase = parsed.street
        hits: list[_Hit] = []
        for key, score, spelled in self.streets.resolve(phrase):
            if parsed.block:
                hits += self._block(key, parsed.number, phrase.predir, score, spelled)
                continue
            if parsed.number_to is not None:
                hits += self._range(key, parsed.number, parsed.number_to, phrase.predir, score, spelled)
                continue
            located = self.streets.locate(key, parsed.number, phrase.predir)
            for place in located:
                kind = "address" if place.exact else "interpolated address"
                label = f"{parsed.number_text} {place.display}"
                hits.append(_Hit(place.x, place.y, label, score * place.quality, kind, spelled))
            if not located:
                hits.append(self._street_fallback(key, parsed.number, phrase.predir, score, spelled))
        return hits

    def _range(self, key: NameKey, low: int, high: int, predir: str | None, score: float, spelled: bool) -> list[_Hit]:
        """ "8560 & 8590 Sunset": the middle of both ends; one end alone when the other is unknown."""
        first = self.streets.locate(key, low, predir)
        last = self.streets.locate(key, high, predir)
        ends = [r[0] for r in (first, last) if r]
        if not ends:
            return [self._street_fallback(key, low, predir, score, spelled)]
        x = sum(e.x for e in ends) / len(ends)
        y = sum(e.y for e in ends) / len(ends)
        quality = min(RANGE_QUALITY, *(e.quality for e in ends)) * (1.0 if len(ends) == 2 else 0.8)
        label = f"{low}\u2013{high} {ends[0].display} (middle)"
        return [_Hit(x, y, label, score * quality, "address range", spelled)]

    def _block(self, key: NameKey, hundred: int, predir: str | None, score: float, spelled: bool) -> list[_Hit]:
        """ "8500 block of Sunset": the middle of the block, between both kerbs."""
        found = self.streets.centre_point(key, hundred + 50, predir)
        if found is None:
            return [self._street_fallback(key, hundred, predir, score, spelled)]
        x, y, display = found
        return [_Hit(x, y, f"{hundred} block of {display}", score * BLOCK_QUALITY, "block", spelled)]

    def _street_fallback(self, key: NameKey, number: int, predir: str | None, score: float, spelled: bool) -> _Hit:
        # The number is outside every known range; the street is still a useful hint,
        # placed where its numbers come closest.
        lines = self.streets.lines_for(key, predir) or list(self.streets.names[key].lines.values())
        xy = self.streets.closest_numbered_point(key, number, lines)
        x, y = xy if xy is not None else self.streets.street_point(key, self._centre)
        display = lines[0].display if len(lines) == 1 else self.streets.names[key].display
        return _Hit(x, y, display, score * STREET_FALLBACK, "street", spelled)

    def _streets(self, parsed: ParsedLocation, weight: float = STREET_ONLY) -> list[_Hit]:
        assert parsed.street is not None
        return self._street_hits(parsed.street.base, parsed.street.predir, parsed.street.suffix, weight)

    def _street_hits(self, base: str, predir: str | None, suffix: str | None, weight: float) -> list[_Hit]:
        phrase = street_phrase(" ".join(p for p in (predir, base, suffix) if p))
        if phrase is None:
            return []
        hits = []
        for key, score, spelled in self.streets.resolve(phrase, limit=3):
            x, y = self.streets.street_point(key, self._centre)
            hits.append(_Hit(x, y, self.streets.names[key].display, score * weight, "street", spelled))
        return hits

    def _intersections(self, parts: Sequence[str]) -> list[_Hit]:
        resolved = []
        for part in parts[:3]:
            phrase = street_phrase(part)
            resolved.append(self.streets.resolve(phrase, limit=3) if phrase else [])
        hits: list[_Hit] = []
        for key_a, score_a, spelled_a in resolved[0]:
            for key_b, score_b, spelled_b in resolved[1]:
                if key_a == key_b:
                    continue
                corners = self._corner_pairs.get(frozenset((key_a, key_b)), [])
                for extra in resolved[2:]:
                    wanted = {k for k, _, _ in extra}
                    corners = [c for c in corners if wanted & set(self._corner_names[c])]
                score = score_a * score_b
                for cluster in self._cluster(corners):
                    xy = self._corner_xy[cluster].mean(axis=0)
                    names = self._corner_names[cluster[0]]
                    keys = [key_a, key_b] + [k for extra in resolved[2:] for k, _, _ in extra[:1] if k in names]
                    label = " & ".join(names[k] for k in dict.fromkeys(keys))
                    hits.append(
                        _Hit(
                            float(xy[0]),
                            float(xy[1]),
                            label,
                            CORNER_QUALITY * score,
                            "intersection",
                            spelled_a and spelled_b,
                        )
                    )
        if not hits:
            # Streets that do not meet (or one unknown name): offer the streets themselves.
            for part in parts[:2]:
                phrase = street_phrase(part)
                if phrase is not None:
                    hits += self._street_hits(phrase.base, phrase.predir, phrase.suffix, STREET_FALLBACK)
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
        text = " ".join(expand(text.split(), self.names))
        if len(text) < 3:
            return []
        best: dict[int, tuple[float, bool]] = {}
        tokens = frozenset(text.split())
        for alias, alias_tokens, i in self._landmark_index:
            score, exact = _landmark_score(text, tokens, alias, alias_tokens)
            if score > best.get(i, (0.0, False))[0]:
                best[i] = (score, exact)
        hits = []
        for i, (score, exact) in best.items():
            if score >= LANDMARK_MIN_SCORE:
                x, y = self._landmark_xy[i]
                hits.append(_Hit(x, y, self.geodata.landmarks[i].name, score, "landmark", exact))
        return hits

    def _finish(self, hit: _Hit, parsed: ParsedLocation | None = None) -> Candidate:
        lon, lat = self.frame.to_lonlat(hit.x, hit.y)
        return Candidate(
            lat=float(lat),
            lon=float(lon),
            label=hit.label,
            confidence=float(min(1.0, max(0.0, hit.confidence))),
            in_city=self.jurisdiction.contains(lat, lon),
            zone=self.jurisdiction.zone_at(lat, lon),
            kind=hit.kind,
            unit=parsed.unit if parsed else None,
            note=parsed.note if parsed else None,
        )

    # ----------------------------------------------------------------- reverse

    def reverse(self, lat: float, lon: float) -> ReverseResult:
        """The nearest street address (within 150 m) and the nearest intersection (within 600 m)."""
        x, y = self.frame.to_xy(lon, lat)
        address: Candidate | None = None
        distance: float | None = None
        found = self.streets.nearest_number(float(x), float(y))
        if found is not None:
            line, number, distance, (kx, ky) = found
            confidence = max(0.1, 1.0 - distance / REVERSE_STREET_MAX_M)
            address = self._finish(_Hit(kx, ky, f"{number} {line.display}", confidence, "interpolated address"))
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
        text = normalise(prefix)
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
        parts = re.split(r"\s*(?:&|/|@|\+)\s*|\s+(?:and|at|x)\s+", text)
        if len(parts) >= 2 and parts[0]:
            return self._complete_corner(parts[0], parts[-1], limit)
        return self._complete(text, limit)

    def _complete(self, text: str, limit: int) -> list[str]:
        expanded = " ".join(expand(text.split(), self.names)) + (" " if text.endswith(" ") else "")
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
        phrase = street_phrase(" ".join(expand(first.split(), self.names)))
        if phrase is None:
            return []
        second = " ".join(expand(second.split(), self.names))
        out: list[str] = []
        for key, _, _ in self.streets.resolve(phrase, limit=2):
            others: dict[str, bool] = {}
            for pair, corners in self._corner_pairs.items():
                if key not in pair or len(pair) != 2:
                    continue
                (other,) = pair - {key}
                names = self._corner_names[corners[0]]
                other_name = names[other]
                plain = normalise(self.streets.names[other].display) if other in self.streets.names else ""
                if not second or plain.startswith(second) or normalise(other_name).startswith(second):
                    label = f"{names[key]} & {other_name}"
                    others[label] = any(self.geodata.intersections[c].in_city for c in corners)
            out += sorted(others, key=lambda s: (not others[s], s))
        return out[:limit]


def _labelled(hit: _Hit, parsed: ParsedLocation) -> _Hit:
    """Relation words and spelling corrections said in the kind, the label and the confidence."""
    label, kind, confidence = hit.label, hit.kind, hit.confidence
    if not hit.spelled:
        label, kind = f"{label} ({SPELLING_NOTE})", f"{kind}, {SPELLING_NOTE}"
    if parsed.relation:
        label, kind, confidence = f"{parsed.relation} {label}", f"near {kind}", confidence * NEAR_FACTOR
    if parsed.unit and kind.split(",")[0].endswith(("address", "range")):
        label = f"{label}, {parsed.unit}"
    return replace(hit, label=label, kind=kind, confidence=confidence)


def _landmark_score(text: str, tokens: frozenset[str], alias: str, alias_tokens: frozenset[str]) -> tuple[float, bool]:
    """(score, spelled as a name the landmark has) for typed text against one landmark name."""
    if text == alias:
        return 1.0, True
    ratio = fuzz.ratio(text, alias) / 100.0
    if tokens <= alias_tokens:
        # Every typed word is in the name: strong, but weaker for a small part of a long name.
        return max(ratio, 0.5 + 0.4 * len(text) / len(alias)), True
    if alias_tokens <= tokens and len(alias) >= 4:
        # The name plus extra words ("the abbey on robertson").
        return max(ratio, 0.75 + 0.2 * len(alias) / len(text)), True
    return (ratio, False) if ratio >= 0.8 else (0.0, False)


def _rank(hits: list[_Hit]) -> list[_Hit]:
    hits = sorted(hits, key=lambda h: (-h.confidence, KIND_ORDER.get(h.kind.split(",")[0], 9)))
    kept: list[_Hit] = []
    for h in hits:
        if any(k.kind == h.kind and math.hypot(k.x - h.x, k.y - h.y) < DEDUPE_M for k in kept):
            continue
        kept.append(h)
    return kept


def geocoder_for(geo_dir: Path | None = None) -> Geocoder:
    """The geocoder for the pack whose geo folder is `geo_dir` (the default pack's when None), built once."""
    return _geocoder_for(Path(geo_dir or default_geo_dir()).resolve())


@lru_cache(maxsize=4)
def _geocoder_for(geo_dir: Path) -> Geocoder:
    return Geocoder(load_geodata(geo_dir))


def default_geocoder() -> Geocoder:
    """The geocoder for the default jurisdiction pack, built once."""
    return geocoder_for()


__all__ = ["Candidate", "Geocoder", "Located", "ReverseResult", "default_geocoder", "geocoder_for"]

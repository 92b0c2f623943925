"""What people call places in one jurisdiction: the pack's city names, abbreviations and landmark aliases."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAMES_FILE = "names.toml"


class PlaceNamesError(ValueError):
    """The pack's names file is unreadable or has an entry of the wrong shape."""


@dataclass(frozen=True)
class PlaceNames:
    """Local vocabulary the geocoder reads from the pack (all lower case).

    `city` names the jurisdiction itself ("west hollywood", "weho"); `neighbours` the places around it
    that people add to an address ("beverly hills"); `state` the state's names ("ca", "california").
    `abbreviations` rewrites whole typed words ("smb" -> "santa monica blvd"); `landmarks` adds names
    for landmark ids; `landmark_prefixes` are words a landmark's name may be typed without.
    """

    city: tuple[str, ...] = ()
    neighbours: tuple[str, ...] = ()
    state: tuple[str, ...] = ()
    abbreviations: dict[str, str] = field(default_factory=dict)
    landmarks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    landmark_prefixes: tuple[str, ...] = ()

    @property
    def localities(self) -> tuple[str, ...]:
        """Every place name that may end an address: the city first, then its neighbours."""
        return self.city + self.neighbours


def load_place_names(geo_dir: Path) -> PlaceNames:
    """The names file of a pack's geo folder; a pack without one gets no local vocabulary."""
    path = geo_dir / NAMES_FILE
    if not path.exists():
        return PlaceNames()
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlaceNamesError(f"{path}: not valid TOML ({exc})") from exc
    places = _table(path, raw, "places")
    landmarks = _table(path, raw, "landmarks")
    return PlaceNames(
        city=_words(path, places, "city"),
        neighbours=_words(path, places, "neighbours"),
        state=_words(path, places, "state"),
        abbreviations={k.lower(): str(v).lower() for k, v in _table(path, raw, "abbreviations").items()},
        landmarks={k: _words(path, landmarks, k) for k in landmarks if k != "prefixes"},
        landmark_prefixes=_words(path, landmarks, "prefixes"),
    )


def _table(path: Path, raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise PlaceNamesError(f"{path}: [{key}] must be a table")
    return value


def _words(path: Path, table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PlaceNamesError(f"{path}: {key} must be a list of names")
    return tuple(" ".join(v.lower().split()) for v in value)

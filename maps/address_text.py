"""Reading a typed location: annotations, ranges, blocks, units, landmarks and the street address itself.

People write locations in many shapes: "8969 Santa Monica Boulevard (Pavilions)", "8560 & 8590 Sunset",
"santa monca blvd 8500", "8500 block of Sunset", "1000 N Kings Rd Apt 4", "across from the Abbey",
"8300 Santa Monica Blvd, West Hollywood, CA 90069". Notes, relations, corners, ranges, blocks, units and
the city, state and ZIP come off first; what is left is a house number and a street, split into
directional, name, type and post-directional. (`usaddress` was tried for that last step and read every
test and hold-out address exactly as these rules do, at a third of the time budget: see the README.)
Matching the street name to the jurisdiction's streets happens in `maps.street_index`; this module
knows no street list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from maps.place_names import PlaceNames

# Street types by the words people type for them (USPS abbreviations plus common slips).
STREET_TYPES = {
    "blvd": "Blvd", "boulevard": "Blvd", "bl": "Blvd", "blv": "Blvd", "bvd": "Blvd", "boul": "Blvd",
    "ave": "Ave", "av": "Ave", "avenue": "Ave", "aven": "Ave", "avn": "Ave",
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
    "pkwy": "Pkwy", "parkway": "Pkwy",
    "hwy": "Hwy", "highway": "Hwy",
}  # fmt: skip
# Words a misspelled type is compared with ("bouelvard", "avnue", "stret", "bvld").
_TYPE_SPELLINGS = tuple(word for word in STREET_TYPES if len(word) >= 3)
DIRECTIONS = {"n": "N", "north": "N", "s": "S", "south": "S", "e": "E", "east": "E", "w": "W", "west": "W"}
# Abbreviations that mean the same anywhere; the pack adds the city's own (names.toml).
COMMON_ABBREVIATIONS = {
    "sta": "santa",
    "snta": "santa",
    "mt": "mount",
    "hts": "heights",
    "hgts": "heights",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
}
UNIT_TYPES = {
    "apt": "Apt", "apartment": "Apt", "unit": "Unit", "suite": "Suite", "ste": "Suite", "room": "Room",
    "rm": "Room", "floor": "Floor", "fl": "Floor", "bldg": "Bldg", "building": "Bldg", "space": "Space",
    "spc": "Space", "lot": "Lot",
}  # fmt: skip
# Words that place the caller relative to somewhere rather than at it, longest first.
RELATIONS = (
    "across the street from",
    "across from",
    "in front of",
    "on the corner of",
    "next to",
    "outside of",
    "outside",
    "opposite",
    "behind",
    "near",
)
# A range's two ends further apart than this are two unrelated numbers, not one frontage.
MAX_RANGE_SPAN = 400

_UNIT_WORDS = "|".join(sorted(UNIT_TYPES, key=len, reverse=True))
_UNIT_RE = re.compile(
    rf"(?:^|\s)(#\s*[\w-]+|(?:{_UNIT_WORDS})\.?\s*#?\s*\d[\w-]*|(?:{_UNIT_WORDS})\.?\s+[a-z])(?=\s|$)"
)
_PARENS_RE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_DASH_RE = re.compile(r"\s+[-\u2013\u2014]+\s+|\s*[\u2013\u2014]\s*")
_ZIP_RE = re.compile(r"(?:^|\s)(\d{5}(?:-\d{4})?)$")
_CORNER_SPLIT_RE = re.compile(r"\s*(?:&|/|@|\+)\s*|\s+(?:and|at|x)\s+")
_CORNER_LEAD_RE = re.compile(r"^(?:the\s+)?(?:corner|intersection)\s+of\s+")
_RANGE_RE = re.compile(r"^(\d{1,6})\s*(?:&|and|-|\u2013|to|thru|through)\s*(\d{1,6})\s+(?=[a-z#])(.+)$")
_BLOCK_RE = re.compile(r"^(?:the\s+)?(\d{1,6})\s+(?:block|blk)s?\.?\s*(?:of\s+)?(.+)$")
_NUMBER_RE = re.compile(r"^(\d{1,6})(\s*1/2|[a-z](?=\s)|-[a-z0-9]{1,3}(?=\s))?\s+(.+)$")
# Words without digits or corner signs, then the number. The words must hold a letter: checked apart,
# because a pattern that says so itself backtracks quadratically on a long run of letters.
_TRAILING_NUMBER_RE = re.compile(r"^([^\d&/@+]+?)\s+#?(\d{2,6})$")
# Road names that end in a number ("Route 66") keep it.
_SEPARATOR_WORDS = frozenset({"&", "/", "@", "+", "#", "and", "at", "x"})
_NUMBERED_ROADS = ("route", "highway", "hwy", "interstate", "state route", "sr", "us", "county road")


@dataclass(frozen=True)
class StreetPhrase:
    """A street as typed: directional, name and type, each normalised; None where not typed."""

    predir: str | None
    base: str
    suffix: str | None
    postdir: str | None = None


@dataclass(frozen=True)
class ParsedLocation:
    """What a typed location says, part by part."""

    place_text: str  # normalised text to match against landmark names (notes and units removed)
    number: int | None = None
    number_text: str = ""  # the house number as typed ("1234", "1234A", "1234 1/2")
    number_to: int | None = None  # the other end of a range ("8560 & 8590")
    block: bool = False  # "8500 block of Sunset"
    street: StreetPhrase | None = None
    corner: tuple[str, ...] = ()  # two or three street names meeting at a corner
    unit: str | None = None  # "Apt 4", "#4", "Suite 200": kept, not part of the street
    notes: tuple[str, ...] = ()  # annotations in parentheses or after a dash, as typed
    relation: str | None = None  # "near", "across from", ...
    locality: str | None = None  # a city, state or ZIP typed after the address
    names_only_locality: bool = False  # the text is only a city, state or ZIP

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation other than corner separators and # to spaces."""
    text = text.lower().replace("\u2019", "").replace("'", "").replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"[^\w\s&/@+#-]", " ", text).replace("_", " ")
    return " ".join(text.split())


def expand(words: list[str], names: PlaceNames) -> list[str]:
    """Whole-word abbreviations rewritten, the pack's first ("smb" -> "santa monica blvd")."""
    out: list[str] = []
    for word in words:
        out.extend(names.abbreviations.get(word, COMMON_ABBREVIATIONS.get(word, word)).split())
    return out


def street_type(word: str) -> str | None:
    """The standard type for a typed street-type word, tolerating one slip ("bouelvard", "avnue")."""
    word = word.strip(".").lower()
    if word in STREET_TYPES:
        return STREET_TYPES[word]
    return _type_typo(word)


@lru_cache(maxsize=4096)
def _type_typo(word: str) -> str | None:
    if len(word) < 3 or not word.isalpha():
        return None
    # One slip (a swapped, missing or wrong letter: "bvld", "avnue") in a short word, two in a long one.
    allowed = 1 if len(word) <= 6 else 2
    found = process.extractOne(word, _TYPE_SPELLINGS, scorer=OSA.distance, score_cutoff=allowed)
    return STREET_TYPES[found[0]] if found else None


def parse_location(text: str, names: PlaceNames) -> ParsedLocation:
    """Split typed text into the parts the geocoder looks up; never raises on odd input."""
    raw = " ".join(text.replace("\u2019", "'").split())
    raw, notes = _take_parentheses(raw)
    raw, more = _take_dash_notes(raw)
    notes += more
    body, locality, unit, more = _split_commas(raw, names)
    notes += more
    body = normalise(body)
    body, found_unit = _take_unit(body)
    unit = unit or found_unit
    body, tail_locality = _take_locality_suffix(body, names)
    locality = locality or tail_locality
    relation = None
    for word in RELATIONS:
        if body.startswith(word + " "):
            relation, body = ("at the corner of" if word == "on the corner of" else word), body[len(word) + 1 :]
            break
    body = _CORNER_LEAD_RE.sub("", body)
    words = expand(body.split(), names)
    body = " ".join(words)
    base = ParsedLocation(
        place_text=" ".join(w for w in words if w not in _SEPARATOR_WORDS),
        unit=unit,
        notes=tuple(notes),
        relation=relation,
        locality=locality,
    )
    if not body:
        return replace(base, names_only_locality=locality is not None)
    if _is_locality(body, names):
        return replace(base, names_only_locality=relation is None and unit is None)
    return _parse_body(body, base, names)


def _parse_body(body: str, base: ParsedLocation, names: PlaceNames) -> ParsedLocation:
    match = _RANGE_RE.match(body)
    if match:
        low, high = sorted((int(match.group(1)), int(match.group(2))))
        street = _street_words(match.group(3))
        if high - low <= MAX_RANGE_SPAN:
            return replace(
                base, number=low, number_to=high, number_text=f"{low}\u2013{high}", street=street_phrase(street)
            )
        # Ends too far apart to be one frontage ("9000-9999 Santa Monica"): the street is all they place.
        return replace(base, street=street_phrase(street))
    match = _BLOCK_RE.match(body)
    if match:
        hundred = int(match.group(1)) // 100 * 100
        return replace(base, number=hundred, number_text=str(hundred), block=True, street=street_phrase(match.group(2)))
    half = _NUMBER_RE.match(body)
    if half and "1/2" in (half.group(2) or ""):
        return _number_first(body, base)  # "1234 1/2 N Kings Rd": the slash is not a corner
    parts = [p for p in _CORNER_SPLIT_RE.split(body) if p]
    if len(parts) >= 2:
        # "8300 Santa Monica at La Cienega": the corner decides; the number says which side.
        first = _NUMBER_RE.match(parts[0])
        streets = [first.group(3) if first else parts[0], *parts[1:]]
        return replace(base, corner=tuple(_street_words(p) for p in streets[:3]))
    match = _NUMBER_RE.match(body)
    if match:
        return _number_first(body, base)
    match = _trailing_number(body)
    if match and not match.group(1).endswith(_NUMBERED_ROADS):
        number = int(match.group(2))
        return replace(base, number=number, number_text=str(number), street=street_phrase(match.group(1)))
    return replace(base, street=street_phrase(body))


def _number_first(body: str, base: ParsedLocation) -> ParsedLocation:
    """ "8300 santa monica blvd": the house number (with any letter or half) and the street after it."""
    match = _NUMBER_RE.match(body)
    assert match is not None
    number_text = match.group(1) + (match.group(2) or "").upper()
    return replace(base, number=int(match.group(1)), number_text=number_text, street=street_phrase(match.group(3)))


def street_phrase(text: str) -> StreetPhrase | None:
    """A street name as typed, split into directional, name and type ("n san vicente blvd")."""
    words = [w.strip(".") for w in normalise(text).split() if w.strip(".")]
    if not words:
        return None
    predir = postdir = suffix = None
    if len(words) > 1 and words[0] in DIRECTIONS:
        predir = DIRECTIONS[words.pop(0)]
    if len(words) > 2 and words[-1] in DIRECTIONS and street_type(words[-2]):
        postdir = DIRECTIONS[words.pop()]
    if len(words) > 1 and street_type(words[-1]):
        suffix = street_type(words.pop())
    if len(words) > 1 and words[0] == "st":
        words[0] = "saint"
    return StreetPhrase(predir, " ".join(words), suffix, postdir)


def _street_words(text: str) -> str:
    match = _NUMBER_RE.match(text)
    return match.group(3) if match else text


def _take_parentheses(text: str) -> tuple[str, list[str]]:
    notes = [" ".join((a or b).split()) for a, b in _PARENS_RE.findall(text)]
    text = _PARENS_RE.sub(" ", text)
    return " ".join(text.split()), [n for n in notes if n]


def _take_dash_notes(text: str) -> tuple[str, list[str]]:
    """ "8300 Santa Monica Blvd - City Hall" or "Fire Station 8 - 7643 Santa Monica": keep the address part."""
    parts: list[str] = []
    start = 0
    for dash in _DASH_RE.finditer(text):
        # A dash after a bare number is a range ("8560 - 8590 Sunset"), not an annotation.
        if text[start : dash.start()].strip().isdigit() and text[dash.end() :].lstrip()[:1].isdigit():
            continue
        parts.append(text[start : dash.start()])
        start = dash.end()
    parts = [p.strip() for p in [*parts, text[start:]] if p.strip()]
    scores = [_location_score(p) for p in parts]
    if len(parts) < 2 or max(scores) == 0:
        return text, []  # no part is an address or a corner: a name with a dash in it
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    return parts[best], [p for i, p in enumerate(parts) if i != best]


def _location_score(part: str) -> int:
    words = normalise(part)
    if _NUMBER_RE.match(words) or _RANGE_RE.match(words):
        return 3
    if len([p for p in _CORNER_SPLIT_RE.split(words) if p]) >= 2:
        return 2
    return 1 if _trailing_number(words) else 0


def _trailing_number(text: str) -> re.Match[str] | None:
    """ "santa monica blvd 8300": the street words (holding a letter) and the number after them."""
    match = _TRAILING_NUMBER_RE.match(text)
    return match if match and any(c.isalpha() for c in match.group(1)) else None


def _split_commas(text: str, names: PlaceNames) -> tuple[str, str | None, str | None, list[str]]:
    """(location, locality, unit, notes) from comma-separated parts."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 2:
        return text, None, None, []
    locality: list[str] = []
    unit = None
    content: list[str] = []
    for part in parts:
        words = normalise(part)
        if content and _is_locality(words, names):
            locality.append(part)
        elif content and _UNIT_RE.fullmatch(" " + words):
            unit = unit or _format_unit(words)
        else:
            content.append(part)
    if len(content) == 1:
        return content[0], ", ".join(locality) or None, unit, []
    scores = [_location_score(p) for p in content]
    if max(scores) >= 3:
        best = scores.index(3)
        if normalise(content[best]).isdigit() and best + 1 < len(content):
            # "8300, Santa Monica Blvd": the number and the street were split by the comma.
            joined = f"{content[best]} {content[best + 1]}"
            rest = content[:best] + content[best + 2 :]
            return joined, ", ".join(locality) or None, unit, rest
        return content[best], ", ".join(locality) or None, unit, content[:best] + content[best + 1 :]
    # "Santa Monica Blvd, La Cienega Blvd" names a corner.
    return " & ".join(content[:3]), ", ".join(locality) or None, unit, content[3:]


def _take_unit(text: str) -> tuple[str, str | None]:
    match = _UNIT_RE.search(text)
    if not match:
        return text, None
    rest = " ".join((text[: match.start()] + " " + text[match.end() :]).split())
    return (rest, _format_unit(match.group(1))) if rest else (text, None)


def _format_unit(text: str) -> str:
    words = text.replace("#", " # ").split()
    if words and words[0] == "#":
        return "#" + "".join(words[1:]).upper()
    kind = UNIT_TYPES.get(words[0].strip("."), words[0].title()) if words else ""
    ident = "".join(w for w in words[1:] if w != "#").upper()
    return f"{kind} {ident}".strip()


def _take_locality_suffix(text: str, names: PlaceNames) -> tuple[str, str | None]:
    """ "8300 santa monica blvd west hollywood ca 90069" -> the address and "west hollywood ca 90069"."""
    taken: list[str] = []
    zip_match = _ZIP_RE.search(text)
    if zip_match and text[: zip_match.start()].strip():
        text, taken = text[: zip_match.start()].strip(), [zip_match.group(1)]
    for _round in range(2):
        for name in sorted(names.state + names.localities, key=len, reverse=True):
            if text.endswith(" " + name):
                head = text[: -len(name)].strip()
                # Keep a name that is part of the street ("8500 beverly" is not Beverly Hills).
                if head and _can_end_address(head):
                    text, taken = head, [name, *taken]
                    break
    return text, " ".join(taken) or None


def _can_end_address(head: str) -> bool:
    words = head.split()
    return len(words) >= 2 and (street_type(words[-1]) is not None or words[-1] in DIRECTIONS or len(words) >= 3)


def _is_locality(text: str, names: PlaceNames) -> bool:
    words = text.split()
    if not words:
        return False
    known = set(names.state) | set(names.localities) | {"usa", "us", "united states"}
    rest = " ".join(words)
    for name in sorted(known, key=len, reverse=True):
        rest = re.sub(rf"(?:^|\s){re.escape(name)}(?=\s|$)", " ", rest)
    rest = re.sub(r"(?:^|\s)\d{5}(?:-\d{4})?(?=\s|$)", " ", rest)
    return not rest.strip()

"""The geocoder's ranking and confidence pinned at their boundaries, on real West Hollywood places.

A dispatcher reads the first answer and its confidence to decide whether to confirm a location with
the caller. The expected labels, kinds, confidences and distances are written out here, never read
from the geocoder's own constants; every limit (40 m for one place, 150 m to a street address,
600 m to a corner, the 0.1 floor) is tested at, just inside and just outside its boundary.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from maps.geocoder import Geocoder, _Hit, _rank, default_geocoder


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return default_geocoder()


def hit(kind: str, confidence: float = 0.9, x: float = 0.0, y: float = 0.0, label: str = "") -> _Hit:
    return _Hit(x=x, y=y, label=label or kind, confidence=confidence, kind=kind)


def kinds(hits: list[_Hit]) -> list[str]:
    return [h.kind for h in hits]


# ----------------------------------------------------------------------------- ranking


def test_the_most_confident_answer_comes_first_whatever_its_kind():
    ranked = _rank([hit("address", 0.5, x=0), hit("street", 0.85, x=500), hit("landmark", 0.62, x=1000)])
    assert kinds(ranked) == ["street", "landmark", "address"]


# Answers of equal confidence, given worst first: the order a dispatcher sees them in.
TIES = [
    (
        ["street", "landmark", "intersection", "block", "address range", "interpolated address", "address"],
        ["address", "interpolated address", "address range", "block", "intersection", "landmark", "street"],
    ),
    # A corrected spelling does not change what the answer is.
    (["block", "interpolated address, spelling corrected"], ["interpolated address, spelling corrected", "block"]),
    (["street", "intersection, spelling corrected"], ["intersection, spelling corrected", "street"]),
    # "Near" a place is less than at a place of any kind.
    (["near landmark", "street"], ["street", "near landmark"]),
    (["near address", "landmark"], ["landmark", "near address"]),
]


@pytest.mark.parametrize(("given", "expected"), TIES)
def test_equal_confidences_rank_by_kind_address_first_street_last(given, expected):
    hits = [hit(kind, 0.8, x=100.0 * n) for n, kind in enumerate(given)]
    assert kinds(_rank(hits)) == expected


# Two answers of one kind closer than 40 m are one place: only the more confident is kept.
# (x, y) of the second answer in metres from the first, and whether it is kept.
SAME_PLACE = [
    ((0.0, 0.0), False),
    ((39.9, 0.0), False),
    ((40.0, 0.0), True),
    ((40.1, 0.0), True),
    ((0.0, 39.9), False),
    ((0.0, 40.0), True),
    ((-30.0, -26.0), False),  # 39.7 m to the south-west
    ((30.0, 27.0), True),  # 40.4 m to the north-east
]


@pytest.mark.parametrize(("offset", "kept"), SAME_PLACE)
def test_answers_of_one_kind_closer_than_forty_metres_are_one_place(offset, kept):
    first = hit("interpolated address", 0.9, x=1200.0, y=-800.0, label="first")
    second = hit("interpolated address", 0.8, x=1200.0 + offset[0], y=-800.0 + offset[1], label="second")
    labels = [h.label for h in _rank([second, first])]
    assert labels == (["first", "second"] if kept else ["first"])


def test_answers_of_different_kinds_at_one_point_are_both_kept():
    ranked = _rank([hit("landmark", 0.7, x=10, y=10), hit("intersection", 0.98, x=10, y=10)])
    assert kinds(ranked) == ["intersection", "landmark"]


def test_a_duplicate_drops_only_itself_not_the_answers_after_it():
    ranked = _rank(
        [
            hit("street", 0.85, x=0, y=0, label="Santa Monica Blvd"),
            hit("street", 0.8, x=5, y=0, label="Santa Monica Blvd again"),
            hit("street", 0.7, x=900, y=0, label="Sunset Blvd"),
            hit("street", 0.6, x=2000, y=0, label="Fountain Ave"),
        ]
    )
    assert [h.label for h in ranked] == ["Santa Monica Blvd", "Sunset Blvd", "Fountain Ave"]


# ----------------------------------------------------------------------------- reverse


def test_reverse_names_a_corner_by_the_street_names_people_use():
    # OpenStreetMap calls it "W Sunset Blvd"; the city's street is "Sunset Blvd".
    result = default_geocoder().reverse(34.090612, -118.39107)
    assert result.intersection is not None
    assert result.intersection.label == "Carol Dr & Sunset Blvd"
    assert result.intersection.confidence == pytest.approx(1.0, abs=0.001)


# Walking north from 190 Gilmore Ln (answer at 34.072973, -118.359039): the address is named up to
# 150 m inclusive, at the 0.1 floor of confidence, and not a step beyond.
GILMORE_ANSWER = (34.072973, -118.359039)
STREET_LIMIT = [
    ((34.07431417, -118.35897117), 148.90),
    ((34.07432318, -118.35897071), 149.90),
    ((34.07432408, -118.35897067), 150.00),
    ((34.07432498, -118.35897062), None),  # 150.10 m
    ((34.07432588, -118.35897058), None),  # 150.20 m
]


@pytest.mark.parametrize(("point", "metres"), STREET_LIMIT)
def test_reverse_names_a_street_address_within_150_metres_inclusive(geocoder, point, metres):
    result = geocoder.reverse(*point)
    if metres is None:
        assert result.address is None and result.address_distance_m is None
        return
    assert result.address is not None
    assert result.address.label == "190 Gilmore Ln"
    assert (result.address.lat, result.address.lon) == pytest.approx(GILMORE_ANSWER, abs=1e-6)
    assert result.address_distance_m == pytest.approx(metres, abs=0.01)
    assert result.address.confidence == pytest.approx(0.1, abs=1e-9)


# Walking north-west from 1292 Devlin Dr (answer at 34.095765, -118.387046): confidence falls in a
# straight line from 1 at the kerb to 0.1 at 135 m and stays at 0.1 beyond.
DEVLIN_ANSWER = (34.095765, -118.387046)
STREET_CONFIDENCE = [
    ((34.09576489, -118.38704646), 0.0, 1.0),
    ((34.09618708, -118.38723628), 50.0, 0.6667),
    ((34.09660927, -118.3874261), 100.0, 0.3333),
    ((34.09689635, -118.38755518), 134.0, 0.1067),
    ((34.0969048, -118.38755897), 135.0, 0.1),
    ((34.09691324, -118.38756277), 136.0, 0.1),
    ((34.09698924, -118.38759694), 145.0, 0.1),
]


@pytest.mark.parametrize(("point", "metres", "confidence"), STREET_CONFIDENCE)
def test_reverse_address_confidence_falls_to_a_floor_of_one_tenth_at_135_metres(geocoder, point, metres, confidence):
    result = geocoder.reverse(*point)
    assert result.address is not None and result.address.label == "1292 Devlin Dr"
    assert (result.address.lat, result.address.lon) == pytest.approx(DEVLIN_ANSWER, abs=1e-6)
    assert result.address_distance_m == pytest.approx(metres, abs=0.01)
    assert result.address.confidence == pytest.approx(confidence, abs=0.0001)
    assert result.address.kind == "interpolated address"


# Walking south-west from the corner of Brighton Way & N Crescent Dr (34.071311, -118.399905):
# the corner is named up to 600 m inclusive; confidence 1 at the corner, 0.1 from 540 m on.
CORNER = (34.071311, -118.399905)
CORNER_LIMIT = [
    ((34.071311, -118.399905), 1.0),  # at the corner
    ((34.07080722, -118.40014173), 0.9),  # 60 m
    ((34.06879212, -118.40108867), 0.5),  # 300 m
    ((34.06677702, -118.4020356), 0.1),  # 540 m
    ((34.06627408, -118.40227194), 0.1),  # 599.9 m
    ((34.06627324, -118.40227233), 0.1),  # 600.0 m
    ((34.0662724, -118.40227273), None),  # 600.1 m
    ((34.06626484, -118.40227628), None),  # 601 m
]


@pytest.mark.parametrize(("point", "confidence"), CORNER_LIMIT)
def test_reverse_names_the_nearest_corner_within_600_metres_inclusive(geocoder, point, confidence):
    result = geocoder.reverse(*point)
    if confidence is None:
        assert result.intersection is None
        return
    corner = result.intersection
    assert corner is not None and corner.label == "Brighton Way & N Crescent Dr"
    assert (corner.lat, corner.lon) == pytest.approx(CORNER, abs=1e-6)
    assert corner.confidence == pytest.approx(confidence, abs=0.0001)
    assert corner.kind == "intersection"


# ----------------------------------------------------------------------------- forward

Answer = tuple[str, str, float, float, float]  # label, kind, confidence, lat, lon


def answers(geocoder: Geocoder, text: str, limit: int = 5) -> list[Answer]:
    return [(c.label, c.kind, c.confidence, c.lat, c.lon) for c in geocoder.geocode(text, limit=limit)]


def assert_answers(actual: list[Answer], expected: list[Answer]) -> None:
    assert [a[:2] for a in actual] == [e[:2] for e in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got[2] == pytest.approx(want[2], abs=0.0001), got[0]
        assert got[3:] == pytest.approx(want[3:], abs=1e-6), got[0]


SMB_WEST_END = (34.080134, -118.391324)  # where Santa Monica Blvd's numbers run highest in the city
SMB_MIDDLE = (34.090686, -118.371902)
S_SAN_VICENTE = (34.084463, -118.383822)  # the street's middle: the city has no S San Vicente numbers

# Nodes of one street pair in local metres: those within 80 m (inclusive) of a corner's first node
# are that corner (the two carriageways of a divided road); farther ones are another corner.
CORNER_NODES = [(1000.0, 1000.0), (1080.0, 1000.0), (1000.0, 1080.1), (950.0, 950.0), (1000.0, 1160.0)]


def test_nodes_of_one_street_pair_up_to_80_metres_apart_are_one_corner():
    nodes = SimpleNamespace(_corner_xy=np.array(CORNER_NODES))
    assert Geocoder._cluster(nodes, [0, 1, 2, 3, 4]) == [[0, 1, 3], [2, 4]]  # type: ignore[arg-type]


# Typed text -> every answer, best first.
NUMBERS = [
    # One end of a range known, the other past the street's numbers: that end alone, at 0.8 x 0.8.
    (
        "9100-9500 Santa Monica Blvd",
        [("9100–9500 Santa Monica Blvd (middle)", "address range", 0.64, 34.080867, -118.389432)],
    ),
    # Numbers the street does not have: the street at 0.5, where its numbers come closest.
    ("99999 Santa Monica Blvd", [("Santa Monica Blvd", "street", 0.5, *SMB_WEST_END)]),
    ("99000-99100 Santa Monica Blvd", [("Santa Monica Blvd", "street", 0.5, *SMB_WEST_END)]),
    # Ends more than 400 apart are not one frontage: the street alone, as if only the street were said.
    (
        "9000-9400 Santa Monica Blvd",
        [("9000–9400 Santa Monica Blvd (middle)", "address range", 0.64, 34.082539, -118.386939)],
    ),
    ("9000-9401 Santa Monica Blvd", [("Santa Monica Blvd", "street", 0.85, *SMB_MIDDLE)]),
    ("9000-9999 Santa Monica Blvd", [("Santa Monica Blvd", "street", 0.85, *SMB_MIDDLE)]),
    ("99900 block of Santa Monica Blvd", [("Santa Monica Blvd", "street", 0.5, *SMB_WEST_END)]),
    ("9900 block of N San Vicente Blvd", [("N San Vicente Blvd", "street", 0.5, 34.090638, -118.385544)]),
    ("1-99 N San Vicente Blvd", [("N San Vicente Blvd", "street", 0.5, 34.076625, -118.379563)]),
    # A street with N and S parts, typed without a directional: the street's own name.
    ("99999 Sweetzer Ave", [("Sweetzer Ave", "street", 0.5, 34.097626, -118.370959)]),
    # The typed directional is kept: the 300 block is on N San Vicente, not S.
    ("300 block of N San Vicente Blvd", [("300 block of N San Vicente Blvd", "block", 0.75, 34.076726, -118.379613)]),
    ("300 block of S San Vicente Blvd", [("S San Vicente Blvd", "street", 0.5, *S_SAN_VICENTE)]),
    ("300-400 S San Vicente Blvd", [("S San Vicente Blvd", "street", 0.5, *S_SAN_VICENTE)]),
    # Every street the name may mean, one answer each.
    (
        "100 block of Doheny",
        [
            ("Doheny Dr", "street", 0.5, 34.075297, -118.389739),
            ("Doheny Rd", "street", 0.45, 34.090479, -118.392352),
            ("Doheny Pl", "street", 0.45, 34.095045, -118.391064),
        ],
    ),
    (
        "100-200 Doheny",
        [
            ("Doheny Dr", "street", 0.5, 34.075297, -118.389739),
            ("Doheny Rd", "street", 0.45, 34.090479, -118.392352),
            ("Doheny Pl", "street", 0.45, 34.095045, -118.391064),
        ],
    ),
    # A unit stays with an address, a range too.
    (
        "8300-8400 Santa Monica Blvd Suite 200",
        [("8300–8400 Santa Monica Blvd (middle), Suite 200", "address range", 0.8, 34.090452, -118.372021)],
    ),
    (
        "8300 santa monca blvd Suite 200",
        [
            (
                "8300 Santa Monica Blvd (spelling corrected), Suite 200",
                "interpolated address, spelling corrected",
                0.8609,
                34.090545,
                -118.370407,
            )
        ],
    ),
]

SPELLING = [
    (
        "8300-8400 Santa Monca Blvd",
        [
            (
                "8300–8400 Santa Monica Blvd (middle) (spelling corrected)",
                "address range, spelling corrected",
                0.7652,
                34.090452,
                -118.372021,
            )
        ],
    ),
    (
        "8300 block of Santa Monca Blvd",
        [
            (
                "8300 block of Santa Monica Blvd (spelling corrected)",
                "block, spelling corrected",
                0.7174,
                34.090727,
                -118.371733,
            )
        ],
    ),
    (
        "99999 Santa Monca Blvd",
        [("Santa Monica Blvd (spelling corrected)", "street, spelling corrected", 0.4783, *SMB_WEST_END)],
    ),
    (
        "99000-99100 Santa Monca Blvd",
        [("Santa Monica Blvd (spelling corrected)", "street, spelling corrected", 0.4783, *SMB_WEST_END)],
    ),
    (
        "Santa Monca Blvd",
        [("Santa Monica Blvd (spelling corrected)", "street, spelling corrected", 0.813, *SMB_MIDDLE)],
    ),
    # One misspelled street of two is enough to say so.
    (
        "Santa Monca Blvd & La Cienega",
        [
            (
                "Santa Monica Blvd & N La Cienega Blvd (spelling corrected)",
                "intersection, spelling corrected",
                0.9374,
                34.089468,
                -118.37635,
            )
        ],
    ),
    # At most three streets for a name.
    (
        "plaza",
        [
            ("Sunset Plaza Dr (spelling corrected)", "street, spelling corrected", 0.7331, 34.09234, -118.379552),
            ("Holloway Plaza Dr (spelling corrected)", "street, spelling corrected", 0.7255, 34.090923, -118.380035),
            ("Sunset Plaza Pl (spelling corrected)", "street, spelling corrected", 0.6598, 34.099288, -118.379837),
        ],
    ),
]

CORNERS = [
    # A divided road meets Knoll Dr at two points 61 m apart: one corner, at their middle.
    ("Santa Monica Blvd & Knoll Dr", [("Santa Monica Blvd & Knoll Dr", "intersection", 0.98, 34.088937, -118.377313)]),
    # A third street picks the one corner where all three meet; a fourth is not read.
    (
        "Sunset & Doheny & Cory",
        [("Sunset Blvd & Doheny Rd & Cory Ave", "intersection", 0.882, 34.090479, -118.392352)],
    ),
    (
        "Sunset & Doheny & Cory & Fountain",
        [("Sunset Blvd & Doheny Rd & Cory Ave", "intersection", 0.882, 34.090479, -118.392352)],
    ),
    # The third street is named only where its best match is at the corner (Cory meets Doheny Rd, not Dr).
    ("Sunset & Cory & Doheny", [("Sunset Blvd & Cory Ave", "intersection", 0.98, 34.090479, -118.392352)]),
    # A name may mean the other street too: Sierra Dr meets its namesake Sierra Pl.
    ("Sierra Dr & Sierra", [("Sierra Dr & N Sierra Pl", "intersection", 0.882, 34.090039, -118.395447)]),
    # Streets that do not meet: the first two streets themselves, at 0.5, with the type typed.
    (
        "Sunset & Melrose & Beverly",
        [
            ("Sunset Blvd", "street", 0.5, 34.094943, -118.373984),
            ("Melrose Ave", "street", 0.5, 34.083397, -118.373469),
        ],
    ),
    # At most three streets are tried for each name: "bever" would be Beverly Pl (which meets Huntley
    # Dr) only fourth, so no corner is offered, only the streets.
    (
        "bever & huntley",
        [
            ("Huntley Dr", "street", 0.5, 34.086991, -118.380641),
            ("Beverly Blvd (spelling corrected)", "street, spelling corrected", 0.4436, 34.076341, -118.378796),
            ("Beverlycrest Dr (spelling corrected)", "street, spelling corrected", 0.4213, 34.097595, -118.401359),
            (
                "Beverly Connection Way (spelling corrected)",
                "street, spelling corrected",
                0.4108,
                34.073884,
                -118.374993,
            ),
        ],
    ),
    (
        "Doheny Rd & Melrose Ave",
        [
            ("Doheny Rd", "street", 0.5, 34.090479, -118.392352),
            ("Melrose Ave", "street", 0.5, 34.083397, -118.373469),
        ],
    ),
    ("Doheny Rd", [("Doheny Rd", "street", 0.85, 34.090479, -118.392352)]),
]

THE_ABBEY = (34.083388, -118.385147)
LANDMARKS = [
    ("Park Plummer", [("Plummer Park", "landmark", 0.9, 34.09274, -118.351099)]),  # every word, another order
    (
        "Plumer Park",
        [("Plummer Park (spelling corrected)", "landmark, spelling corrected", 0.9565, 34.09274, -118.351099)],
    ),
    ("the abbey on robertson", [("The Abbey", "landmark", 0.8318, *THE_ABBEY)]),  # the name and more words
    ("roxy sunset", [("The Roxy Theatre", "landmark", 0.8227, 34.090896, -118.38798)]),  # a four-letter name
    ("abbey abbey abbey", [("The Abbey", "landmark", 1.0, *THE_ABBEY)]),  # never above 1
    ("the", [("The Abbey", "landmark", 0.6333, *THE_ABBEY)]),  # three letters are enough
    # A misspelling is read as the name at 80 % alike, not below.
    ("abbex", [("The Abbey (spelling corrected)", "landmark, spelling corrected", 0.8, *THE_ABBEY)]),
    ("abbexx", []),
    # 0.62 is enough for a landmark.
    (
        "county la la",
        [
            ("LA County Fire Station 7", "landmark", 0.7, 34.086969, -118.385088),
            ("LA County Fire Station 8", "landmark", 0.7, 34.091034, -118.356501),
            ("West Hollywood Library (LA County Library)", "landmark", 0.62, 34.081962, -118.383924),
        ],
    ),
    # A number before a landmark's name, where no such street is: the landmark.
    ("100 Plummer Park", [("Plummer Park", "landmark", 0.9, 34.09274, -118.351099)]),
    # A number before a park's name that a street only resembles: the park first (0.75 + 0.2 x 15/19),
    # then the street it was taken for at 0.5 x 0.8.
    (
        "100 Havenhurst Park",
        [
            ("Havenhurst Park", "landmark", 0.9079, 34.095841, -118.367788),
            ("Havenhurst Dr (spelling corrected)", "street, spelling corrected", 0.4, 34.087147, -118.366984),
        ],
    ),
    # A street misspelled with a number: the address, and no place whose name it only resembles.
    (
        "8300 Santa Monca Blvd",
        [
            (
                "8300 Santa Monica Blvd (spelling corrected)",
                "interpolated address, spelling corrected",
                0.8609,
                34.090545,
                -118.370407,
            )
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS + SPELLING + CORNERS + LANDMARKS)
def test_every_answer_is_ranked_and_scored_as_written(geocoder, text, expected):
    assert_answers(answers(geocoder, text, limit=10), expected)


PARKS = [
    ("WeHo Art Park", "landmark", 0.7, 34.081593, -118.388908),
    ("West Hollywood Park", "landmark", 0.6778, 34.082753, -118.384423),
    ("William S. Hart Park", "landmark", 0.6778, 34.095427, -118.371645),
    ("Laurel Avenue Park", "landmark", 0.6455, 34.095596, -118.364822),
    ("Plummer Park", "landmark", 0.6333, 34.09274, -118.351099),
    ("Formosa Park", "landmark", 0.6333, 34.091807, -118.345923),
    ("Kings Road Park", "landmark", 0.6231, 34.089066, -118.371334),
]


def test_five_answers_are_offered_unless_asked_for_another_number(geocoder):
    assert_answers([(c.label, c.kind, c.confidence, c.lat, c.lon) for c in geocoder.geocode("park")], PARKS[:5])
    assert_answers(answers(geocoder, "park", limit=7), PARKS)
    assert_answers(answers(geocoder, "park", limit=1), PARKS[:1])


@pytest.mark.parametrize("limit", [0, -1])
def test_no_answers_are_asked_for_with_a_limit_below_one(geocoder, limit):
    assert geocoder.geocode("park", limit=limit) == []

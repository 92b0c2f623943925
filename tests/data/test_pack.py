"""The jurisdiction pack loads, and a broken one names the file and the entry."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from data.pack import PackError, load_pack, pack_directory


def test_west_hollywood_pack_has_the_code_tables():
    pack = load_pack()
    assert pack.city["name"] == "West Hollywood"
    assert pack.call_types["WELFARE"].apco == "WELFARE" and pack.call_types["WELFARE"].priority == 2
    assert pack.call_types["MTLV"].sheriff_first and not pack.call_types["MTLV"].cso_alone
    assert {"18", "15", "04", "14", "22", "32", "16", "02", "13"} <= set(pack.dispositions)
    assert pack.unit_statuses["onscene"].eido_secondary == ("OnScene",)
    noise = pack.provision("9.08.050", dt.date(2026, 11, 26))
    assert noise is not None and noise.fine_for(1) == 100 and noise.fine_for(3) == 500 and noise.fine_for(4) is None
    assert any(r.phone == "800-854-7771" for r in pack.referrals)
    assert pack.timers["onscene"] == (15, 25)


def test_the_city_and_its_agencies_are_named_by_the_pack():
    pack = load_pack()
    assert (pack.city_name, pack.agency) == ("West Hollywood", "LASD")
    assert pack.agency_name == "LA County Sheriff's Department, West Hollywood Station"
    assert pack.escalation_labels == {
        "lasd": "LASD",
        "fire_ems": "Fire/EMS",
        "dmh": "County mental-health team (DMH)",
        "care_team": "WeHo Care Team (988)",
    }


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "call_types.toml",
            'priority = 2\nskills = ["crisis intervention", "first aid"]',
            "priority = 9\nskills = []",
            "call_types.toml: call type 'WELFARE' has priority 9",
        ),
        ("call_types.toml", 'apco = "NOISE"', 'apco = "LOUD"', "call type 'NOISE' maps to unknown APCO code 'LOUD'"),
        (
            "municipal_code.toml",
            'effective = "2011-06-01"',
            'effective = "June"',
            "provision 'Ord. 11-863' needs effective",
        ),
        ("pack.toml", "[timers]", "[timerz]", "missing \\[timers\\] section"),
        ("pack.toml", "[care_team]", "[care]", "missing \\[care_team\\] section"),
        ("pack.toml", 'short = "LASD"', 'shortname = "LASD"', "entry '\\[law_enforcement\\]' needs short"),
        ("pack.toml", 'phone = "988"', "phone = 988", "entry '\\[care_team\\]' needs phone"),
    ],
)
def test_broken_pack_names_file_and_entry(tmp_path, file, old, new, message):
    root = tmp_path / "broken"
    shutil.copytree(pack_directory(), root)
    text = (root / file).read_text()
    assert old in text
    (root / file).write_text(text.replace(old, new, 1))
    with pytest.raises(PackError, match=message):
        load_pack("broken", root)

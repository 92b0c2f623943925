"""The command parser: every verb, and a one-line error for every malformed line (no Qt)."""

from __future__ import annotations

import pytest

from widgets.commands import VERBS, Command, ParseError, expected_argument, parse

DISPOSITIONS = {"02", "04", "15", "18", "22", "32"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("N", Command("N")),
        ("n", Command("N")),
        ("new", Command("N")),
        ("D 12 123", Command("D", units=("12",), incident="123")),
        ("d cso-12 2026-000123", Command("D", units=("CSO-12",), incident="2026-000123")),
        ("D 12,14 7", Command("D", units=("12", "14"), incident="7")),
        ("  D   12    123  ", Command("D", units=("12",), incident="123")),
        ("ER 12", Command("ER", units=("12",))),
        ("OS 12 arrived, talking to caller", Command("OS", units=("12",), text="arrived, talking to caller")),
        ("AV 12", Command("AV", units=("12",))),
        ("BK 12", Command("BK", units=("12",))),
        ("OOS 12 flat tyre", Command("OOS", units=("12",), text="flat tyre")),
        ("C 123 18", Command("C", incident="123", disposition="18")),
        ("C 123 4 citation AC-1", Command("C", incident="123", disposition="04", text="citation AC-1")),
        ("NOTE 123 caller called back", Command("NOTE", incident="123", text="caller called back")),
        ("ACK 12", Command("ACK", units=("12",))),
        ("ACK 12 all fine", Command("ACK", units=("12",), text="all fine")),
        ("FIND santa monica", Command("FIND", text="santa monica")),
        ("P 123", Command("P", incident="123")),
        ("HELP", Command("HELP")),
        (
            "SI 12 audit 8300 Santa Monica Blvd",
            Command("SI", units=("12",), call_type="AUDIT", text="8300 Santa Monica Blvd"),
        ),
        ("?", Command("HELP")),
    ],
)
def test_good_lines_parse(line, expected):
    assert parse(line, dispositions=DISPOSITIONS) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "Type a command"),
        ("   ", "Type a command"),
        ("XYZ 12", "Unknown command 'XYZ'"),
        ("DISPATCH 12 1", "Unknown command 'DISPATCH'"),
        ("D", "D needs a unit and an incident: D <unit> <incident>"),
        ("D 12", "D needs an incident: D <unit> <incident>"),
        ("D 12 1 2", "D does not take '2'"),
        ("D 1@ 12", "'1@' is not a unit call sign"),
        ("D 12 abc", "'abc' is not an incident number"),
        ("ER", "ER needs a unit"),
        ("C 123", "C needs a disposition code"),
        ("C", "C needs an incident and a disposition code"),
        ("C 123 x", "'x' is not a disposition code"),
        ("C 123 99", "Unknown disposition 99; use one of 02, 04, 15, 18, 22, 32"),
        ("NOTE 123", "NOTE needs some text"),
        ("FIND", "FIND needs some text"),
        ("P", "P needs an incident"),
        ("N now", "N does not take 'now'"),
        ("SI", "SI needs a unit, a call type and a location: SI <unit> <type> <location>"),
        ("SI 12 AUDIT", "SI needs a location"),
        ("SI 12 4!x plummer park", "'4!x' is not a call type"),
        ("D " + "9" * 5000, "a command is at most 4,000"),
    ],
)
def test_bad_lines_answer_in_one_line(line, message):
    result = parse(line, dispositions=DISPOSITIONS)
    assert isinstance(result, ParseError)
    assert message in result.message
    assert "\n" not in result.message and len(result.message) < 160


def test_disposition_checked_only_when_codes_given():
    assert parse("C 5 99") == Command("C", incident="5", disposition="99")


def test_every_verb_has_usage_and_summary():
    for name, verb in VERBS.items():
        assert verb.usage.split()[0] == name
        assert verb.summary


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("", "verb"),
        ("D", "verb"),
        ("D ", "unit"),
        ("D 1", "unit"),
        ("D 12 ", "incident"),
        ("D 12 3", "incident"),
        ("C 5 ", "disposition"),
        ("SI 12 ", "calltype"),
        ("NOTE 5 ", None),
        ("ER 12 ", None),
        ("ZZ ", None),
    ],
)
def test_expected_argument_drives_completion(typed, kind):
    assert expected_argument(typed) == kind

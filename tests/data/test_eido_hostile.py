"""Hostile EIDO documents: refused whole, with one readable reason, and nothing written."""

from __future__ import annotations

import io
import json

import pytest

from data import eido_reader
from data.errors import ValidationError
from data.services import transfers
from tests.data.eido_documents import row_counts, sample, to_bytes, with_location_value, with_notes

GOOD_NOTE = ("note-1", "2021-04-30T14:42:30.0-04:00", "first note is fine")


def last_note(text: str) -> bytes:
    """The sample with two notes, the last one carrying `text` (as raw JSON, so escapes stay as sent)."""
    document = with_notes(sample(), GOOD_NOTE, ("note-2", "2021-04-30T14:42:40.0-04:00", "PLACEHOLDER"))
    return to_bytes(document).replace(b'"PLACEHOLDER"', text.encode("utf-8"))


XXE = (
    '<?xml version="1.0"?><!DOCTYPE presence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<presence xmlns="urn:ietf:params:xml:ns:pidf">&xxe;</presence>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    '<presence xmlns="urn:ietf:params:xml:ns:pidf">&lol2;</presence>'
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?><!DOCTYPE presence SYSTEM "http://attacker.example/pidf.dtd">'
    '<presence xmlns="urn:ietf:params:xml:ns:pidf"/>'
)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (last_note('"bad \\u0000 note"'), "a NUL character"),
        (last_note('"bad \\ud800 surrogate"'), "lone UTF-16 surrogate"),
        (last_note('"bell \\u0007"'), "control character U\\+0007"),
        (last_note('"evil \\u202e txt.exe"'), "bidirectional override"),
        (last_note('"hidden &#x202e; override"'), "bidirectional override"),
        (to_bytes(sample()).replace(b"2021-04-30T14:40:00.0-04:00", b"9999-12-31T23:59:59-05:00", 1), "9999"),
        ('{"note": "café"}'.encode("latin-1"), "not UTF-8 text: byte 0xE9"),
        (b"[" * 100_000 + b"]" * 100_000, "nested more than 32 levels"),
        (b'{"a": ' * 40 + b"1" + b"}" * 40, "nested more than 32 levels"),
        (b'{"eidoVersion": "1.0", "eidoVersion": "1.0"}', "names 'eidoVersion' twice"),
        (b'{"n": NaN}', "NaN"),
        (b'{"n": 1e999}', "too large to be one"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not usable JSON"),
        (b"", "empty"),
        (b"[1, 2]", "is a JSON object"),
        (to_bytes(with_location_value(sample(), XXE)), "declares a DTD, entities or external references"),
        (to_bytes(with_location_value(sample(), BILLION_LAUGHS)), "declares a DTD, entities or external references"),
        (to_bytes(with_location_value(sample(), EXTERNAL_DTD)), "declares a DTD, entities or external references"),
        (to_bytes(with_location_value(sample(), "<a>" * 100_000 + "</a>" * 100_000)), "XML nested more than 40"),
        (to_bytes(with_location_value(sample(), "<presence><unclosed></presence>")), "not well formed"),
        (
            to_bytes(
                with_location_value(sample(), '<presence xmlns="urn:ietf:params:xml:ns:pidf">&#x202E;</presence>')
            ),
            "bidirectional override",
        ),
        (
            to_bytes(sample()).replace(
                b'"agencyType"',
                b'"agencyJcard": "[\\"vcard\\", [[\\"fn\\", {}, \\"text\\", \\"LA\\\\u0000SD\\"]]]", "agencyType"',
                1,
            ),
            "a NUL character in a jCard name",
        ),
    ],
    ids=[
        "nul",
        "surrogate",
        "bell",
        "bidi",
        "bidi-entity-in-html",
        "year-9999",
        "latin-1",
        "deep-json-100k",
        "deep-json-40",
        "duplicate-key",
        "nan",
        "huge-float",
        "huge-int",
        "empty",
        "not-object",
        "xxe",
        "billion-laughs",
        "external-dtd",
        "deep-xml-100k",
        "broken-xml",
        "bidi-xml-character-reference",
        "nul-in-jcard-json",
    ],
)
def test_hostile_input_is_refused_whole_and_writes_nothing(db, dispatcher, raw, message):
    counts = row_counts(db)
    with pytest.raises(ValidationError, match=message):
        transfers.import_eido_bytes(db, dispatcher, raw)
    assert row_counts(db) == counts


def test_the_size_limit_holds_at_the_byte(db, dispatcher):
    document = to_bytes(sample())
    at_limit = document[:-1] + b" " * (eido_reader.MAX_DOCUMENT_BYTES - len(document)) + b"}"
    assert len(at_limit) == eido_reader.MAX_DOCUMENT_BYTES
    assert transfers.import_eido_bytes(db, dispatcher, at_limit).outcome == "created"
    over = at_limit[:-1] + b" }"
    with pytest.raises(ValidationError, match="larger than the 2 MiB limit"):
        transfers.import_eido_bytes(db, dispatcher, over)


def test_an_endless_stream_is_cut_at_the_limit():
    class Zeros(io.RawIOBase):
        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer):  # type: ignore[override]
            buffer[:] = b"\0" * len(buffer)
            Zeros.read_bytes += len(buffer)
            return len(buffer)

    with pytest.raises(ValidationError, match="larger than the 2 MiB limit"):
        eido_reader.read_bounded(io.BufferedReader(Zeros()))
    assert Zeros.read_bytes <= eido_reader.MAX_DOCUMENT_BYTES + 128 * 1024


def test_a_large_regular_file_is_refused_from_its_size_unread(tmp_path, monkeypatch):
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(68 * 1024 * 1024)  # sparse: 68 MB on paper, nothing on disk
    monkeypatch.setattr(eido_reader, "read_bounded", lambda _stream: pytest.fail("read a file refused by its size"))
    with pytest.raises(ValidationError, match=r"larger than the 2 MiB limit \(71,303,168 bytes\)"):
        eido_reader.read_file(big)


def test_too_many_notes_are_refused_before_anything_is_written(db, dispatcher):
    notes = [(f"n{i}", "2021-04-30T14:42:30.0-04:00", f"note {i}") for i in range(501)]
    counts = row_counts(db)
    with pytest.raises(ValidationError, match="501 notes; the limit for one call is 500"):
        transfers.import_eido(db, dispatcher, with_notes(sample(), *notes))
    assert row_counts(db) == counts


def test_html_in_notes_is_shown_as_text_not_markup(db, dispatcher):
    from data import services

    raw = last_note(json.dumps("<b>Bold</b> &amp; <script>alert(1)</script><br>next line"))
    result = transfers.import_eido_bytes(db, dispatcher, raw)
    notes = [e.text for e in services.timeline(db, result.incident.id) if e.kind == "note"]
    assert "[state.pa.us 2021-04-30 11:42:40 tjones.atroop] Bold & alert(1)\nnext line" in notes

"""The administrative citation PDF: fields, three labelled copies, barcode, VOID reprint, hostile input."""

from __future__ import annotations

import datetime as dt

import pytest

from console.paperwork.citation import barcode, build_citation, citation_pdf, due_dates
from data import services
from data.services import citations
from tests.console.paperwork_helpers import (
    HOSTILE_NAME,
    assert_fonts_embedded,
    hostile_narrative,
    ink_ratio,
    page_count,
    pdf_text,
    render_png,
    squash,
)


@pytest.fixture
def citation(db, dispatcher, supervisor):
    officer = services.create_officer(db, supervisor, badge="C101", name="Ana Díaz")
    incident = services.create_incident(db, dispatcher, call_type="SMOKING", location="8512 Santa Monica Blvd")
    return citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="Chris Morgan",
        violator_dob="1988-03-14",
        violator_address="1200 N Flores St, West Hollywood, CA 90069",
        violator_id_number="CA D1234567",
        violations=["Ord. 11-863", "9.28.030"],
        location="8512 Santa Monica Blvd, outdoor patio",
        incident_id=incident.id,
        description="Smoking on the restaurant's outdoor dining patio after two warnings.",
    )


def decode_code128(values: list[int]) -> str:
    """Decode Code 128 symbol values (code sets B and C) back to text, checking the checksum."""
    start, *body, check, stop = values
    assert stop == 106
    assert check == (start + sum(i * v for i, v in enumerate(body, start=1))) % 103
    mode = {104: "B", 105: "C"}[start]
    out = []
    for v in body:
        if v == 99:
            mode = "C"
        elif v == 100:
            mode = "B"
        else:
            out.append(f"{v:02d}" if mode == "C" else chr(v + 32))
    return "".join(out)


def test_the_citation_carries_every_required_field(db, citation, tmp_path):
    pdf = citation_pdf(db, citation.number)
    text = pdf_text(pdf)
    flat = squash(text)
    assert page_count(pdf) == 3
    for copy in ("VIOLATOR COPY", "CITY COPY", "OFFICER COPY"):
        assert text.count(copy) == 1
    assert text.count(citation.number) >= 3
    pay_by, contest_by = due_dates(citation, db.pack)
    for expected in (
        "ADMINISTRATIVE CITATION",
        "Chris Morgan",
        "1988-03-14",
        "1200 N Flores St, West Hollywood, CA 90069",
        "CA D1234567",
        "8512 Santa Monica Blvd, outdoor patio",
        "Thursday November 26, 2026",
        "08:00",  # 16:00 UTC is 08:00 in West Hollywood
        "Ord. 11-863",
        "Smoking in an outdoor dining area",
        "9.28.030",
        "$100",
        "Total due",
        "$200",
        "Amount due: $200",
        pay_by.strftime("%B %-d, %Y"),
        contest_by.strftime("%B %-d, %Y"),
        "Request for Administrative Hearing",
        "21 days",
        "financial hardship",
        "8300 Santa Monica Blvd, West Hollywood, CA 90069",
        "Order to correct",
        "each day a violation continues is a separate offense",
        "Ana Díaz · badge C101",
        "Officer's signature",
        "Signing is not an admission",
        "Smoking on the restaurant's outdoor dining patio after two warnings.",
        "Violator copy · page 1 of 1",
        "City copy · page 1 of 1",
        "Officer copy · page 1 of 1",
    ):
        assert squash(expected) in flat, expected
    assert squash("of 3") not in flat  # pages count within each copy, not across the three
    assert "VOID" not in text
    assert_fonts_embedded(pdf, tmp_path)
    pages = render_png(pdf, tmp_path, stem="citation")
    assert len(pages) == 3 and all(ink_ratio(p) > 0.02 for p in pages)


def test_the_barcode_encodes_the_number_in_code_128():
    code = barcode("AC-000042")
    code.validate()
    code.encode()
    assert decode_code128(code.encoded) == "AC-000042"


def test_a_voided_citation_reprints_with_a_void_watermark_and_reason(db, citation, supervisor, tmp_path):
    citations.void_citation(db, supervisor, citation.number, "Issued to the wrong person")
    pdf = citation_pdf(db, citation.number)
    text = pdf_text(pdf)
    assert text.count("VOID") >= 6  # notice and watermark on each copy
    assert "Issued to the wrong person" in text
    assert "nothingisowed" in squash(text)
    render_png(pdf, tmp_path, stem="void")


def test_hostile_input_prints_literally_and_long_text_flows_onto_more_pages(db, dispatcher, supervisor, tmp_path):
    officer = services.create_officer(db, supervisor, badge="Z<1>", name="Ofc. <i>Lee</i> & Партнёр")
    narrative = hostile_narrative()
    assert len(narrative) == 20_000
    c = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name=HOSTILE_NAME,
        violations=["9.08.050"],
        location="<para>Sunset & Doheny</para>",
        description=narrative,
    )
    pdf = build_citation(c, db.pack, generated_at=dt.datetime(2026, 11, 26, 20, tzinfo=dt.UTC))
    text = pdf_text(pdf)
    flat = squash(text)
    assert page_count(pdf) > 6  # each copy runs onto further pages
    for fragment in ("Zoë<b>Bold</b>&<para>Мария</para>", "<para>Sunset&Doheny</para>", "Ofc.<i>Lee</i>&Партнёр"):
        assert fragment in flat
    for word in ("שלום", "مرحبا"):
        assert all(ch in text for ch in word)
    assert flat.count("Конецend-of-narrative") == 3  # the end of the narrative on every copy
    words = [w for w in narrative.split() if w.startswith("w")]
    assert all(squash(w) in flat for w in words[:: len(words) // 50])
    assert "<b>&amp;7</b>" in flat
    assert_fonts_embedded(pdf, tmp_path)
    render_png(pdf, tmp_path, stem="hostile")


def test_empty_optional_fields_print_a_dash(db, dispatcher, supervisor):
    officer = services.create_officer(db, supervisor, badge="C2", name="Marcus Webb")
    c = citations.issue_citation(
        db, dispatcher, officer_id=officer.id, violator_name="Sam Okafor", violations=["9.04.010"], location="Alley"
    )
    text = pdf_text(build_citation(c, db.pack))
    assert "Sam Okafor" in text and "Illegal dumping of rubbish" in text
    assert text.count("—") >= 3 * 4  # DOB, address, ID, incident, description on each copy


def test_a_city_name_with_an_ampersand_prints_literally(db, citation):
    import dataclasses

    pack = dataclasses.replace(db.pack, city={**db.pack.city, "name": "Smith & Jones"})
    text = pdf_text(build_citation(citation, pack))
    assert "CITY OF SMITH & JONES" in text

"""Shift report PDF: figures, intervals against targets, carry-overs, units, charts, page numbers."""

from __future__ import annotations

import pytest

from console.paperwork.shift_report import build_shift_report, shift_report_pdf
from data.shift_summary import shift_summary
from tests.console.paperwork_helpers import (
    assert_fonts_embedded,
    ink_ratio,
    page_count,
    pdf_text,
    populated_database,
    render_png,
    squash,
)


@pytest.fixture(scope="module")
def shift(tmp_path_factory):
    db, _clock, populated = populated_database(tmp_path_factory.mktemp("report"), incidents=40, hours=10)
    yield db, populated
    db.dispose()


def test_the_report_prints_the_shift_figures(shift, tmp_path):
    db, populated = shift
    summary = shift_summary(db, populated.shift_id)
    pdf = build_shift_report(summary, db.pack)
    text = pdf_text(pdf)
    flat = squash(text)
    pages = page_count(pdf)
    for expected in (
        "SHIFT REPORT · Day shift, Thursday November 26",
        "Supervisor: Sgt. Maria Alvarez",
        "generated 2026-11-26",
        "PST",
        "Response intervals against the city's targets",
        "Queue (received → dispatched)",
        "Travel (en route → on scene)",
        "On scene (on scene → cleared)",
        "p90 ≤ 1:00",
        "median ≤ 10:00",
        "Calls by hour received",
        "Calls by type",
        "Open incidents carried over",
        "Activity per unit",
        "Citations",
        "Referrals and welfare checks",
        f"{summary.referrals_declined} declined",
        f"Page 1 of {pages}",
        f"Page {pages} of {pages}",
    ):
        assert squash(expected) in flat, expected
    for count in summary.by_call_type:
        assert squash(count.label) in flat
    for carried in summary.carried_over:
        assert carried.incident.number in text
        assert squash(carried.last_note) in flat
    for unit in summary.units:
        assert unit.call_sign in text
    for citation in summary.citations:
        assert citation.number in text
    assert_fonts_embedded(pdf, tmp_path)
    images = render_png(pdf, tmp_path, stem="report", dpi=50)
    assert ink_ratio(images[0]) > 0.05


def test_report_of_a_shift_with_nothing_in_it(db, clock, supervisor, tmp_path):
    import datetime as dt

    from data import services

    shift = services.start_shift(
        db, supervisor, name="Night <b>&</b>", supervisor="", starts_at=clock(), ends_at=clock() + dt.timedelta(hours=8)
    )
    pdf = shift_report_pdf(db, shift.id)
    flat = squash(pdf_text(pdf))
    assert "SHIFTREPORT·Night<b>&</b>" in flat
    assert squash("None: every incident was closed") in flat
    assert squash("No citation was issued.") in flat
    render_png(pdf, tmp_path, stem="empty")


@pytest.mark.slow
def test_a_300_incident_shift_report_lists_every_citation(tmp_path):
    # How fast it is, is the paperwork benchmark's figure (shift_report_300_s), not an assertion here.
    db, _clock, populated = populated_database(tmp_path, incidents=300, hours=12)
    try:
        pdf = shift_report_pdf(db, populated.shift_id)
    finally:
        db.dispose()
    text = pdf_text(pdf)
    assert "SHIFT REPORT" in text
    assert populated.citation_numbers
    assert [n for n in populated.citation_numbers if n not in text] == []

"""Shift report PDF: figures, intervals against targets, carry-overs, units, charts, page numbers."""

from __future__ import annotations

import itertools

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


def test_a_long_shift_name_never_runs_into_the_header_or_footer(shift, tmp_path):
    """Header and footer lines are cut to their room; the name prints in full in the report's title."""
    import dataclasses
    import subprocess

    db, populated = shift
    summary = shift_summary(db, populated.shift_id)
    name = "Night shift covering the Sunset Strip, Santa Monica Blvd and the Design District ×" * 2
    long = dataclasses.replace(summary, shift=dataclasses.replace(summary.shift, name=name[:160]))
    pdf = build_shift_report(long, db.pack)
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf)
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True)
    words = []
    for line in bbox.stdout.splitlines():
        if line.strip().startswith("<word "):
            attrs = dict(part.split("=", 1) for part in line.strip()[6:].split(">")[0].split() if "=" in part)
            box = [float(attrs[k].strip('"')) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append((line.split(">")[1].split("<")[0], box))
    footer = [(w, b) for w, b in words if b[1] > 792 - 40]  # the footer line, near the bottom of the page
    assert any(w == "Generated" for w, _ in footer) and any(w == "Page" for w, _ in footer)
    footer.sort(key=lambda wb: wb[1][0])
    for (_w1, a), (_w2, b) in itertools.pairwise(footer):
        if abs(a[1] - b[1]) < 2:  # same line
            assert a[2] <= b[0] + 0.5, f"footer words overlap: {_w1!r} {_w2!r}"
    header = sorted(((w, b) for w, b in words if b[1] < 45), key=lambda wb: wb[1][0])
    for (_w1, a), (_w2, b) in itertools.pairwise(header):
        if abs(a[1] - b[1]) < 2:
            assert a[2] <= b[0] + 0.5, f"header words overlap: {_w1!r} {_w2!r}"
    assert squash(name[:60]) in squash(pdf_text(pdf))


def test_time_on_scene_per_unit_uses_one_format(shift):
    import dataclasses
    import re

    db, populated = shift
    summary = shift_summary(db, populated.shift_id)
    units = list(summary.units)
    units[0] = dataclasses.replace(units[0], onscene_s=305)  # under an hour: still h:mm:ss
    text = pdf_text(build_shift_report(dataclasses.replace(summary, units=tuple(units)), db.pack))
    section = text.split("Activity per unit", 1)[1].split("AC-0", 1)[0]
    times = re.findall(r"\b\d+:\d\d(?::\d\d)?\b", section)
    assert "0:05:05" in times and all(re.fullmatch(r"\d+:\d\d:\d\d", t) for t in times), times

"""Incident handoff sheet: summary, people, hazards, timeline, units, referrals and the offline map."""

from __future__ import annotations

from console.paperwork.handoff import handoff_pdf
from console.paperwork.static_map import static_map
from data import services
from data.services import incident_paperwork, welfare
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


def test_the_sheet_carries_the_whole_incident(shift, tmp_path):
    db, populated = shift
    check = welfare.welfare_checks_for_shift(db, populated.shift_id)[0]
    record = incident_paperwork.incident_paperwork(db, check.incident_id)
    inc = record.incident
    pdf = handoff_pdf(db, inc.id)
    text = pdf_text(pdf)
    flat = squash(text)
    for expected in (
        f"INCIDENT HANDOFF SHEET · {inc.number}",
        inc.call_type_label,
        inc.location,
        f"P{inc.priority}",
        inc.caller_name or "—",
        "Is a weapon involved or mentioned?",
        "☐ Yes ☑ No",
        "Needs LASD first",
        inc.narrative,
        "© OpenStreetMap contributors",
        "Timeline and notes",
    ):
        assert squash(expected) in flat, expected
    for unit in record.units:
        assert unit.call_sign in text
        assert all(squash(name) in flat for name in unit.officers)
    for referral in record.referrals:
        assert squash(referral.agency_name) in flat
    for event in record.events:
        assert squash(event.text)[:60] in flat
    assert f"Page 1 of {page_count(pdf)}" in text
    assert_fonts_embedded(pdf, tmp_path)
    pages = render_png(pdf, tmp_path, stem="handoff", dpi=60)
    assert ink_ratio(pages[0]) > 0.05  # the map and tables are drawn


def test_screening_answers_and_override_print(db, dispatcher):
    inc = services.create_incident(
        db,
        dispatcher,
        call_type="DISORD",
        location="Sunset & Doheny",
        screening={"weapon": True, "violence": False},
        response="joint",
    )
    flat = squash(pdf_text(handoff_pdf(db, inc.id)))
    assert squash("Is a weapon involved or mentioned? ☑ Yes ☐ No") in flat
    assert squash("Needs LASD first (call type or a yes above) ☑ Yes ☐ No") in flat
    assert squash("Joint response with LASD") in flat
    assert squash("No coordinates were recorded") in flat


def test_a_question_nobody_asked_prints_as_not_asked_never_as_no(db, dispatcher):
    inc = services.create_incident(
        db, dispatcher, call_type="NOISE", location="Plummer Park", screening={"weapon": False, "medical": None}
    )
    flat = squash(pdf_text(handoff_pdf(db, inc.id)))
    assert squash("Is a weapon involved or mentioned? ☐ Yes ☑ No") in flat
    for question in (
        "Is anyone being violent or threatening violence?",
        "Is there a medical emergency?",
        "Is a crime in progress?",
    ):
        assert squash(f"{question} ☐ Yes ☐ No Not asked") in flat
    assert squash("Needs LASD first (call type or a yes above) ☐ Yes ☐ No Unknown") in flat


def test_hostile_text_and_a_long_narrative_flow_onto_more_pages(db, dispatcher, tmp_path):
    inc = services.create_incident(
        db,
        dispatcher,
        call_type="WELFARE",
        location="<para>8300 & Santa Monica</para>",
        caller_name=HOSTILE_NAME[:120],
        narrative=hostile_narrative(),
        latitude=34.0901,
        longitude=-118.3676,
    )
    services.add_note(db, dispatcher, inc.id, hostile_narrative())
    pdf = handoff_pdf(db, inc.id)
    flat = squash(pdf_text(pdf))
    assert page_count(pdf) >= 6
    assert "Zoë<b>Bold</b>&<para>Мария</para>" in flat
    assert "<para>8300&SantaMonica</para>" in flat
    assert flat.count("Конецend-of-narrative") == 2  # narrative and the note in the timeline
    render_png(pdf, tmp_path, stem="hostile")


def test_the_static_map_draws_streets_limits_and_attribution_offline():
    drawing = static_map(34.0901, -118.3676, width=200, height=150, label="2026-000001")
    strings = [s.text for s in _strings(drawing)]
    assert "© OpenStreetMap contributors" in strings
    assert "2026-000001" in strings
    assert any(name.endswith(("Blvd", "Ave", "Dr", "St")) for name in strings)
    assert len(drawing.contents) > 40  # streets, casing, city limits


def _strings(node):
    from reportlab.graphics.shapes import Group, String

    for child in getattr(node, "contents", []):
        if isinstance(child, String):
            yield child
        elif isinstance(child, Group):
            yield from _strings(child)


def test_the_longest_notes_the_services_accept_lay_out(db, dispatcher, supervisor):
    """A 20,000-character disposition note and timeline note (the services' limit) print in full."""
    inc = services.create_incident(db, dispatcher, call_type="NOISE", location="8300 Santa Monica Blvd")
    long_note = hostile_narrative(20_000)
    services.add_note(db, dispatcher, inc.id, long_note)
    services.clear_incident(db, dispatcher, inc.id, disposition="18", note=long_note)
    pdf = handoff_pdf(db, inc.id)
    flat = squash(pdf_text(pdf))
    assert flat.count(squash("Конец end-of-narrative")) >= 3  # disposition, its timeline entry, the note
    assert page_count(pdf) > 3

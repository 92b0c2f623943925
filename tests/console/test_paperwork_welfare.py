"""Welfare-check form and the shift's welfare-check log."""

from __future__ import annotations

import datetime as dt

from console.paperwork.welfare import build_welfare_check, welfare_check_pdf, welfare_log_pdf
from data import services
from data.permissions import Actor
from data.services import incident_paperwork, referrals, welfare
from tests.console.paperwork_helpers import (
    HOSTILE_NAME,
    assert_fonts_embedded,
    hostile_narrative,
    page_count,
    pdf_text,
    render_png,
    squash,
)


def test_the_form_prints_every_field_with_ticked_boxes(db, dispatcher, supervisor, tmp_path):
    services.seed_directory(db, Actor("admin1", role="admin", workstation="ws-admin"))
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")
    unit = services.create_unit(db, supervisor, call_sign="CSO7")
    services.start_shift(
        db, supervisor, name="Day", supervisor="Sgt", starts_at=db.clock(), ends_at=db.clock() + dt.timedelta(hours=8)
    )
    services.sign_on_unit(db, supervisor, unit.id, officer_ids=[officer.id])
    inc = services.create_incident(
        db,
        dispatcher,
        call_type="WELFARE",
        location="Plummer Park",
        caller_name="Olga Petrova",
        caller_phone="323-555-0135",
        narrative="Man lying on the grass, not moving much.",
        screening={"weapon": False, "violence": False, "medical": False, "crime": False},
    )
    services.dispatch_units(db, dispatcher, inc.id, [unit.id])
    services.set_unit_status(db, dispatcher, unit.id, "onscene")
    welfare.record_welfare_check(
        db,
        dispatcher,
        incident_id=inc.id,
        officer_id=officer.id,
        subject_name="Luis",
        approx_age="about 55",
        description="Grey hoodie, backpack",
        observations={
            "responsive": True,
            "oriented": False,
            "injuries": None,
            "needs_medical": False,
            "housing_status": "unhoused",
            "safety_cautions": "Dog on scene",
            "condition": "Cold",
        },
        services_offered="Blanket, water, shelter bed",
        services_accepted=True,
        escalation=["care_team"],
        follow_up_needed=True,
        follow_up_note="Check at 9 tomorrow",
    )
    referrals.add_referral(db, dispatcher, incident_id=inc.id, agency_key="la_hop", outcome="accepted")
    services.clear_incident(db, dispatcher, inc.id, disposition="15", note="Shelter bed found")
    pdf = welfare_check_pdf(db, inc.id)
    text = pdf_text(pdf)
    flat = squash(text)
    for expected in (
        f"WELFARE-CHECK FORM · {inc.number}",
        "Welfare check (WELFARE)",
        "Received",
        "Dispatched",
        "On scene",
        "Cleared",
        "Plummer Park",
        "Man lying on the grass",
        "Olga Petrova",
        "323-555-0135",
        "Luis",
        "about 55",
        "Grey hoodie",
        "☐ Declined to give a name",
        "☑ Yes ☐ No ☐ Not assessed",  # responsive
        "☐ Yes ☑ No ☐ Not assessed",  # oriented
        "☐ Yes ☐ No ☑ Not assessed",  # injuries
        "☑ Unhoused",
        "Dog on scene",
        "Blanket, water, shelter bed",
        "☑ Accepted ☐ Declined",
        "LA-HOP homeless outreach request",
        "accepted",
        "☑ WeHo Care Team",
        "☐ LASD",
        "15 Referred to partner agency · Shelter bed found",
        "CSO7",
        "Priya Raman",
        "C7",
        "☑ Yes ☐ No",
        "Check at 9 tomorrow",
        "Officer's signature",
    ):
        assert squash(expected) in flat, expected
    assert_fonts_embedded(pdf, tmp_path)
    render_png(pdf, tmp_path, stem="form")


def test_a_check_not_yet_recorded_prints_a_blank_form_to_fill_in(db, dispatcher):
    inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Kings Road Park")
    text = pdf_text(welfare_check_pdf(db, inc.id))
    assert "☑" not in text
    assert text.count("☐") >= 20


def test_the_log_lists_every_check_of_the_shift_one_line_each(shift, tmp_path):
    db, populated = shift
    checks = welfare.welfare_checks_for_shift(db, populated.shift_id)
    assert checks
    pdf = welfare_log_pdf(db, populated.shift_id)
    text = pdf_text(pdf)
    flat = squash(text)
    assert "WELFARE-CHECK LOG" in text and "Sgt. Maria Alvarez" in text
    incidents = {i.id: i for i in services.get_incidents(db, [c.incident_id for c in checks])}
    for check in checks:
        assert incidents[check.incident_id].number in text
        for referral in referrals.referrals_for_incident(db, check.incident_id):
            assert squash(f"{referral.agency_name}: {referral.outcome}") in flat
    follow_ups = sum(1 for c in checks if c.follow_up_needed)
    assert f"{follow_ups} flagged for follow-up" in text
    assert flat.count("☑Yes") == follow_ups
    assert pdf_text(welfare_log_pdf(db, "current")) == text
    assert_fonts_embedded(pdf, tmp_path)
    render_png(pdf, tmp_path, stem="log")


def test_hostile_subject_and_description(db, dispatcher, tmp_path):
    inc = services.create_incident(
        db, dispatcher, call_type="WELFARE", location="<b>Park</b> & <para>", narrative=hostile_narrative()
    )
    welfare.record_welfare_check(
        db, dispatcher, incident_id=inc.id, subject_name=HOSTILE_NAME, description=hostile_narrative()
    )
    pdf = welfare_check_pdf(db, inc.id)
    flat = squash(pdf_text(pdf))
    assert page_count(pdf) >= 4
    assert "Zoë<b>Bold</b>&<para>Мария</para>" in flat
    assert "<b>Park</b>&<para>" in flat
    assert flat.count("Конецend-of-narrative") == 2
    render_png(pdf, tmp_path, stem="hostile")


def test_build_is_pure_given_the_paperwork_record(db, dispatcher):
    inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Sunset Strip")
    record = incident_paperwork.incident_paperwork(db, inc.id)
    assert pdf_text(build_welfare_check(record, db.pack)).count(inc.number) >= 2

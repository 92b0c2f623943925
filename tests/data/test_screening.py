"""Screening answers are yes, no or not asked, from the intake to the dispatch rule and the timeline."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text

from data import rules, services
from data.db import _alembic_config
from data.errors import SheriffFirstError, ValidationError
from data.models import Incident
from tests.data.helpers import NO_SCREENING, small_shift, welfare_call


def test_an_unanswered_question_is_stored_as_not_asked_never_as_no(any_db, dispatcher):
    inc = welfare_call(any_db, dispatcher, screening={"weapon": False, "violence": None})
    assert inc.screening == {"weapon": False}
    assert rules.unanswered(inc.screening) == ["violence", "medical", "crime"]
    created = services.timeline(any_db, inc.id)[0]
    assert "screening: weapon no · violence not asked · medical not asked · crime not asked" in created.text


def test_a_call_saved_without_screening_keeps_every_question_unasked(any_db, dispatcher):
    inc = services.create_incident(any_db, dispatcher, call_type="NOISE", location="Plummer Park")
    assert inc.screening == {}
    assert rules.screening_summary(inc.screening) == (
        "weapon not asked · violence not asked · medical not asked · crime not asked"
    )


def test_screening_answers_must_be_the_four_questions(db, dispatcher):
    with pytest.raises(ValidationError, match="Unknown screening question 'knife'"):
        welfare_call(db, dispatcher, screening={"knife": True})
    # A text "no" is not an answer: only true and false are.
    assert welfare_call(db, dispatcher, screening={"weapon": "no", "crime": 0}).screening == {}


def test_csos_alone_to_an_unscreened_call_need_a_reason_on_record(any_db, dispatcher):
    unit_id, *_ = small_shift(any_db, units=1)
    inc = services.create_incident(
        any_db, dispatcher, call_type="NOISE", location="Plummer Park", screening={"weapon": False}
    )
    with pytest.raises(SheriffFirstError, match=r"screening was not asked \(violence, medical, crime\)"):
        services.dispatch_units(any_db, dispatcher, inc.id, [unit_id])
    assert services.get_incident(any_db, inc.id).status == "pending"
    sent = services.dispatch_units(
        any_db, dispatcher, inc.id, [unit_id], override_reason="Caller hung up; officer will assess from the car"
    )
    assert sent.status == "dispatched" and sent.override_reason.startswith("Caller hung up")


def test_a_yes_still_means_the_sheriff_first_and_all_no_sends_csos(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    armed = welfare_call(db, dispatcher, screening=NO_SCREENING | {"weapon": True})
    with pytest.raises(SheriffFirstError, match="needs LASD first"):
        services.dispatch_units(db, dispatcher, armed.id, [unit_id])
    calm = welfare_call(db, dispatcher)
    assert services.dispatch_units(db, dispatcher, calm.id, [unit_id]).status == "dispatched"


def test_rules_never_read_an_unknown_as_no():
    assert rules.needs_sheriff(sheriff_first=False, screening={}) is False  # unknown is not yes either
    assert rules.screening_answer({"weapon": None}, "weapon") is None
    assert rules.screening_answer({"weapon": "false"}, "weapon") is None
    assert rules.clean_screening({"weapon": True, "violence": None}) == {"weapon": True}


def test_migration_0010_turns_legacy_no_answers_into_not_asked(db, dispatcher):
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    with db.engine.begin() as conn:
        # Before 0010 the intake wrote an untouched question as false.
        conn.execute(
            text(
                "INSERT INTO incidents (number, kind, call_type, apco_code, priority, status, location, caller_name,"
                " caller_phone, narrative, screening, response, override_reason, received_at, entered_at,"
                " status_changed_at, disposition_note, created_by, version) VALUES ('2026-000900', 'call', 'NOISE',"
                " 'NOISE', 3, 'pending', 'Plummer Park', '', '', '', :s, 'cso', '', :t, :t, :t, '', 'old', 1)"
            ),
            {"s": '{"weapon": true, "violence": false, "medical": false, "crime": false}', "t": "2026-11-26 16:00:00"},
        )
    db.upgrade()
    with db.read() as s:
        row = s.execute(select(Incident).where(Incident.number == "2026-000900")).scalar_one()
        assert row.screening == {"weapon": True}
        assert s.connection().exec_driver_sql("SELECT count(*) FROM intake_drafts").scalar_one() == 0

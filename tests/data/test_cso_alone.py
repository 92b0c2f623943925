"""A call type the pack says CSOs do not answer alone ("cso_alone = false"): the service holds the line.

A dispatcher may still send CSOs to it with law enforcement (a joint response) or alone on a recorded
override reason, exactly as for a Sheriff-first call; without either, nothing is written. A type
that lets CSOs go alone needs neither. The intake and the detail pane ask the same rules.
"""

from __future__ import annotations

import dataclasses

import pytest

from data import rules, services
from data.db import Database
from data.errors import SheriffFirstError
from data.pack import CallType
from tests.data.helpers import NO_SCREENING, small_shift

# VENDING: CSOs go only with the deputies, though nothing in it calls for the deputies first.
WITH_DEPUTIES = CallType(code="VENDING", label="Street vending", apco="VEND", priority=3, cso_alone=False)
# AUDIT2: officer-initiated work the pack does not let a CSO start alone.
NOT_ALONE_WORK = CallType(
    code="AUDIT2", label="Night safety audit", apco="ADMIN", priority=4, cso_alone=False, kind="self_initiated"
)


@pytest.fixture
def pack_db(db: Database) -> Database:
    """The test database's pack with two call types CSOs do not answer alone."""
    extra = {ct.code: ct for ct in (WITH_DEPUTIES, NOT_ALONE_WORK)}
    pack = dataclasses.replace(db.pack, call_types={**db.pack.call_types, **extra})
    db.pack = pack
    return db


def vending_call(db: Database, actor, **extra: object):
    fields = {"call_type": "VENDING", "location": "Plummer Park", "screening": dict(NO_SCREENING)} | extra
    return services.create_incident(db, actor, **fields)


# The rule, as the pack states it -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cso_alone", "sheriff_first", "rule", "alone"),
    [
        (True, False, "cso_alone", True),
        (False, False, "with_agency", False),
        (False, True, "sheriff_first", False),
        (True, True, "sheriff_first", False),
    ],
)
def test_what_a_call_type_allows_csos(cso_alone, sheriff_first, rule, alone):
    ct = CallType(code="X", label="X", apco="X", priority=3, cso_alone=cso_alone, sheriff_first=sheriff_first)
    assert rules.response_rule(ct) == rule
    assert rules.csos_may_go_alone(ct) is alone


def test_an_unknown_call_type_forbids_nothing():
    assert rules.response_rule(None) == "cso_alone" and rules.csos_may_go_alone(None)


# Dispatch: CSOs alone need a joint response or a reason ------------------------------------------


def test_csos_may_go_alone_to_a_type_that_allows_it_without_any_reason(pack_db, dispatcher):
    unit_id, *_ = small_shift(pack_db, units=1)
    call = services.create_incident(
        pack_db, dispatcher, call_type="NOISE", location="Plummer Park", screening=NO_SCREENING
    )
    assert services.dispatch_units(pack_db, dispatcher, call.id, [unit_id]).status == "dispatched"


def test_csos_are_not_sent_alone_to_a_type_that_does_not_allow_it(pack_db, dispatcher):
    unit_id, *_ = small_shift(pack_db, units=1)
    call = vending_call(pack_db, dispatcher)
    with pytest.raises(SheriffFirstError, match="is a street vending call: CSOs respond with LASD") as refused:
        services.dispatch_units(pack_db, dispatcher, call.id, [unit_id])
    assert "Mark a joint response, or record an override reason" in str(refused.value)
    with pytest.raises(SheriffFirstError):
        services.dispatch_units(pack_db, dispatcher, call.id, [unit_id], override_reason="   ")
    # Nothing was written: the call waits, the unit is free, the timeline has only the call.
    assert services.get_incident(pack_db, call.id).status == "pending"
    assert services.get_units(pack_db, [unit_id])[0].status == "available"
    assert [e.kind for e in services.timeline(pack_db, call.id)] == ["created"]


def test_a_joint_response_lets_csos_go_with_the_deputies(pack_db, dispatcher):
    unit_id, *_ = small_shift(pack_db, units=1)
    call = vending_call(pack_db, dispatcher)
    joint = services.transfer_to_sheriff(pack_db, dispatcher, call.id, joint=True)
    sent = services.dispatch_units(pack_db, dispatcher, call.id, [unit_id], expected_version=joint.version)
    assert (sent.status, sent.response) == ("dispatched", "joint")


def test_a_reason_on_record_lets_csos_go_alone(pack_db, dispatcher):
    first, second, *_ = small_shift(pack_db, units=2)
    at_dispatch = vending_call(pack_db, dispatcher)
    sent = services.dispatch_units(pack_db, dispatcher, at_dispatch.id, [first], override_reason="Deputies tied up")
    assert sent.override_reason == "Deputies tied up"
    at_intake = vending_call(pack_db, dispatcher, override_reason="Vendor known, no trouble before")
    assert services.dispatch_units(pack_db, dispatcher, at_intake.id, [second]).status == "dispatched"


def test_the_detail_pane_reads_why_a_reason_is_needed(pack_db, dispatcher):
    call = vending_call(pack_db, dispatcher)
    assert rules.csos_alone_need_override(call, pack_db.pack.call_types)
    assert rules.override_question(call, pack_db.pack.call_types, "LASD") == (
        "is a street vending call: CSOs respond with LASD"
    )


# Officer-initiated work: the unit is there alone from the start -----------------------------------


def test_officer_initiated_work_csos_may_not_do_alone_is_refused_and_writes_nothing(pack_db, dispatcher):
    unit_id, *_ = small_shift(pack_db, units=1)
    before = len(services.search_incidents(pack_db, "", limit=100))
    with pytest.raises(SheriffFirstError, match="AUDIT2 \\(Night safety audit\\) is not answered by CSOs alone"):
        services.start_self_initiated(pack_db, dispatcher, unit_id=unit_id, call_type="AUDIT2", location="City Hall")
    assert len(services.search_incidents(pack_db, "", limit=100)) == before
    assert services.get_units(pack_db, [unit_id])[0].status == "available"
    started = services.start_self_initiated(
        pack_db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="City Hall"
    )
    assert started.status == "onscene"

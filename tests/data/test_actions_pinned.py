"""What each incident status, unit status and role allows, written out as tables.

The views enable their buttons from ``rules.incident_actions`` and ``rules.unit_actions``; these tables
say what a dispatcher should see, never computed from the rule under test. The services refuse the
same actions on their own (tests/data/test_lifecycle.py and friends); the last tests here check that
an action the rule leaves out is indeed refused by its service.
"""

from __future__ import annotations

import pytest

from data import rules, services
from data.errors import DispatchError
from tests.data.helpers import small_shift, welfare_call

ALWAYS = {"note", "print", "export", "referral"}
PAPERWORK = {"cite", "welfare"}
OPEN = {"dispatch", "edit", "clear", "transfer"}

# Incident status -> what a dispatcher may do with no unit on it.
DISPATCHER_NO_UNITS = {
    "pending": ALWAYS | PAPERWORK | OPEN | {"cancel"},
    "dispatched": ALWAYS | PAPERWORK | OPEN | {"cancel"},
    "enroute": ALWAYS | PAPERWORK | OPEN | {"cancel"},
    "onscene": ALWAYS | PAPERWORK | OPEN,  # a unit is there: clear it, never cancel it
    "cleared": ALWAYS | PAPERWORK,
    "cancelled": ALWAYS | PAPERWORK,
    "transferred": ALWAYS | PAPERWORK,
    "merged": ALWAYS,  # paperwork goes on the incident it was merged into
}

# What a supervisor (and an administrator) may do besides: reopen a closed incident, never a merged one.
SUPERVISOR_EXTRA = {
    "pending": set(),
    "dispatched": set(),
    "enroute": set(),
    "onscene": set(),
    "cleared": {"reopen"},
    "cancelled": {"reopen"},
    "transferred": {"reopen"},
    "merged": set(),
}


@pytest.mark.parametrize("status", sorted(DISPATCHER_NO_UNITS))
@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "admin"])
def test_incident_actions_by_status_and_role(status: str, role: str) -> None:
    expected = DISPATCHER_NO_UNITS[status] | (SUPERVISOR_EXTRA[status] if role != "dispatcher" else set())
    assert rules.incident_actions(status, [], role) == expected


# Assigned unit statuses -> which of en route / on scene an open incident offers.
UNIT_PROGRESS = [
    ([], set()),
    (["dispatched"], {"enroute", "onscene"}),
    (["enroute"], {"onscene"}),
    (["onscene"], set()),
    (["busy"], set()),  # a unit writing reports on the call goes nowhere
    (["onscene", "dispatched"], {"enroute", "onscene"}),
    (["onscene", "enroute"], {"onscene"}),
]


@pytest.mark.parametrize(("unit_statuses", "progress"), UNIT_PROGRESS)
def test_open_incident_offers_the_next_step_of_its_units(unit_statuses: list[str], progress: set[str]) -> None:
    allows = rules.incident_actions("enroute", unit_statuses, "dispatcher")
    assert allows & {"enroute", "onscene"} == progress


@pytest.mark.parametrize("status", ["cleared", "cancelled", "transferred", "merged"])
def test_closed_incident_offers_no_unit_progress(status: str) -> None:
    assert not rules.incident_actions(status, ["dispatched"], "supervisor") & {"enroute", "onscene", "dispatch"}


def test_unknown_incident_status_allows_nothing() -> None:
    assert rules.incident_actions("lost", [], "admin") == frozenset()


TIMED = ("dispatched", "enroute", "onscene", "busy")

# Unit status -> what a dispatcher can do with a unit on shift that has an incident.
UNIT_WITH_INCIDENT = {
    "available": {"dispatch", "onscene", "busy", "break", "meal", "out_of_service", "off_duty"},
    "dispatched": {"enroute", "onscene", "available", "busy", "acknowledge"},
    "enroute": {"onscene", "available", "busy", "acknowledge"},
    "onscene": {"available", "busy", "acknowledge"},
    "busy": {"dispatch", "available", "break", "meal", "out_of_service", "off_duty", "acknowledge"},
    "break": {"available", "out_of_service", "off_duty"},
    "meal": {"available", "out_of_service", "off_duty"},
    "out_of_service": {"available", "off_duty"},
    "off_duty": {"available"},
}

# The same without an incident: en route and on scene need one.
UNIT_WITHOUT_INCIDENT = {
    "available": {"dispatch", "busy", "break", "meal", "out_of_service", "off_duty"},
    "dispatched": {"available", "busy", "acknowledge"},
    "enroute": {"available", "busy", "acknowledge"},
    "onscene": {"available", "busy", "acknowledge"},
    "busy": {"dispatch", "available", "break", "meal", "out_of_service", "off_duty", "acknowledge"},
    "break": {"available", "out_of_service", "off_duty"},
    "meal": {"available", "out_of_service", "off_duty"},
    "out_of_service": {"available", "off_duty"},
    "off_duty": {"available"},
}

# Not signed on to the shift: it can only be put off duty.
UNIT_OFF_SHIFT = {
    "available": {"off_duty"},
    "dispatched": set(),
    "enroute": set(),
    "onscene": set(),
    "busy": {"off_duty"},
    "break": {"off_duty"},
    "meal": {"off_duty"},
    "out_of_service": {"off_duty"},
    "off_duty": set(),
}


@pytest.mark.parametrize("status", sorted(UNIT_WITH_INCIDENT))
def test_unit_actions_by_status(status: str) -> None:
    assert rules.unit_actions(status, has_incident=True, timed_statuses=TIMED) == UNIT_WITH_INCIDENT[status]
    assert rules.unit_actions(status, timed_statuses=TIMED) == UNIT_WITHOUT_INCIDENT[status]
    assert rules.unit_actions(status, on_shift=False) == UNIT_OFF_SHIFT[status]


def test_acknowledge_follows_the_packs_timers() -> None:
    assert "acknowledge" not in rules.unit_actions("onscene")  # no timers given
    assert "acknowledge" in rules.unit_actions("break", timed_statuses=("break",))


def test_every_action_named_is_listed() -> None:
    named = set().union(*(rules.incident_actions(s, ["dispatched"], "admin") for s in DISPATCHER_NO_UNITS))
    assert named == set(rules.INCIDENT_ACTIONS)
    offered = set().union(*(rules.unit_actions(s, has_incident=True, timed_statuses=TIMED) for s in UNIT_WITH_INCIDENT))
    assert offered == set(rules.UNIT_ACTIONS)


# The services refuse on their own what the rule leaves out: the views only mirror them.
def test_service_refuses_cancel_on_scene(db, dispatcher) -> None:
    unit_id = small_shift(db, units=1)[0]
    inc = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, "onscene")
    assert "cancel" not in rules.incident_actions("onscene", ["onscene"], "dispatcher")
    with pytest.raises(DispatchError):
        services.cancel_incident(db, dispatcher, inc.id, reason="caller called back")


def test_service_refuses_a_dispatcher_reopening(db, dispatcher) -> None:
    inc = welfare_call(db, dispatcher)
    services.cancel_incident(db, dispatcher, inc.id, reason="caller called back")
    assert "reopen" not in rules.incident_actions("cancelled", [], "dispatcher")
    with pytest.raises(DispatchError):
        services.reopen_incident(db, dispatcher, inc.id, reason="again")

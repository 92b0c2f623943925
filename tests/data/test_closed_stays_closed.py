"""Closed means closed: a cleared or cancelled incident is not closed again, and of two clears one wins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from data import services
from data.errors import AlreadyClosedError, StaleWriteError
from data.permissions import Actor
from tests.data.helpers import small_shift, welfare_call

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20


def test_clearing_a_cleared_incident_is_refused_with_who_how_and_when(any_db, clock, dispatcher):
    unit_id, *_ = small_shift(any_db, units=1)
    inc = welfare_call(any_db, dispatcher)
    services.dispatch_units(any_db, dispatcher, inc.id, [unit_id])
    cleared = services.clear_incident(any_db, dispatcher, inc.id, disposition="13")
    clock.advance(minutes=3)
    other = Actor("dispatcher2", role="dispatcher", workstation="ws-2")
    with pytest.raises(AlreadyClosedError) as refused:
        services.clear_incident(any_db, other, inc.id, disposition="15")
    assert str(refused.value) == (
        f"Incident {inc.number} was already cleared (13 Information / administrative) by dispatcher1 at 08:00:00; "
        "reopen it first."
    )
    with pytest.raises(AlreadyClosedError, match="already cleared"):
        services.cancel_incident(any_db, other, inc.id, reason="caller called back")
    after = services.get_incident(any_db, inc.id)
    assert (after.status, after.disposition_code, after.version) == ("cleared", "13", cleared.version)
    assert [e.kind for e in services.timeline(any_db, inc.id)].count("status") == 1


def test_cancelling_a_cancelled_incident_is_refused(any_db, dispatcher):
    inc = welfare_call(any_db, dispatcher)
    services.cancel_incident(any_db, dispatcher, inc.id, reason="caller called back")
    with pytest.raises(AlreadyClosedError, match=r"already cancelled \(10 .*\) by dispatcher1 .*reopen it first"):
        services.cancel_incident(any_db, dispatcher, inc.id, reason="again")
    with pytest.raises(AlreadyClosedError, match="already cancelled"):
        services.clear_incident(any_db, dispatcher, inc.id, disposition="18")
    assert services.get_incident(any_db, inc.id).disposition_code == "10"


def test_a_clear_from_an_older_screen_is_stale(any_db, dispatcher):
    inc = welfare_call(any_db, dispatcher)
    newer = services.update_incident(any_db, dispatcher, inc.id, expected_version=inc.version, priority=1)
    with pytest.raises(StaleWriteError, match="was changed by dispatcher1"):
        services.clear_incident(any_db, dispatcher, inc.id, disposition="18", expected_version=inc.version)
    assert services.get_incident(any_db, inc.id).version == newer.version


def workstation(url: str, name: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.data.clear_race_child", url, name],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def race(db, *, with_versions: bool) -> list[list[str]]:
    """ROUNDS rounds: two processes clear the same open incident at the same moment; their answers per round."""
    a, b = workstation(db.url, "ws-a"), workstation(db.url, "ws-b")
    answers = []
    try:
        for _ in range(ROUNDS):
            inc = welfare_call(db, Actor("setup", role="dispatcher", workstation="ws-setup"))
            seen = str(inc.version) if with_versions else "-"
            for child in (a, b):
                assert child.stdin is not None
                child.stdin.write(f"{inc.id} {seen}\n")
                child.stdin.flush()
            round_answers = []
            for child in (a, b):
                assert child.stdout is not None
                round_answers.append(child.stdout.readline().strip())
            stored = services.get_incident(db, inc.id)
            assert stored.status == "cleared" and stored.version == inc.version + 1
            answers.append(sorted(round_answers))
    finally:
        for child in (a, b):
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)
    return answers


@pytest.mark.slow
def test_two_workstations_clearing_at_once_exactly_one_wins_the_other_sees_the_conflict(any_db):
    # The version each dispatcher saw travels with the clear: the loser is stale (the conflict panel).
    answers = race(any_db, with_versions=True)
    assert answers == [["ok", "stale"]] * ROUNDS
    # Without a version (an older client), the loser is refused because the incident is already closed.
    answers = race(any_db, with_versions=False)
    assert all(a[0].startswith("closed ") and "reopen it first" in a[0] and a[1] == "ok" for a in answers), answers

"""Random sequences of dispatcher actions keep every invariant of the dispatch model."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from data import rules, services
from data.clock import ManualClock
from data.db import Database
from data.errors import DispatchError
from data.models import AuditEntry, Incident, IncidentEvent, Unit
from data.permissions import Actor
from tests.data.helpers import small_shift

DISPATCHER = Actor("fuzz.dispatcher", workstation="ws-fuzz")
SUPERVISOR = Actor("fuzz.supervisor", role="supervisor", workstation="ws-fuzz")
CALL_TYPES = ["WELFARE", "NOISE", "MNTL", "MTLV", "OUTREACH", "SMOKING", "UFO"]
DISPOSITIONS = ["18", "15", "04", "14", "", "99"]
CLOSED = ("cleared", "cancelled", "transferred", "merged")
# An open incident shows its most advanced unit: written out here, not read from the rule under test.
PROGRESS = {"dispatched": 1, "enroute": 2, "onscene": 3}
ASSIGNED = ("dispatched", "enroute", "onscene")


def expected_status(unit_statuses: list[str]) -> str:
    best = max((PROGRESS.get(s, 0) for s in unit_statuses), default=0)
    return ("pending", "dispatched", "enroute", "onscene")[best]


class DispatchMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.clock = ManualClock(dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC))
        self.db = Database(f"sqlite:///{Path(self.tmp.name) / 'fuzz.sqlite3'}", clock=self.clock)
        self.units = small_shift(self.db, units=3)
        self.incidents: list[int] = []
        self.last_refused = False

    def teardown(self) -> None:
        self.db.dispose()
        self.tmp.cleanup()

    def counts(self) -> tuple[int, int, int]:
        with self.db.read() as s:
            return (
                s.scalar(select(func.count()).select_from(Incident)),
                s.scalar(select(func.count()).select_from(IncidentEvent)),
                # A permission refusal leaves its own audit row (outcome "refused"); nothing else may change.
                s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome != "refused")),
            )

    def act(self, fn, *args, events: tuple[int, ...] = (1,), **kwargs):
        """Run one action: success writes one audit entry and its events; refusal writes nothing."""
        before = self.counts()
        try:
            result = fn(self.db, *args, **kwargs)
        except DispatchError:
            assert self.counts() == before, f"a refused {fn.__name__} wrote something"
            return None
        after = self.counts()
        assert after[2] - before[2] == 1, f"{fn.__name__} wrote {after[2] - before[2]} audit entries"
        assert after[1] - before[1] in events, f"{fn.__name__} wrote {after[1] - before[1]} timeline events"
        return result

    @rule(seconds=st.integers(0, 900))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds=seconds)

    def incident(self, incident_id: int) -> Incident:
        with self.db.read() as s:
            row = s.get(Incident, incident_id)
            assert row is not None
            s.expunge(row)
            return row

    @rule(
        call_type=st.sampled_from(CALL_TYPES),
        priority=st.sampled_from([None, 1, 2, 3, 4, 0, 9]),
        answers=st.fixed_dictionaries({q: st.sampled_from([True, False, None]) for q in rules.SCREENING_QUESTIONS}),
    )
    def new_call(self, call_type: str, priority: int | None, answers: dict[str, bool | None]) -> None:
        rec = self.act(
            services.create_incident,
            DISPATCHER,
            call_type=call_type,
            priority=priority,
            location="8300 Santa Monica Blvd",
            screening=answers,
        )
        if rec is not None:
            # Unknown is stored as unknown, never as no.
            assert rec.screening == {q: a for q, a in answers.items() if a is not None}
            self.incidents.append(rec.id)

    @precondition(lambda self: self.incidents)
    @rule(data=st.data(), override=st.booleans())
    def dispatch(self, data: st.DataObject, override: bool) -> None:
        incident = data.draw(st.sampled_from(self.incidents))
        unit = data.draw(st.sampled_from(self.units))
        before = self.incident(incident)
        done = self.act(
            services.dispatch_units,
            DISPATCHER,
            incident,
            [unit],
            override_reason="scene safe per LASD" if override else "",
        )
        if done is not None and not override:
            # CSOs alone reach an armed, violent or unscreened call only with a reason on record.
            assert not rules.csos_alone_need_override(before, self.db.pack.call_types), before.screening

    @rule(data=st.data(), status=st.sampled_from(rules.UNIT_STATUSES))
    def unit_status(self, data: st.DataObject, status: str) -> None:
        unit = data.draw(st.sampled_from(self.units))
        self.act(services.set_unit_status, DISPATCHER, unit, status, events=(0, 1))

    @precondition(lambda self: self.incidents)
    @rule(data=st.data(), code=st.sampled_from(DISPOSITIONS))
    def clear(self, data: st.DataObject, code: str) -> None:
        incident = data.draw(st.sampled_from(self.incidents))
        before = self.incident(incident)
        done = self.act(services.clear_incident, DISPATCHER, incident, disposition=code)
        if before.status in CLOSED:
            # Closed means closed: a second clear never rewrites the disposition.
            assert done is None and self.incident(incident).disposition_code == before.disposition_code

    @precondition(lambda self: self.incidents)
    @rule(data=st.data(), behind=st.integers(0, 2))
    def clear_as_seen(self, data: st.DataObject, behind: int) -> None:
        """A clear from a screen that showed an older version is refused; the current one may go through."""
        incident = data.draw(st.sampled_from(self.incidents))
        before = self.incident(incident)
        seen = before.version - behind
        done = self.act(services.clear_incident, DISPATCHER, incident, disposition="18", expected_version=seen)
        if behind or before.status in CLOSED:
            assert done is None and self.incident(incident).version == before.version

    @precondition(lambda self: self.incidents)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        incident = data.draw(st.sampled_from(self.incidents))
        before = self.incident(incident)
        done = self.act(services.cancel_incident, DISPATCHER, incident, reason="caller cancelled")
        if before.status in CLOSED:
            assert done is None and self.incident(incident).disposition_code == before.disposition_code

    @precondition(lambda self: self.incidents)
    @rule(data=st.data(), joint=st.booleans())
    def transfer(self, data: st.DataObject, joint: bool) -> None:
        self.act(services.transfer_to_sheriff, DISPATCHER, data.draw(st.sampled_from(self.incidents)), joint=joint)

    @precondition(lambda self: self.incidents)
    @rule(data=st.data(), supervisor=st.booleans())
    def reopen(self, data: st.DataObject, supervisor: bool) -> None:
        actor = SUPERVISOR if supervisor else DISPATCHER
        self.act(services.reopen_incident, actor, data.draw(st.sampled_from(self.incidents)), reason="called back")

    @precondition(lambda self: len(self.incidents) >= 2)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        dup, into = data.draw(st.lists(st.sampled_from(self.incidents), min_size=2, max_size=2, unique=True))
        self.act(services.merge_duplicate, DISPATCHER, duplicate_id=dup, into_id=into, events=(2,))

    @precondition(lambda self: self.incidents)
    @rule(data=st.data(), text=st.text(max_size=40))
    def note(self, data: st.DataObject, text: str) -> None:
        self.act(services.add_note, DISPATCHER, data.draw(st.sampled_from(self.incidents)), text)

    @rule(data=st.data())
    def acknowledge(self, data: st.DataObject) -> None:
        self.act(services.acknowledge_check, DISPATCHER, data.draw(st.sampled_from(self.units)), events=(0, 1))

    @invariant()
    def model_is_consistent(self) -> None:
        with self.db.read() as s:
            units = s.scalars(select(Unit)).all()
            incidents = {i.id: i for i in s.scalars(select(Incident)).all()}
            event_times = s.scalars(select(IncidentEvent.at).order_by(IncidentEvent.id)).all()
        for unit in units:
            # One active incident per unit, and only while the unit is working it.
            if unit.incident_id is not None:
                assert unit.status in ASSIGNED, (unit.call_sign, unit.status)
                assert incidents[unit.incident_id].status in ("dispatched", "enroute", "onscene")
            else:
                assert unit.status not in ASSIGNED
        for inc in incidents.values():
            assigned = [u.status for u in units if u.incident_id == inc.id]
            if inc.status in ("pending", "dispatched", "enroute", "onscene"):
                assert inc.status == expected_status(assigned), (inc.number, assigned)
            else:
                assert not assigned
            if inc.status in ("cleared", "cancelled", "transferred", "merged"):
                assert inc.disposition_code, f"{inc.number} closed without a disposition"
                assert inc.cleared_at is not None
            stamps = [inc.received_at, inc.dispatched_at, inc.onscene_at]
            known = [t for t in stamps if t is not None]
            assert known == sorted(known), f"{inc.number} times go backwards"
        assert list(event_times) == sorted(event_times), "timeline times go backwards"


DispatchMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Minutes on a loaded machine: slow, and left out of the mutation runs (./scripts/mutation), whose
# named tests pin each rule in a fraction of a second.
TestDispatchInvariants = pytest.mark.slow(DispatchMachine.TestCase)

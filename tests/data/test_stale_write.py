"""Two dispatchers editing one incident: the second write is refused, never silently applied."""

from __future__ import annotations

import pytest

from data import services
from data.db import Database
from data.errors import StaleWriteError
from data.permissions import Actor
from tests.data.helpers import small_shift, welfare_call


def test_second_update_on_a_stale_version_is_refused(any_db, clock, dispatcher):
    inc = welfare_call(any_db, dispatcher)
    other_console = Database(any_db.url, clock=clock, upgrade=False)
    other = Actor("dispatcher2", workstation="ws-2")
    seen_by_a = services.get_incident(any_db, inc.id)
    seen_by_b = services.get_incident(other_console, inc.id)

    first = services.update_incident(any_db, dispatcher, inc.id, expected_version=seen_by_a.version, priority=1)
    with pytest.raises(StaleWriteError, match="changed by dispatcher1 \\(update incident") as err:
        services.update_incident(
            other_console, other, inc.id, expected_version=seen_by_b.version, location="Plummer Park"
        )
    assert err.value.changed_by == "dispatcher1"
    stored = services.get_incident(any_db, inc.id)
    assert stored == first
    assert (stored.priority, stored.location) == (1, "8300 Santa Monica Blvd")
    other_console.dispose()


def test_dispatch_on_a_stale_view_is_refused(db, dispatcher):
    unit_id, second, *_ = small_shift(db)
    inc = welfare_call(db, dispatcher)
    seen = services.get_incident(db, inc.id)
    services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    with pytest.raises(StaleWriteError):
        services.dispatch_units(db, dispatcher, inc.id, [second], expected_version=seen.version)
    assert services.get_incident(db, inc.id).units == ("CSO11",)

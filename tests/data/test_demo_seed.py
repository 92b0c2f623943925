"""The demo seed is one transaction: stopped half-way it leaves nothing, and the next seed finishes."""

from __future__ import annotations

import pytest

from data import demo, services


class Stopped(Exception):
    """Stands for the process being killed part-way through the seed."""


def test_a_seed_stopped_half_way_leaves_an_empty_database_and_can_run_again(db, monkeypatch):
    real = services.dispatch_units
    calls = {"n": 0}

    def dispatch_then_die(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 6:
            raise Stopped
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "dispatch_units", dispatch_then_die)
    with pytest.raises(Stopped):
        demo.seed_demo(db)
    assert calls["n"] == 6  # units and incidents were written before the stop
    assert services.is_empty(db)
    assert not services.load_board(db).incidents
    monkeypatch.setattr(services, "dispatch_units", real)
    summary = demo.seed_demo(db)
    assert summary.units == 10 and summary.incidents >= 40
    assert len(services.load_board(db).units) == 10

"""A workstation killed mid-write never loses an action it reported as committed."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from data import services
from data.db import Database
from tests.data.helpers import small_shift

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_committed_action(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    setup = Database(url, clock=clock)
    small_shift(setup, units=2)
    setup.dispose()
    rng = random.Random(1225)
    reported: dict[str, set[int]] = {"created": set(), "dispatched": set(), "cleared": set()}
    kills = 0
    while kills < 24:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.data.crash_child", url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert child.stdout is not None
        first = child.stdout.readline()  # the child is up and writing
        assert first.startswith("created"), first
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        child.wait()
        kills += 1
        for line in [first, *out.splitlines()]:
            if line.strip():
                verb, ident, *_ = line.split()
                reported[verb].add(int(ident))

        raw = sqlite3.connect(tmp_path / "crash.sqlite3")
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.close()
        db = Database(url)
        stored = {i.id: i for i in services.get_incidents(db, sorted(reported["created"]))}
        db.dispose()
        assert set(stored) >= reported["created"], "an incident reported as created is missing"
        for ident in reported["dispatched"]:
            assert stored[ident].dispatched_at is not None
        for ident in reported["cleared"]:
            assert stored[ident].status == "cleared" and stored[ident].disposition_code == "18"
    assert kills >= 20 and len(reported["cleared"]) > 20

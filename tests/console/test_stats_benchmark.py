"""The statistics benchmark fills a year on SQLite and PostgreSQL and times the dashboard on both."""

from __future__ import annotations

import argparse

import pytest

from console.benchmarks.stats import fill, run
from data.db import Database
from data.statistics import statistics


def test_a_generated_year_adds_up(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'year.sqlite3'}")
    try:
        start, end = fill(db, 3000)
        stats = statistics(db, start, end)
    finally:
        db.dispose()
    assert stats.calls + stats.self_initiated == 3000
    assert sum(c.count for c in stats.by_day) == stats.calls == sum(c.count for c in stats.by_hour)
    assert len(stats.by_day) == 365 and 0 < stats.self_initiated < 3000 * 0.15
    assert all(i.count > 0 and i.median_s is not None for i in stats.intervals)
    assert stats.referrals_made > 0 and stats.people_served_repeatedly > 0 and stats.repeat_location_count > 0


@pytest.mark.postgres
def test_benchmark_reports_both_databases(pg_url):
    figures = run(argparse.Namespace(area="stats", json=True, incidents=2000))
    assert set(figures) >= {"stats_year_s", "stats_year_s_postgresql", "stats_year_cpu_s"}
    assert figures["stats_year_incidents"] == 2000
    # Figures, not limits: the benchmark reports the speed; a test only checks each was measured.
    assert figures["stats_year_s"] > 0 and figures["stats_year_s_postgresql"] > 0

"""Reproducible accuracy and speed benchmarks: the registry of areas `cso-console bench` runs.

Every area is listed here with the figures it must return and the options of its quick run (seconds,
not minutes), which the test suite runs for every area so a broken benchmark fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Area:
    name: str
    summary: str
    figures: tuple[str, ...]  # keys every run returns (the README's table names them)
    quick: dict[str, Any] = field(default_factory=dict)  # options for a quick run (tests)
    needs: str = ""  # "postgresql": the local server; "checkout": the repository's tests/ helpers


AREAS: dict[str, Area] = {
    a.name: a
    for a in (
        Area(
            "core",
            "dispatch actions and the board load on SQLite",
            ("create_dispatch_clear_ms_median", "load_board_ms"),
            {"rounds": 3, "history": 200},
        ),
        Area(
            "ui",
            "queue and board models, and the main window ready in a fresh process",
            ("row_update_ms_median", "tick_ms_median", "filter_ms_median", "window_ready_s"),
            {"incidents": 60, "units": 8, "rounds": 3, "window_runs": 1},
        ),
        Area(
            "start",
            "process start to the window with its rows, and to the map drawn, against a bare QtWebEngine page",
            ("window_ready_s", "start_to_usable_s", "bare_webengine_s", "usable_to_bare_ratio"),
            {"runs": 1},
        ),
        Area(
            "map",
            "time to a drawn map, incremental marker updates against a full rebuild, geocoding",
            ("map_ready_s", "incremental_update_ms", "full_rebuild_ms", "geocode_ms_median"),
            {"incidents": 20, "units": 5, "rounds": 2, "addresses": 10},
        ),
        Area(
            "geocoder",
            "geocoding error and speed over two held-out sets of addresses",
            (
                "geocode_ms_median",
                "geocode_error_m_median",
                "geocode_error_m_median_second",
                "geocode_error_m_median_second_large_sites",
                "geocode_confident_within_30m_ratio",
                "geocode_confident_count",
            ),
            {"count": 20},
        ),
        Area(
            "paperwork",
            "a citation PDF and a shift report",
            ("citation_ms_median", "shift_report_300_s"),
            {"incidents": 12, "repeats": 2},
        ),
        Area(
            "sync",
            "a change on one console reaching another (LISTEN/NOTIFY and polling)",
            ("propagation_ms_median", "propagation_ms_p95", "polling_ms_p95"),
            {"changes": 10},
            needs="postgresql",
        ),
        Area(
            "failover",
            "a promoted standby and a frozen primary, four positions",
            ("failover_resume_s", "frozen_primary_refusal_s"),
            {"deadline": 1.0},
            needs="checkout",
        ),
        Area(
            "stats",
            "the statistics dashboard over a year on SQLite and PostgreSQL",
            ("stats_year_s", "stats_year_s_postgresql"),
            {"incidents": 500},
            needs="postgresql",
        ),
        Area(
            "auth",
            "sign-in, refusals and the audit view",
            ("sign_in_ms_median", "unknown_user_ms_median"),
            {"rounds": 2, "audit_rows": 500},
        ),
        Area(
            "eido",
            "EIDO call transfers in and their answers out",
            (
                "import_sample_ms_median",
                "import_repeat_ms_median",
                "import_2mib_s",
                "refuse_dev_zero_ms",
                "note_transferred_ms_median",
                "note_ours_ms_median",
                "publish_update_ms",
            ),
            {"rounds": 2},
        ),
        Area(
            "audit",
            "sealing audit rows into the hash chain and verifying the chain",
            ("audit_seal_100k_s", "audit_verify_100k_s", "audit_verify_rows_per_s"),
            {"rows": 2000},
        ),
        Area(
            "history",
            "a place's history (incidents within the radius over 12 months) over years of data, SQLite and PostgreSQL",
            (
                "location_history_ms_median_sqlite",
                "location_history_ms_p95_sqlite",
                "location_history_ms_median_postgresql",
                "location_history_ms_p95_postgresql",
            ),
            {"incidents": 400, "lookups": 10},
            needs="postgresql",
        ),
    )
}

"""The cso-console command line: help, seed-demo, bench."""

from __future__ import annotations

import json
import subprocess
import sys

from data import services
from data.db import Database


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, timeout=timeout)


def test_help_lists_the_subcommands():
    done = cli("--help")
    assert done.returncode == 0
    for command in ("run", "seed-demo", "bench", "screenshot", "geocode"):
        assert command in done.stdout


def test_seed_demo_fills_an_empty_database_quickly_and_only_once(tmp_path):
    db_file = tmp_path / "demo.sqlite3"
    first = cli("seed-demo", "--db", str(db_file))
    assert first.returncode == 0, first.stderr
    assert "10 units, 14 officers" in first.stdout
    db = Database(f"sqlite:///{db_file}")
    board = services.load_board(db)
    statuses = {i.status for i in board.incidents}
    assert len(board.incidents) >= 40
    assert {"pending", "dispatched", "enroute", "onscene", "cleared", "cancelled", "transferred", "merged"} <= statuses
    assert len({i.call_type for i in board.incidents}) >= 12
    assert services.active_shift(db).name.startswith("DEMO")
    db.dispose()
    again = cli("seed-demo", "--db", str(db_file))
    assert again.returncode == 1 and "only goes into an empty database" in again.stdout


def test_bench_core_prints_the_named_figures_as_json():
    done = cli("bench", "core", "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["create_dispatch_clear_ms_median"] > 0
    assert figures["load_board_ms"] > 0


def test_migrate_brings_a_new_database_to_the_newest_revision(tmp_path):
    from alembic.script import ScriptDirectory

    from data.db import _alembic_config

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    done = cli("migrate", "--db", str(tmp_path / "new.sqlite3"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"schema at revision {head}")

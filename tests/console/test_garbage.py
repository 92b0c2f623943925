"""Reference cycles holding widgets are collected on the GUI thread, never on a database worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_child(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        return subprocess.run(
            [sys.executable, "-m", "tests.console.garbage_child", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired as hung:
        return subprocess.CompletedProcess(hung.cmd, -1, hung.stdout or "", "hung: " + str(hung.stderr or ""))


def test_closed_widgets_in_cycles_are_collected_by_the_gui_thread_not_by_a_busy_worker():
    child = run_child()
    assert child.returncode == 0, child.stderr
    assert "alive after the worker: 30; after the GUI thread ran: 0" in child.stdout


def test_without_the_collector_a_busy_worker_collects_widgets_and_the_process_hangs_or_crashes():
    # The fault the collector exists for, shown so that the test above cannot pass by luck.
    child = run_child("--without-collector")
    assert child.returncode != 0 or "alive after the worker: 0" in child.stdout

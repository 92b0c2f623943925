"""The UI benchmark reports its named figures, the window one from the real main window."""

from __future__ import annotations

import os
import subprocess
import sys


def test_ui_benchmark_prints_every_named_figure():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console.benchmarks.ui",
            "--incidents",
            "60",
            "--units",
            "8",
            "--rounds",
            "3",
            "--window-runs",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("row_update_ms_median", "tick_ms_median", "filter_ms_median", "window_ready_s"):
        assert figures[key] > 0, key
    assert figures["incidents"] == 60

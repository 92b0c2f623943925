"""The paperwork benchmark runs end to end and reports its figures."""

from __future__ import annotations

import argparse

from console.benchmarks.paperwork import run


def test_benchmark_reports_citation_and_shift_report_times():
    figures = run(["--incidents", "24", "--repeats", "3"])
    assert set(figures) >= {"citation_ms_median", "shift_report_300_s"}
    # Figures, not limits: the benchmark reports the speed; a test only checks each was measured.
    assert figures["citation_ms_median"] > 0 and figures["shift_report_300_s"] > 0
    assert figures["incidents"] == 24


def test_benchmark_accepts_the_bench_command_namespace():
    figures = run(argparse.Namespace(area="paperwork", json=True, incidents=12, repeats=2))
    assert figures["incidents"] == 12

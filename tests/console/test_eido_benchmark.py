"""The transfer benchmark runs end to end and reports its figures."""

from __future__ import annotations

from console.benchmarks.eido import run


def test_benchmark_reports_import_refusal_and_answer_figures():
    figures = run(rounds=3)
    assert set(figures) >= {
        "import_sample_ms_median",
        "import_repeat_ms_median",
        "import_2mib_s",
        "refuse_dev_zero_ms",
        "note_transferred_ms_median",
        "note_ours_ms_median",
        "publish_update_ms",
    }
    # Figures, not limits: the benchmark reports the speed; a test only checks each was measured.
    assert figures["import_sample_ms_median"] > 0 and figures["import_2mib_s"] > 0
    assert figures["rounds"] == 3
    assert 2_000_000 < figures["document_2mib_bytes"] <= 2 * 1024 * 1024

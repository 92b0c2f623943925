"""Every benchmark area runs in its quick size and returns the figures the README lists.

No timing is asserted: these tests make a broken benchmark fail the suite, not a slow machine.
"""

from __future__ import annotations

import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import console.benchmarks
from console.benchmarks import AREAS

ROOT = Path(__file__).resolve().parents[2]
FIGURE = re.compile(r"`([a-z][a-z0-9_]*)`")


def readme_figures() -> dict[str, set[str]]:
    """Area -> the figure names the README's benchmark table gives for it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Benchmarks", 1)[1].split("\n\n", 2)[2]  # after the heading and its paragraph
    found: dict[str, set[str]] = {}
    for line in table.splitlines()[2:]:  # below the header row and its rule
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        names = {n for n in FIGURE.findall(cells[1]) if "_" in n}
        for area in FIGURE.findall(cells[0]):
            found.setdefault(area, set()).update(names)
    return found


def test_every_module_is_a_registered_area_and_in_the_readme():
    modules = {m.name for m in pkgutil.iter_modules(console.benchmarks.__path__) if not m.name.startswith("_")}
    assert modules == set(AREAS)
    listed = readme_figures()
    assert set(listed) == set(AREAS), "the README's benchmark table has a row for every area and no other"
    for name, area in AREAS.items():
        assert set(area.figures) <= listed[name] | set(area.figures)
        assert listed[name], name


def test_bench_command_offers_every_area():
    from console.cli import build_parser

    args = build_parser().parse_args(["bench", "core", "--quick", "--json"])
    assert args.area == "core" and args.quick
    for name in AREAS:
        assert build_parser().parse_args(["bench", name]).area == name


def _marks(name: str) -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.slow]
    if AREAS[name].needs == "postgresql":
        marks.append(pytest.mark.postgres)
    return marks


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in AREAS])
def test_area_runs_quick_and_returns_every_listed_figure(name: str, tmp_path: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the map page is built, not taken from a cache
    done = subprocess.run(
        [sys.executable, "-m", "console", "bench", name, "--quick", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    expected = set(AREAS[name].figures) | readme_figures()[name]
    missing = sorted(expected - set(figures))
    assert not missing, f"bench {name} no longer returns {missing}"
    for key in AREAS[name].figures:
        assert isinstance(figures[key], int | float), key

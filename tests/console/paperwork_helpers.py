"""Helpers for the paperwork tests: a populated shift, PDF text, fonts and page rendering with poppler."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

HOSTILE_NAME = "Zoë <b>Bold</b> & <para>Мария</para> שלום مرحبا 🚑"


def hostile_narrative(limit: int = 20_000) -> str:
    """Exactly `limit` characters of numbered words with markup and scripts mixed in, ending in a marker."""
    marker = " Конец end-of-narrative"
    words = []
    n = 0
    while sum(len(w) + 1 for w in words) < limit:
        words.append(f"w{n:05d}" if n % 7 else f"<b>&amp;{n}</b>")
        n += 1
    return " ".join(words)[: limit - len(marker)] + marker


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def squash(text: str) -> str:
    """Text without any whitespace, so words wrapped across lines still compare."""
    return re.sub(r"\s+", "", text)


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} (poppler-utils) is not installed: apt-get install -y poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def fonts(pdf: bytes, tmp_path: Path) -> list[dict[str, str]]:
    """pdffonts rows: name, type, emb (yes/no)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) >= 7:
            # name, type (may be two words), encoding, emb, sub, uni, object id
            rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def assert_fonts_embedded(pdf: bytes, tmp_path: Path) -> None:
    rows = fonts(pdf, tmp_path)
    assert rows, "no fonts found"
    for row in rows:
        assert row["emb"] == "yes", f"font {row['name']} is not embedded"
        assert "DejaVu" in row["name"], f"unexpected font {row['name']}"


def render_png(pdf: bytes, tmp_path: Path, *, dpi: int = 40, stem: str = "page") -> list[Path]:
    """Every page as a PNG through pdftoppm; a broken page makes pdftoppm fail or print errors."""
    source = tmp_path / f"{stem}.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(
        [poppler("pdftoppm"), "-r", str(dpi), "-png", str(source), str(tmp_path / stem)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
    pages = sorted(tmp_path.glob(f"{stem}-*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    return pages


def ink_ratio(png: Path) -> float:
    """Share of non-white pixels of a rendered page (a blank page is about 0)."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert not image.isNull()
    dark = 0
    total = 0
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            total += 1
            if image.pixelColor(x, y).lightness() < 200:
                dark += 1
    return dark / total


def populated_database(folder: Path, *, incidents: int = 30, hours: float = 8.0):
    """A database holding one simulated shift (citations, welfare checks, referrals, open calls)."""
    from console.benchmarks.paperwork import SHIFT_START, populate_shift
    from data.clock import ManualClock
    from data.db import Database

    clock = ManualClock(SHIFT_START)
    db = Database(f"sqlite:///{folder / 'shift.sqlite3'}", clock=clock)
    populated = populate_shift(db, clock, incidents=incidents, hours=hours)
    return db, clock, populated

"""Embedded TrueType fonts for the paperwork (DejaVu: accents, Cyrillic, check boxes)."""

from __future__ import annotations

import functools
import threading
from importlib import resources
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
MONO = "DejaVuSansMono"

_FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf"}
_lock = threading.Lock()


def font_dir() -> Path:
    return Path(str(resources.files("resources") / "fonts"))


@functools.cache
def _register() -> None:
    folder = font_dir()
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    # No oblique face is shipped: <i> falls back to the upright faces rather than to Helvetica.
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, SANS_BOLD)
    addMapping(SANS_BOLD, 0, 0, SANS_BOLD)
    addMapping(SANS_BOLD, 1, 0, SANS_BOLD)
    addMapping(SANS_BOLD, 0, 1, SANS_BOLD)
    addMapping(SANS_BOLD, 1, 1, SANS_BOLD)
    addMapping(MONO, 0, 0, MONO)
    addMapping(MONO, 1, 0, MONO)
    addMapping(MONO, 0, 1, MONO)
    addMapping(MONO, 1, 1, MONO)


def register_fonts() -> None:
    """Register the fonts with ReportLab once per process (safe from worker threads)."""
    with _lock:
        _register()

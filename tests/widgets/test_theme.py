"""Themes: applying them, text size, and colours that stay readable on both backgrounds."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from widgets import theme


def luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def restore_app(qapp):
    """apply_theme changes the whole application: put it back for the other tests."""
    state = (qapp.styleSheet(), QPalette(qapp.palette()), qapp.font(), qapp.property("cso_theme"))
    points = qapp.property("cso_font_points")
    yield qapp
    qapp.setStyleSheet(state[0])
    qapp.setPalette(state[1])
    qapp.setFont(state[2])
    qapp.setProperty("cso_theme", state[3])
    qapp.setProperty("cso_font_points", points)


def test_apply_theme_sets_style_palette_and_text_size(restore_app):
    app = restore_app
    assert theme.apply_theme(app, "day", 13) == 13
    assert theme.current_theme(app) == "day"
    assert app.font().pointSize() == 13
    assert "QTableView" in app.styleSheet()
    assert app.palette().color(QPalette.ColorRole.Base) == theme.colors("day").base
    assert theme.colors() is theme.colors("day")
    # None keeps the size; sizes are clamped to a readable range.
    assert theme.apply_theme(app, "night") == 13
    assert theme.current_theme(app) == "night"
    assert theme.apply_theme(app, "night", 99) == theme.MAX_FONT_POINTS
    assert theme.apply_theme(app, "night", 2) == theme.MIN_FONT_POINTS
    with pytest.raises(ValueError, match="Unknown theme"):
        theme.apply_theme(app, "neon")
    assert theme.current_theme(app) == "night"


def test_style_sheets_set_no_font_size():
    for name in theme.THEMES:
        text = theme.style_sheet(name)
        assert "font-size" not in text and "font:" not in text, name


@pytest.mark.parametrize("name", theme.THEMES)
def test_text_and_pills_are_readable(name):
    c = theme.colors(name)
    for background in (c.base, c.alternate):
        assert contrast(c.text, background) >= 7
        assert contrast(c.muted, background) >= 4.5
        for priority, color in c.priority.items():
            assert contrast(color, background) >= 4.5, (name, priority)
        assert contrast(c.amber, background) >= 4.5
        assert contrast(c.red, background) >= 4.5
    for status, pill in c.status.items():
        assert contrast(pill.text, pill.fill) >= 4.5, (name, status)
    # Alarm text stays readable on its own tinted rows.
    assert contrast(c.amber, c.amber_tint) >= 4.5
    assert contrast(c.red, c.red_tint) >= 4.5
    assert contrast(c.text, c.flash) >= 4.5
    assert contrast(c.text, c.flash_warning) >= 4.5
    assert contrast(c.selection_text, c.selection) >= 7


def test_each_priority_has_its_own_shape_and_colour():
    assert len(set(theme.PRIORITY_SHAPES.values())) == 4
    for name in theme.THEMES:
        assert len({color.name() for color in theme.colors(name).priority.values()}) == 4

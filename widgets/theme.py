"""Night and day themes: style sheets, palettes, priority/status colours and the badge painters."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from PySide6.QtCore import QCoreApplication, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPolygonF
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem

THEMES = ("night", "day")
DEFAULT_THEME = "night"  # dispatch rooms are dim; a light screen glares at night
DEFAULT_FONT_POINTS = 10
MIN_FONT_POINTS = 8
MAX_FONT_POINTS = 24

# Shape per priority, so a colour-blind dispatcher reads urgency without the colour.
PRIORITY_SHAPES = {1: "diamond", 2: "triangle", 3: "circle", 4: "square"}
PRIORITY_GLYPHS = {1: "◆", 2: "▲", 3: "●", 4: "■"}

_THEME_PROPERTY = "cso_theme"
_FONT_PROPERTY = "cso_font_points"


@dataclass(frozen=True)
class Pill:
    """A filled status pill: its fill and the text colour that reads on it."""

    fill: QColor
    text: QColor


@dataclass(frozen=True, eq=False)
class ThemeColors:
    """Everything a delegate needs to paint one theme."""

    name: str
    window: QColor
    base: QColor
    alternate: QColor
    text: QColor
    muted: QColor
    grid: QColor
    header: QColor
    selection: QColor
    selection_text: QColor
    focus: QColor
    accent: QColor
    priority: dict[int, QColor]
    status: dict[str, Pill]
    amber: QColor  # warning accent (pending too long, status check due)
    amber_tint: QColor  # row background for a warning
    red: QColor  # critical accent
    red_tint: QColor  # row background for a critical state
    flash: QColor  # the "on" phase of a flashing critical row
    flash_warning: QColor  # the "on" phase of a flashing warning row


def _c(hex_color: str, alpha: int = 255) -> QColor:
    color = QColor(hex_color)
    color.setAlpha(alpha)
    return color


def _pill(fill: str, text: str) -> Pill:
    return Pill(_c(fill), _c(text))


def colors(name: str | None = None) -> ThemeColors:
    """The palette of a theme (the current application theme when no name is given)."""
    if name is None:
        name = current_theme()
    if name not in THEMES:
        raise ValueError(f"Unknown theme {name!r}; choose one of {', '.join(THEMES)}.")
    return _palette(name)


@functools.cache
def _palette(name: str) -> ThemeColors:
    if name == "night":
        return ThemeColors(
            name="night",
            window=_c("#12161c"),
            base=_c("#171c23"),
            alternate=_c("#1c222a"),
            text=_c("#e3e8ef"),
            muted=_c("#8f9bab"),
            grid=_c("#262d37"),
            header=_c("#1f262f"),
            selection=_c("#2b4a72"),
            selection_text=_c("#ffffff"),
            focus=_c("#5aa2ff"),
            accent=_c("#5aa2ff"),
            priority={1: _c("#ff5c5c"), 2: _c("#ff9d3b"), 3: _c("#f2cc4b"), 4: _c("#8fa6c4")},
            status={
                "pending": _pill("#c8372d", "#ffffff"),
                "dispatched": _pill("#e0b12e", "#1b1400"),
                "enroute": _pill("#2a6fc0", "#ffffff"),
                "onscene": _pill("#8150c8", "#ffffff"),
                "cleared": _pill("#3a434f", "#d4dbe4"),
                "cancelled": _pill("#3a434f", "#d4dbe4"),
                "transferred": _pill("#34506e", "#d6e6fa"),
                "merged": _pill("#3a434f", "#d4dbe4"),
                "available": _pill("#2fae63", "#05180c"),
                "busy": _pill("#5a6b80", "#ffffff"),
                "break": _pill("#76664a", "#ffffff"),
                "meal": _pill("#76664a", "#ffffff"),
                "out_of_service": _pill("#7a2f2f", "#ffdede"),
                "off_duty": _pill("#3a434f", "#c9d1db"),
            },
            amber=_c("#ffb547"),
            amber_tint=_c("#3a2d12"),
            red=_c("#ff6b6b"),
            red_tint=_c("#471c1f"),
            flash=_c("#8f1f26"),
            flash_warning=_c("#6b4d10"),
        )
    return ThemeColors(
        name="day",
        window=_c("#eef1f5"),
        base=_c("#ffffff"),
        alternate=_c("#f4f6f9"),
        text=_c("#141a22"),
        muted=_c("#56616f"),
        grid=_c("#dde2e9"),
        header=_c("#e6eaf0"),
        selection=_c("#cfe2ff"),
        selection_text=_c("#0b1a2e"),
        focus=_c("#1c64d1"),
        accent=_c("#1c64d1"),
        priority={1: _c("#c62828"), 2: _c("#a84d00"), 3: _c("#8a6a00"), 4: _c("#4a6485")},
        status={
            "pending": _pill("#c62828", "#ffffff"),
            "dispatched": _pill("#f2c12e", "#1f1700"),
            "enroute": _pill("#1f6fc5", "#ffffff"),
            "onscene": _pill("#7443c0", "#ffffff"),
            "cleared": _pill("#dde2e9", "#333c48"),
            "cancelled": _pill("#dde2e9", "#333c48"),
            "transferred": _pill("#d3e3f7", "#1c3b63"),
            "merged": _pill("#dde2e9", "#333c48"),
            "available": _pill("#187a42", "#ffffff"),
            "busy": _pill("#5a6b80", "#ffffff"),
            "break": _pill("#e8dcc4", "#4a3a16"),
            "meal": _pill("#e8dcc4", "#4a3a16"),
            "out_of_service": _pill("#f6d5d5", "#7a1d1d"),
            "off_duty": _pill("#dde2e9", "#333c48"),
        },
        amber=_c("#9a5b00"),
        amber_tint=_c("#fff1d6"),
        red=_c("#b71c1c"),
        red_tint=_c("#fde0e0"),
        flash=_c("#f7a8a8"),
        flash_warning=_c("#ffd98a"),
    )


def status_pill(status: str, name: str | None = None) -> Pill:
    palette = colors(name)
    return palette.status.get(status, palette.status["off_duty"])


# Applying a theme ------------------------------------------------------------------------------
def style_sheet(name: str) -> str:
    """The QSS text of a theme, read from the shipped resources."""
    if name not in THEMES:
        raise ValueError(f"Unknown theme {name!r}; choose one of {', '.join(THEMES)}.")
    return (resources.files("resources") / "themes" / f"{name}.qss").read_text(encoding="utf-8")


def current_theme(app: QCoreApplication | None = None) -> str:
    instance = app if app is not None else QApplication.instance()
    value = instance.property(_THEME_PROPERTY) if instance is not None else None
    return str(value) if value in THEMES else DEFAULT_THEME


def current_font_points(app: QCoreApplication | None = None) -> int:
    instance = app if app is not None else QApplication.instance()
    value = instance.property(_FONT_PROPERTY) if instance is not None else None
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_FONT_POINTS


def _qpalette(c: ThemeColors) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        pal.setColor(group, role.Window, c.window)
        pal.setColor(group, role.WindowText, c.text)
        pal.setColor(group, role.Base, c.base)
        pal.setColor(group, role.AlternateBase, c.alternate)
        pal.setColor(group, role.Text, c.text)
        pal.setColor(group, role.Button, c.header)
        pal.setColor(group, role.ButtonText, c.text)
        pal.setColor(group, role.Highlight, c.selection)
        pal.setColor(group, role.HighlightedText, c.selection_text)
        pal.setColor(group, role.ToolTipBase, c.header)
        pal.setColor(group, role.ToolTipText, c.text)
        pal.setColor(group, role.PlaceholderText, c.muted)
        pal.setColor(group, role.Link, c.accent)
    pal.setColor(QPalette.ColorGroup.Disabled, role.Text, c.muted)
    pal.setColor(QPalette.ColorGroup.Disabled, role.WindowText, c.muted)
    pal.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, c.muted)
    return pal


def apply_theme(app: QApplication, name: str = DEFAULT_THEME, font_points: int | None = None) -> int:
    """Style the whole application; returns the text size in points now in force.

    ``font_points`` raises or lowers the text size of every widget (clamped to a readable range);
    None keeps the current size. The style sheets set no font sizes so this one setting rules.
    """
    palette = colors(name)  # validates the name before anything changes
    points = current_font_points(app) if font_points is None else int(font_points)
    points = max(MIN_FONT_POINTS, min(MAX_FONT_POINTS, points))
    if app.style().name().lower() != "fusion":
        # Fusion draws every control from the palette, so both themes look the same on every OS.
        app.setStyle("Fusion")
    app.setPalette(_qpalette(palette))
    font = QFont(app.font())
    font.setPointSize(points)
    app.setFont(font)
    app.setStyleSheet(style_sheet(name))
    app.setProperty(_THEME_PROPERTY, name)
    app.setProperty(_FONT_PROPERTY, points)
    return points


# Painting helpers shared by the queue and board delegates ---------------------------------------
def paint_cell_background(
    painter: QPainter, option: QStyleOptionViewItem, palette: ThemeColors, tint: QColor | None = None
) -> bool:
    """Row background, tint (escalation, flash) and selection; returns whether the cell is selected."""
    rect = option.rect
    alternate = bool(option.features & QStyleOptionViewItem.ViewItemFeature.Alternate)
    painter.fillRect(rect, palette.alternate if alternate else palette.base)
    if tint is not None:
        painter.fillRect(rect, tint)
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    if selected:
        sel = QColor(palette.selection)
        if tint is not None:
            sel.setAlpha(200)  # keep a hint of the alarm colour under the selection
        painter.fillRect(rect, sel)
    return selected


def paint_text(
    painter: QPainter,
    rect: QRect,
    text: str,
    color: QColor,
    font: QFont,
    *,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    padding: int = 6,
) -> None:
    inner = rect.adjusted(padding, 0, -padding, 0)
    metrics = QFontMetrics(font)
    elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
    painter.setFont(font)
    painter.setPen(color)
    painter.drawText(inner, int(align | Qt.AlignmentFlag.AlignVCenter), elided)


def _shape_path(shape: str, box: QRectF) -> QPainterPath:
    path = QPainterPath()
    cx, cy = box.center().x(), box.center().y()
    half = box.width() / 2
    if shape == "diamond":
        path.addPolygon(
            QPolygonF([QPointF(cx, cy - half), QPointF(cx + half, cy), QPointF(cx, cy + half), QPointF(cx - half, cy)])
        )
    elif shape == "triangle":
        path.addPolygon(
            QPolygonF(
                [QPointF(cx, cy - half), QPointF(cx + half, cy + half * 0.8), QPointF(cx - half, cy + half * 0.8)]
            )
        )
    elif shape == "circle":
        path.addEllipse(box.adjusted(1, 1, -1, -1))
    else:
        path.addRect(box.adjusted(1.5, 1.5, -1.5, -1.5))
    path.closeSubpath()
    return path


def paint_priority_badge(
    painter: QPainter, rect: QRect, priority: int, palette: ThemeColors, font: QFont, *, padding: int = 6
) -> None:
    """A shape per priority (diamond, triangle, circle, square) in its colour, then "P<n>"."""
    color = palette.priority.get(priority, palette.muted)
    metrics = QFontMetrics(font)
    size = max(8, metrics.ascent() - 1)
    box = QRectF(rect.left() + padding, rect.center().y() - size / 2 + 0.5, size, size)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPath(_shape_path(PRIORITY_SHAPES.get(priority, "square"), box))
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    painter.setPen(color)
    text_rect = QRect(int(box.right()) + 5, rect.top(), rect.right() - int(box.right()) - 5, rect.height())
    painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), f"P{priority}")
    painter.restore()


def paint_pill(painter: QPainter, rect: QRect, text: str, pill: Pill, font: QFont, *, padding: int = 6) -> None:
    """A rounded, filled label sized to its text; the text is always drawn, never colour alone."""
    small = QFont(font)
    small.setBold(True)
    if small.pointSizeF() > 0:
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
    metrics = QFontMetrics(small)
    height = min(rect.height() - 4, metrics.height() + 4)
    available = rect.width() - 2 * padding
    label = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, available - 14))
    width = min(available, metrics.horizontalAdvance(label) + 14)
    box = QRectF(rect.left() + padding, rect.center().y() - height / 2 + 0.5, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(pill.fill)
    painter.drawRoundedRect(box, height / 2, height / 2)
    painter.setFont(small)
    painter.setPen(pill.text)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), label)
    painter.restore()


def paint_focus_edge(painter: QPainter, option: QStyleOptionViewItem, palette: ThemeColors, first_column: bool) -> None:
    """A bar on the selected row's first cell: the current row stays findable without colour."""
    if first_column and option.state & QStyle.StateFlag.State_Selected:
        painter.fillRect(QRect(option.rect.left(), option.rect.top(), 3, option.rect.height()), palette.focus)


def row_height(font: QFont) -> int:
    """Compact rows that still fit a pill: text height plus a little air."""
    return QFontMetrics(font).height() + 8


__all__ = [
    "DEFAULT_THEME",
    "PRIORITY_GLYPHS",
    "PRIORITY_SHAPES",
    "THEMES",
    "Pill",
    "ThemeColors",
    "apply_theme",
    "colors",
    "current_font_points",
    "current_theme",
    "paint_cell_background",
    "paint_focus_edge",
    "paint_pill",
    "paint_priority_badge",
    "paint_text",
    "row_height",
    "status_pill",
    "style_sheet",
]

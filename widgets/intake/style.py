"""The intake form's look: screening answers and indicators that read at a glance in both themes."""

from __future__ import annotations

from widgets import theme


def form_style() -> str:
    """The form's style sheet in the current theme: answers, indicators and its boxes' borders."""
    palette = theme.colors()
    base, muted, accent = palette.base.name(), palette.muted.name(), palette.accent.name()
    amber, red = palette.amber.name(), palette.red.name()
    return f"""
        QCheckBox::indicator, QRadioButton::indicator {{
            width: 13px; height: 13px; border: 1px solid {muted}; background: {base}; }}
        QRadioButton::indicator {{ border-radius: 7px; }}
        QCheckBox::indicator:checked {{ background: {red}; border: 1px solid {red}; }}
        QRadioButton::indicator:checked {{
            background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5,
                stop:0 {accent}, stop:0.5 {accent}, stop:0.62 {base}, stop:1 {base});
            border: 1px solid {accent}; }}
        QCheckBox::indicator:focus, QRadioButton::indicator:focus {{ border: 1px solid {accent}; }}
        QCheckBox:checked {{ color: {red}; font-weight: 600; }}
        QLabel#screeningState {{ font-weight: 600; min-width: 64px; }}
        QLabel#screeningState[answer="yes"] {{ color: {red}; }}
        QLabel#screeningState[answer="unasked"] {{ color: {amber}; }}
        QLabel[answer="yes"] {{ color: {red}; font-weight: 600; }}
        QGroupBox {{ border: 1px solid {palette.grid.name()}; border-radius: 4px; margin-top: 14px;
            padding: 6px 6px 4px 6px; }}
        QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {muted}; }}
        QGroupBox#duplicateBox {{ border: 1px solid {amber}; }}
        QGroupBox#duplicateBox::title {{ color: {amber}; font-weight: 600; }}
        QGroupBox#responseBox {{ border: 1px solid {red}; }}
        QGroupBox#responseBox::title {{ color: {red}; font-weight: 600; }}
        QLabel#intakeHeader {{ font-size: 15pt; font-weight: 700; }}
        QLabel#intakeReceived {{ color: {muted}; font-family: monospace; }}
        QLabel#intakeDraft {{ color: {muted}; }}
        QGroupBox#draftsBox {{ border: 1px solid {accent}; }}
        QGroupBox#draftsBox::title {{ color: {accent}; font-weight: 600; }}
        QLabel#fieldLabel {{ font-weight: 600; }}
        """

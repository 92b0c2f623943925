"""Builders and waits shared by the widget tests: a staffed shift, a welfare call, a settled board, a shown pane."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QTableView, QWidget

from data import services
from data.db import Database
from data.permissions import Actor
from data.records import IncidentRecord

CITY_HALL = (34.0905, -118.3707)


def staff(
    db: Database,
    supervisor: Actor,
    signs: Sequence[str] = ("CSO-12", "CSO-14"),
    *,
    skills_after_first: Sequence[str] = (),
    spread: float = 0.0,
) -> dict[str, int]:
    """An active shift with one officer per unit, all available at City Hall (`spread` degrees of latitude apart).

    Every officer but the first has `skills_after_first`; returns unit ids by call sign.
    """
    now = db.clock()
    services.start_shift(
        db, supervisor, name="Day", supervisor="Sgt. Vega", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )
    ids = {}
    for n, sign in enumerate(signs):
        officer = services.create_officer(
            db, supervisor, badge=f"B-{n}", name=f"Officer {sign}", skills=list(skills_after_first) if n else []
        )
        unit = services.create_unit(db, supervisor, call_sign=sign)
        services.sign_on_unit(
            db,
            supervisor,
            unit.id,
            officer_ids=[officer.id],
            zone="0976",
            latitude=CITY_HALL[0] + spread * n,
            longitude=CITY_HALL[1],
        )
        ids[sign] = unit.id
    return ids


def welfare(db: Database, actor: Actor, **extra: object) -> IncidentRecord:
    """A pending welfare call at City Hall; `extra` adds or replaces fields."""
    fields: dict[str, object] = {
        "call_type": "WELFARE",
        "location": "8300 Santa Monica Blvd",
        "latitude": CITY_HALL[0],
        "longitude": CITY_HALL[1],
        "caller_name": "Ana Ruiz",
        "caller_phone": "310-555-0100",
        "screening": {"weapon": False, "violence": False, "medical": False, "crime": False},
    }
    fields.update(extra)
    return services.create_incident(db, actor, **fields)  # type: ignore[arg-type]


def settled(store) -> bool:
    return store.runner.pending == 0 and not store.flush_timer.isActive()


def load_settled(qtbot, store) -> None:
    """Load the board, then let the feed echoes of the setup writes drain before the test looks."""
    with qtbot.waitSignal(store.board_loaded, timeout=5000):
        store.load()
    qtbot.waitUntil(lambda: settled(store), timeout=5000)


def show_table_pane(qtbot, widget: QWidget, width: int, height: int) -> QWidget:
    """A queue or board pane on screen with its clock stopped: the tests drive the tick."""
    widget.model.tick_timer.stop()  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def reader_name(widget: QWidget) -> str:
    """The name a screen reader receives (QAccessible): the name set in code, else the label's or button's text."""
    from PySide6.QtGui import QAccessible

    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def unnamed_controls(pane: QWidget) -> list[QWidget]:
    """Controls a screen reader would find without a name (a label showing nothing is left out)."""
    return [c for c in form_controls(pane) if not reader_name(c) and not (isinstance(c, QLabel) and not c.text())]


def form_controls(pane: QWidget) -> list[QWidget]:
    """Every combo, line edit, table, label and button inside a pane."""
    controls: list[QWidget] = []
    for kind in (QComboBox, QLineEdit, QTableView, QLabel, QPushButton):
        controls += pane.findChildren(kind)
    return controls

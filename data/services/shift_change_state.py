"""What the shift change shows before it happens: the outgoing shift and its figures, the open incidents
to carry over, every unit and officer, the roster now and the zones used so far.

Kept apart from `data.services.shift_change` (the change itself): it reads `data.shift_summary`, which
imports the services package, so the package's `__init__` must not import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.db import Database
from data.records import OfficerRecord, ShiftRecord, UnitRecord
from data.services.queries import active_shift, get_units, load_board, officers
from data.services.shift_change import RosterMember, current_roster, known_zones
from data.shift_summary import CarriedOver, ShiftSummary, shift_summary


@dataclass(frozen=True)
class ShiftChangeState:
    """Everything the shift-change view shows, read in one call off the GUI thread."""

    shift: ShiftRecord | None
    summary: ShiftSummary | None
    carried: tuple[CarriedOver, ...]
    units: tuple[UnitRecord, ...]
    officers: tuple[OfficerRecord, ...]
    roster: tuple[RosterMember, ...]
    zones: tuple[str, ...]


def load_shift_change(db: Database) -> ShiftChangeState:
    """The active shift's figures, the open incidents, every unit and officer, the roster now.

    Without an active shift (the first one) the open incidents come from the board, most urgent first.
    """
    shift = active_shift(db)
    summary = shift_summary(db, shift.id) if shift is not None else None
    if summary is not None:
        carried = summary.carried_over
    else:
        open_ones = sorted(
            (i for i in load_board(db).incidents if i.is_open), key=lambda i: (i.priority, i.received_at)
        )
        carried = tuple(CarriedOver(i, "", None, "") for i in open_ones)
    return ShiftChangeState(
        shift=shift,
        summary=summary,
        carried=carried,
        units=tuple(get_units(db)),
        officers=tuple(officers(db)),
        roster=tuple(current_roster(db)),
        zones=tuple(known_zones(db)),
    )


__all__ = ["ShiftChangeState", "load_shift_change"]

"""Shift change: the view (`view`), its two table models (`models`) and the roster's editor (`delegate`);
what it shows is read by `data.services.shift_change_state`."""

from widgets.shift_change.delegate import ChoiceDelegate
from widgets.shift_change.models import CarryModel, RosterModel, RosterRow
from widgets.shift_change.view import ShiftChangeView

__all__ = ["CarryModel", "ChoiceDelegate", "RosterModel", "RosterRow", "ShiftChangeView"]

"""Call intake: the form a call is taken in (type, place, caller, screening, duplicates, drafts), as panels.

``IntakeForm`` (form.py) composes the panels, each of one concern: call type and priority
(call_type.py), location (location.py), possible duplicates (duplicates.py), caller and callback
(caller.py), screening (screening.py), how a call needing law enforcement is answered (response.py),
drafts (drafts.py) and the narrative field (narrative.py); style.py is its look. The rules they mirror are data.rules' and data.services.validate's.
"""

from widgets.intake.call_type import MAX_TYPE_SUGGESTIONS, PRIORITY_LABELS, rank_call_types, response_rule
from widgets.intake.drafts import DRAFT_DEBOUNCE_MS
from widgets.intake.form import IntakeForm
from widgets.intake.location import GEOCODE_DEBOUNCE_MS
from widgets.intake.narrative import NarrativeEdit
from widgets.intake.response import response_choices
from widgets.intake.screening import SCREENING_MNEMONICS, ScreeningQuestion

__all__ = [
    "DRAFT_DEBOUNCE_MS",
    "GEOCODE_DEBOUNCE_MS",
    "MAX_TYPE_SUGGESTIONS",
    "PRIORITY_LABELS",
    "SCREENING_MNEMONICS",
    "IntakeForm",
    "NarrativeEdit",
    "ScreeningQuestion",
    "rank_call_types",
    "response_choices",
    "response_rule",
]

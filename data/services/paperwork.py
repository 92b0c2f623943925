"""The paperwork services under their former module name, for the widget modules still importing it.

Citations live in `data.services.citations`, welfare checks in `data.services.welfare`, referrals and their
follow-ups in `data.services.referrals`, what is printed about an incident in
`data.services.incident_paperwork`, shift choice in `data.services.shifts` and name folding in
`data.services.person_names`. Only `widgets/incident_detail.py` and `widgets/command_line.py` still import
this module (they are being split into panels); once they import from the modules above, delete it.
"""

from __future__ import annotations

from data.services.citations import (
    CitationQuote,
    RepeatOffenseError,
    citation_number,
    citations_for_incident,
    citations_for_shift,
    get_citation,
    issue_citation,
    prior_offenses,
    proposed_disposition,
    quote_citation,
    violator_key,
    void_citation,
)
from data.services.incident_paperwork import (
    IncidentPaperwork,
    PaperworkContext,
    RespondingUnit,
    incident_paperwork,
    paperwork_context,
    read_incident_paperwork,
    responding_units,
)
from data.services.person_names import normalise_name, parse_dob
from data.services.referrals import REFERRAL_OUTCOMES, add_referral, referrals_for_incident, referrals_for_shift
from data.services.shifts import recent_shifts, resolve_shift, shift_window
from data.services.welfare import (
    HOUSING_STATUSES,
    OBSERVATION_FLAGS,
    record_welfare_check,
    welfare_check_for_incident,
    welfare_checks_for_shift,
    welfare_incidents_for_shift,
)

__all__ = [
    "HOUSING_STATUSES",
    "OBSERVATION_FLAGS",
    "REFERRAL_OUTCOMES",
    "CitationQuote",
    "IncidentPaperwork",
    "PaperworkContext",
    "RepeatOffenseError",
    "RespondingUnit",
    "add_referral",
    "citation_number",
    "citations_for_incident",
    "citations_for_shift",
    "get_citation",
    "incident_paperwork",
    "issue_citation",
    "normalise_name",
    "paperwork_context",
    "parse_dob",
    "prior_offenses",
    "proposed_disposition",
    "quote_citation",
    "read_incident_paperwork",
    "recent_shifts",
    "record_welfare_check",
    "referrals_for_incident",
    "referrals_for_shift",
    "resolve_shift",
    "responding_units",
    "shift_window",
    "violator_key",
    "void_citation",
    "welfare_check_for_incident",
    "welfare_checks_for_shift",
    "welfare_incidents_for_shift",
]

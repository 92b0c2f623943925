"""Incident handoff sheet: summary, people, hazards, narrative, units, referrals, timeline and a map."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, KeepTogether, TableStyle

from console.paperwork.common import (
    DASH,
    Styles,
    build_document,
    cells,
    content_width,
    disposition_text,
    esc,
    field,
    gap,
    grid,
    local,
    markup,
    options,
    or_dash,
    page_decor,
    para,
    styles,
    table,
)
from console.paperwork.place_notes import PlaceNotes, place_notes, place_section
from console.paperwork.static_map import static_map
from data import rules
from data.db import Database
from data.pack import Pack
from data.services.incident_paperwork import IncidentPaperwork, incident_paperwork


def response_text(response: str, agency: str) -> str:
    """How the incident is answered, naming the pack's law-enforcement agency."""
    texts = {"cso": "CSO only", "joint": f"Joint response with {agency}", "sheriff": f"{agency} (transferred)"}
    return texts.get(response, response)


# A disposition note longer than this prints under the summary, where it may run over pages.
SUMMARY_NOTE = 300


def yes_no(answer: bool | None) -> str:
    """Two printed boxes as markup, one ticked: ☑ Yes ☐ No (both empty when not asked)."""
    return options([(answer is True, "Yes"), (answer is False, "No")])


def _summary(p: IncidentPaperwork, pack: Pack, st: Styles, width: float) -> Flowable:
    inc = p.incident
    tz = pack.timezone
    disposition = disposition_text(inc, pack) or DASH
    if len(inc.disposition_note or "") > SUMMARY_NOTE:
        # The summary sits beside the map in one table row, which cannot run onto a second page.
        disposition = disposition_text(replace(inc, disposition_note=""), pack) + " · note in full below"
    half = width / 2
    rows: list[list[Any]] = [
        [
            field("Call type", f"{inc.call_type_label} ({inc.call_type}; APCO {inc.apco_code})", st),
            field("Priority", f"P{inc.priority}", st),
        ],
        [
            field("Status", rules.STATUS_LABELS.get(inc.status, inc.status), st),
            field("Zone", inc.zone or ("in city" if inc.in_city else ""), st),
        ],
        [field("Location", inc.location, st), ""],
        [field("Received", local(inc.received_at, tz), st), field("Dispatched", local(inc.dispatched_at, tz), st)],
        [field("En route", local(inc.enroute_at, tz), st), field("On scene", local(inc.onscene_at, tz), st)],
        [
            field("Cleared / closed", local(inc.cleared_at, tz), st),
            field("Response", response_text(inc.response, pack.agency), st),
        ],
        [field("Disposition", disposition, st), ""],
    ]
    if p.merged_into_number:
        rows.append([field("Merged into", p.merged_into_number, st), ""])
    inner = half - 10
    summary = grid(rows, [inner * 0.62, inner * 0.38])
    summary.setStyle(TableStyle([("SPAN", (0, i), (1, i)) for i, r in enumerate(rows) if r[1] == ""]))
    if inc.latitude is None or inc.longitude is None:
        right: list[Flowable] = [
            para("No coordinates were recorded for this location, so no map is printed.", st.small)
        ]
    else:
        right = [
            static_map(
                inc.latitude, inc.longitude, width=half - 10, height=half * 0.82, label=inc.number, geo_dir=pack.geo_dir
            )
        ]
        right.append(para(f"{inc.latitude:.5f}, {inc.longitude:.5f}", st.tiny))
    return table(
        [[summary, right]],
        [half, half],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (0, 0), 10),
            ("RIGHTPADDING", (1, 0), (1, 0), 0),
        ],
    )


def _people(p: IncidentPaperwork, st: Styles, width: float) -> list[Flowable]:
    inc = p.incident
    wc = p.welfare_check
    if wc is None:
        subject = "Not recorded"
        age = ""
        desc = ""
    else:
        subject = "Declined to give a name" if wc.subject_declined else (wc.subject_name or "Not named")
        age, desc = wc.approx_age, wc.description
    third = width / 3
    rows: list[list[Any]] = [
        [
            field("Caller / reporting party", inc.caller_name, st),
            field("Callback number", inc.caller_phone, st),
            field("Subject", subject, st),
        ],
        [field("Subject's approximate age", age, st), field("Subject description", desc, st), ""],
    ]
    people = grid(rows, [third, third, third])
    people.setStyle(TableStyle([("SPAN", (1, 1), (2, 1))]))
    return [markup("Caller and subject", st.h2), people]


def _hazards(p: IncidentPaperwork, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    inc = p.incident
    rows = [[markup("<b>Screening question</b>", st.cell), markup("<b>Answer</b>", st.cell)]]
    for key, question in rules.SCREENING_QUESTIONS.items():
        answer = rules.screening_answer(inc.screening, key)
        shown = yes_no(answer) if answer is not None else f"{yes_no(None)} <b>Not asked</b>"
        rows.append([para(question, st.cell), markup(shown, st.cell)])
    needs = rules.incident_needs_sheriff(inc, pack.call_types)
    # An unasked question leaves the answer open: "No" would tell the officer something nobody said.
    needs_text = (
        yes_no(True)
        if needs
        else (f"{yes_no(None)} <b>Unknown</b>" if rules.unanswered(inc.screening) else yes_no(False))
    )
    rows.append([para(f"Needs {pack.agency} first (call type or a yes above)", st.cell), markup(needs_text, st.cell)])
    out: list[Flowable] = [markup("Hazards and screening", st.h2), grid(rows, [width * 0.7, width * 0.3], header=True)]
    notes = []
    if inc.override_reason:
        notes.append(f"<b>Override recorded:</b> {esc(inc.override_reason)}")
    cautions = (p.welfare_check.observations.get("safety_cautions") if p.welfare_check else "") or ""
    if cautions:
        notes.append(f"<b>Safety cautions:</b> {esc(cautions)}")
    if p.welfare_check and p.welfare_check.escalation:
        notes.append(
            "<b>Escalated to:</b> "
            + esc(", ".join(pack.escalation_labels.get(e, e) for e in p.welfare_check.escalation))
        )
    for note in notes:
        out += [gap(3), markup(note, st.body)]
    return out


def _units(p: IncidentPaperwork, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [markup("Units", st.h2)]
    if not p.units:
        return [*out, para("No unit was dispatched.", st.body)]
    rows = [cells(("Unit", "Officers", "Badges", "Unit status now"), st.cell_bold)]
    for u in p.units:
        status = rules.STATUS_LABELS.get(u.status, u.status) + (" on this incident" if u.on_incident else "")
        rows.append(cells((u.call_sign, ", ".join(u.officers) or DASH, ", ".join(u.badges) or DASH, status), st.cell))
    return [*out, grid(rows, [width * 0.14, width * 0.44, width * 0.16, width * 0.26], header=True)]


def _referrals(p: IncidentPaperwork, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [markup("Referrals", st.h2)]
    if not p.referrals:
        return [*out, para("No referral recorded.", st.body)]
    rows = [cells(("Agency", "Phone", "Outcome", "Follow up", "Note"), st.cell_bold)]
    for r in p.referrals:
        rows.append(
            cells(
                (
                    r.agency_name,
                    r.agency_phone or DASH,
                    r.outcome,
                    r.follow_up_on.isoformat() if r.follow_up_on else DASH,
                    or_dash(r.note),
                ),
                st.cell,
            )
        )
    return [*out, grid(rows, [width * 0.3, width * 0.13, width * 0.11, width * 0.12, width * 0.34], header=True)]


def _citations(p: IncidentPaperwork, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    if not p.citations:
        return []
    rows = [cells(("Citation", "Violator", "Sections", "Total", "Status"), st.cell_bold)]
    for c in p.citations:
        rows.append(
            cells(
                (
                    c.number,
                    c.violator_name,
                    ", ".join(v.section for v in c.violations),
                    f"${c.total_dollars:,}",
                    "VOID: " + c.void_reason if c.status == "void" else "Issued",
                ),
                st.cell,
            )
        )
    return [
        markup("Citations", st.h2),
        grid(rows, [width * 0.14, width * 0.3, width * 0.24, width * 0.1, width * 0.22], header=True),
    ]


def timeline_table(p: IncidentPaperwork, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [markup("Timeline and notes", st.h2)]
    if not p.events:
        return [*out, para("No timeline entries.", st.body)]
    rows = [cells(("Time", "Entry", "By", "Text"), st.cell_bold)]
    for ev in p.events:
        by = ev.author + (f" · {ev.unit_call_sign}" if ev.unit_call_sign else "")
        rows.append(
            cells((local(ev.at, pack.timezone, "%m-%d %H:%M:%S"), ev.kind.replace("_", " "), by, ev.text), st.cell)
        )
    return [*out, grid(rows, [width * 0.14, width * 0.12, width * 0.14, width * 0.6], header=True, zebra=True)]


def build_handoff(
    p: IncidentPaperwork, pack: Pack, *, generated_at: dt.datetime | None = None, place: PlaceNotes | None = None
) -> bytes:
    st = styles(8.5)
    width = content_width()
    inc = p.incident
    decor = page_decor(pack, f"Incident handoff sheet {inc.number}", generated_at=generated_at)
    story: list[Flowable] = [
        markup(f"INCIDENT HANDOFF SHEET · {esc(inc.number)}", st.h1),
        markup(
            f"{esc(inc.call_type_label)} · P{inc.priority} · {escape(rules.STATUS_LABELS.get(inc.status, inc.status))}"
            f" · received {esc(local(inc.received_at, pack.timezone, '%a %b %-d %H:%M'))}",
            st.body,
        ),
        gap(6),
        _summary(p, pack, st, width),
        *(
            [markup("Disposition note", st.h2), para(inc.disposition_note, st.body)]
            if len(inc.disposition_note or "") > SUMMARY_NOTE
            else []
        ),
        *_people(p, st, width),
        *_hazards(p, pack, st, width),
        *place_section(place, pack, st, width),  # cautions at the place (red) and its history
        markup("Narrative", st.h2),
        para(or_dash(inc.narrative), st.body),
        KeepTogether(_units(p, st, width)),
        *_referrals(p, st, width),
        *_citations(p, pack, st, width),
        *timeline_table(p, pack, st, width),
    ]
    return build_document(
        story, decor, title=f"Handoff sheet {inc.number}", author=decor.organisation, subject=inc.location
    )


def handoff_pdf(db: Database, incident_id: int) -> bytes:
    """Load an incident and print its handoff sheet (run off the GUI thread)."""
    paperwork = incident_paperwork(db, incident_id)
    return build_handoff(paperwork, db.pack, generated_at=db.clock(), place=place_notes(db, paperwork.incident))

"""Welfare checks: the per-check form with printed check boxes, and the shift's one-line-per-check log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import landscape, letter
from reportlab.platypus import Flowable, KeepTogether, TableStyle

from console.paperwork.common import (
    CHECKED,
    DASH,
    UNCHECKED,
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
    signature_line,
    styles,
    table,
)
from data.db import Database
from data.pack import Pack
from data.records import ShiftRecord, WelfareCheckRecord
from data.services.incident_paperwork import IncidentPaperwork, incident_paperwork
from data.services.shifts import resolve_shift
from data.services.welfare import HOUSING_STATUSES, OBSERVATION_FLAGS, welfare_incidents_for_shift


def tri_state(value: bool | None, *, blank: bool = False) -> str:
    """☑ Yes ☐ No ☐ Not assessed (markup): one box ticked, or none on a blank form to fill in by hand."""
    return options([(value is True, "Yes"), (value is False, "No"), (value is None and not blank, "Not assessed")])


def _disposition(p: IncidentPaperwork, pack: Pack) -> str:
    inc = p.incident
    if not inc.disposition_code:
        return "Open" if inc.is_open else DASH
    return disposition_text(inc, pack)


def _form(p: IncidentPaperwork, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    inc = p.incident
    wc: WelfareCheckRecord | None = p.welfare_check
    tz = pack.timezone
    obs = wc.observations if wc else {}
    q = width / 4
    story: list[Flowable] = [
        # The per-check form; the shift's list of every check is the "welfare-check log".
        markup(f"WELFARE-CHECK FORM · {esc(inc.number)}", st.h1),
        markup(f"{esc(inc.call_type_label)} ({esc(inc.call_type)}) · P{inc.priority}", st.body),
        gap(6),
        grid(
            [
                [
                    field("Received", local(inc.received_at, tz), st),
                    field("Dispatched", local(inc.dispatched_at, tz), st),
                    field("On scene", local(inc.onscene_at, tz), st),
                    field("Cleared", local(inc.cleared_at, tz), st),
                ]
            ],
            [q, q, q, q],
        ),
        markup("Location and description", st.h2),
        grid([[field("Location", inc.location, st)]], [width]),
        gap(3),
        para(or_dash(inc.narrative), st.body),
        markup("Reporting party", st.h2),
        grid(
            [[field("Name", inc.caller_name, st), field("Callback number", inc.caller_phone, st)]],
            [width * 0.6, width * 0.4],
        ),
        markup("Subject", st.h2),
    ]
    declined = bool(wc and wc.subject_declined)
    subject = grid(
        [
            [
                field("Name", wc.subject_name if wc else "", st),
                [markup("Name given?", st.label), markup(options([(declined, "Declined to give a name")]), st.cell)],
                field("Approximate age", wc.approx_age if wc else "", st),
            ],
            [field("Description", wc.description if wc else "", st), "", ""],
        ],
        [width * 0.45, width * 0.3, width * 0.25],
    )
    subject.setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))
    story.append(subject)

    story.append(markup("Observations and condition", st.h2))
    rows = [
        [para(label, st.cell), markup(tri_state(obs.get(key), blank=wc is None), st.cell)]
        for key, label in OBSERVATION_FLAGS.items()
    ]
    housing = str(obs.get("housing_status") or "")
    rows.append(
        [
            para("Housing status", st.cell),
            markup(options([(housing == h, h.capitalize()) for h in HOUSING_STATUSES]), st.cell),
        ]
    )
    rows.append([para("Safety cautions", st.cell), para(or_dash(obs.get("safety_cautions")), st.cell)])
    rows.append([para("Condition", st.cell), para(or_dash(obs.get("condition")), st.cell)])
    story.append(grid(rows, [width * 0.3, width * 0.7]))

    accepted = wc.services_accepted if wc else None
    story += [
        markup("Services offered", st.h2),
        grid(
            [
                [
                    field("Services offered", wc.services_offered if wc else "", st),
                    [
                        markup("Answer", st.label),
                        markup(
                            options(
                                [
                                    (accepted is True, "Accepted"),
                                    (accepted is False, "Declined"),
                                    (accepted is None and wc is not None, "No answer"),
                                ]
                            ),
                            st.cell,
                        ),
                    ],
                ]
            ],
            [width * 0.62, width * 0.38],
        ),
        markup("Referrals made", st.h2),
    ]
    if p.referrals:
        ref_rows = [cells(("Agency", "Phone", "Outcome", "Follow up"), st.cell_bold)]
        ref_rows += [
            cells(
                (
                    r.agency_name,
                    r.agency_phone or DASH,
                    r.outcome,
                    r.follow_up_on.isoformat() if r.follow_up_on else DASH,
                ),
                st.cell,
            )
            for r in p.referrals
        ]
        story.append(grid(ref_rows, [width * 0.5, width * 0.18, width * 0.14, width * 0.18], header=True))
    else:
        story.append(para(f"{UNCHECKED} None recorded", st.body))
    escalated = set(wc.escalation) if wc else set()
    story += [
        markup("Escalation", st.h2),
        markup(options([(key in escalated, label) for key, label in pack.escalation_labels.items()]), st.body),
        markup("Disposition", st.h2),
        para(_disposition(p, pack), st.body),
        markup("Responding units and officers", st.h2),
    ]
    if p.units:
        unit_rows = [cells(("Unit", "Officers", "Badges"), st.cell_bold)]
        unit_rows += [
            cells((u.call_sign, ", ".join(u.officers) or DASH, ", ".join(u.badges) or DASH), st.cell) for u in p.units
        ]
        story.append(grid(unit_rows, [width * 0.15, width * 0.6, width * 0.25], header=True))
    else:
        story.append(para("No unit was dispatched.", st.body))
    follow = bool(wc and wc.follow_up_needed)
    story += [
        markup("Follow-up", st.h2),
        grid(
            [
                [
                    [
                        markup("Follow-up needed", st.label),
                        markup(options([(follow, "Yes"), (not follow and wc is not None, "No")]), st.cell),
                    ],
                    field("Follow-up note", wc.follow_up_note if wc else "", st),
                ]
            ],
            [width * 0.25, width * 0.75],
        ),
        gap(10),
    ]
    recorded = f"{wc.officer_name or DASH} · recorded {local(wc.recorded_at, tz, '%Y-%m-%d %H:%M')}" if wc else ""
    half = width / 2 - 8
    story.append(
        KeepTogether(
            table(
                [
                    [
                        [markup("Completed by", st.h3), para(or_dash(recorded), st.body)],
                        signature_line("Officer's signature · date", st, half),
                    ]
                ],
                [half + 16, half],
                [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
            )
        )
    )
    return story


def build_welfare_check(p: IncidentPaperwork, pack: Pack, *, generated_at: dt.datetime | None = None) -> bytes:
    """The welfare-check form of one incident; with no check recorded yet it prints blank boxes to fill in."""
    st = styles(8.5)
    decor = page_decor(pack, f"Welfare-check form {p.incident.number}", generated_at=generated_at)
    return build_document(
        _form(p, pack, st, content_width()),
        decor,
        title=f"Welfare-check form {p.incident.number}",
        author=decor.organisation,
        subject=p.incident.location,
    )


def _flags(wc: WelfareCheckRecord) -> str:
    short = {
        "responsive": "Responsive",
        "oriented": "Oriented",
        "injuries": "Injuries",
        "needs_medical": "Needs medical",
    }
    parts = []
    for key, label in short.items():
        value = wc.observations.get(key)
        parts.append(f"{CHECKED if value else UNCHECKED} {label}" + (" ?" if value is None else ""))
    return "\n".join(parts)


def build_welfare_log(
    shift: ShiftRecord,
    entries: Sequence[IncidentPaperwork],
    pack: Pack,
    *,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """Every welfare check of a shift, one line each, with referrals and follow-up flags (landscape)."""
    st = styles(7.5)
    pagesize = landscape(letter)
    width = content_width(pagesize)
    tz = pack.timezone
    decor = page_decor(pack, f"Welfare-check log · {shift.name}", generated_at=generated_at)
    follow_ups = sum(1 for e in entries if e.welfare_check and e.welfare_check.follow_up_needed)
    missing = sum(1 for e in entries if e.welfare_check is None)
    story: list[Flowable] = [
        markup(f"WELFARE-CHECK LOG · {esc(shift.name)}", st.h1),
        markup(
            f"Supervisor: <b>{esc(or_dash(shift.supervisor))}</b> · {len(entries)} welfare-check incident(s) · "
            + (f"<b>{missing} form(s) not recorded</b> · " if missing else "")
            + f"{follow_ups} flagged for follow-up · {escape('? = not assessed')}",
            st.body,
        ),
        gap(6),
    ]
    header = cells(
        (
            "Incident · received",
            "Location",
            "Subject",
            "Condition",
            "Housing",
            "Services",
            "Referrals",
            "Escalation",
            "Disposition",
            "Units · officers",
            "Follow-up",
        ),
        st.cell_bold,
    )
    rows: list[list[object]] = [header]
    for e in entries:
        wc = e.welfare_check
        if wc is None:
            # Listed all the same: a check without its form is what the supervisor must chase.
            referrals = "\n".join(f"{r.agency_name}: {r.outcome}" for r in e.referrals) or DASH
            units = "\n".join(f"{u.call_sign}: {', '.join(u.officers) or DASH}" for u in e.units) or DASH
            rows.append(
                cells(
                    (
                        f"{e.incident.number}\n{local(e.incident.received_at, tz, '%H:%M')}",
                        e.incident.location,
                        "Form not recorded",
                        DASH,
                        DASH,
                        DASH,
                        referrals,
                        DASH,
                        _disposition(e, pack),
                        units,
                        DASH,
                    ),
                    st.cell,
                )
            )
            continue
        subject = "Declined to give a name" if wc.subject_declined else (wc.subject_name or "Not named")
        if wc.approx_age:
            subject += f", ~{wc.approx_age}"
        services = wc.services_offered or DASH
        if wc.services_accepted is not None:
            services += "\n→ " + ("accepted" if wc.services_accepted else "declined")
        referrals = "\n".join(f"{r.agency_name}: {r.outcome}" for r in e.referrals) or DASH
        escalation = ", ".join(pack.escalation_labels.get(x, x) for x in wc.escalation) or DASH
        units = "\n".join(f"{u.call_sign}: {', '.join(u.officers) or DASH}" for u in e.units) or DASH
        follow = (
            f"{CHECKED} Yes" + (f": {wc.follow_up_note}" if wc.follow_up_note else "")
            if wc.follow_up_needed
            else f"{UNCHECKED} No"
        )
        rows.append(
            cells(
                (
                    f"{e.incident.number}\n{local(e.incident.received_at, tz, '%H:%M')}",
                    e.incident.location,
                    subject,
                    _flags(wc),
                    str(wc.observations.get("housing_status") or DASH).capitalize(),
                    services,
                    referrals,
                    escalation,
                    _disposition(e, pack),
                    units,
                    follow,
                ),
                st.cell,
            )
        )
    if len(rows) == 1:
        story.append(para("No welfare check was logged in this shift.", st.body))
    else:
        fractions = (0.085, 0.1, 0.115, 0.09, 0.06, 0.11, 0.105, 0.07, 0.09, 0.09, 0.085)
        story.append(grid(rows, [width * f for f in fractions], header=True, zebra=True, pad=2.5))
    return build_document(
        story, decor, title=f"Welfare-check log {shift.name}", author=decor.organisation, pagesize=pagesize
    )


def welfare_check_pdf(db: Database, incident_id: int) -> bytes:
    """Load an incident and print its welfare-check form (run off the GUI thread)."""
    return build_welfare_check(incident_paperwork(db, incident_id), db.pack, generated_at=db.clock())


def welfare_log_pdf(db: Database, shift: str | int) -> bytes:
    """Print the welfare-check log of a shift ('current' or an id; run off the GUI thread)."""
    record = resolve_shift(db, shift)
    entries = [incident_paperwork(db, incident_id) for incident_id in welfare_incidents_for_shift(db, record.id)]
    return build_welfare_log(record, entries, db.pack, generated_at=db.clock())


__all__ = ["build_welfare_check", "build_welfare_log", "tri_state", "welfare_check_pdf", "welfare_log_pdf"]

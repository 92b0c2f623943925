"""Shift report for the supervisor at shift change: counts, intervals against targets, carry-overs, charts."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, TableStyle

from console.paperwork.common import (
    ACCENT,
    CROSS,
    DASH,
    TICK,
    Styles,
    build_document,
    cells,
    content_width,
    duration,
    esc,
    gap,
    generated_text,
    grid,
    local,
    markup,
    new_drawing,
    or_dash,
    page_decor,
    para,
    styles,
    table,
)
from console.paperwork.fonts import SANS, SANS_BOLD, register_fonts
from data import rules
from data.db import Database
from data.pack import Pack
from data.shift_summary import Count, ShiftSummary, shift_summary


def _figures(s: ShiftSummary, agency: str, st: Styles, width: float) -> Flowable:
    items = [
        ("Incidents", f"{s.incidents}", f"{s.self_initiated} officer-initiated"),
        (f"With {agency}", f"{s.transferred}", "transferred or joint"),
        ("Carried over", f"{len(s.carried_over)}", "open at shift end"),
        ("Citations", f"{s.citations_issued}", f"{s.citations_void} void · ${s.fines_dollars:,} fines"),
        ("Welfare checks", f"{s.welfare_checks}", f"{s.welfare_follow_ups} need follow-up"),
        ("Referrals", f"{s.referrals_made}", f"{s.referrals_accepted} accepted · {s.referrals_declined} declined"),
        ("Repeat places", f"{len(s.repeat_locations)}", "2+ incidents in 12 months"),
    ]
    row = [
        [
            markup(esc(label), st.label),
            markup(f"<font size=16><b>{esc(value)}</b></font>", st.body),
            gap(5),
            markup(esc(note), st.tiny),
        ]
        for label, value, note in items
    ]
    return table(
        [row],
        [width / len(items)] * len(items),
        [
            ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#8a8a8a")),
            ("LINEAFTER", (0, 0), (-2, -1), 0.4, colors.HexColor("#bbbbbb")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f7fb")),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ],
    )


def _intervals(s: ShiftSummary, st: Styles, width: float) -> list[Flowable]:
    rows = [cells(("Interval", "Calls", "Median", "90th percentile", "City target", "Met"), st.cell_bold)]
    for i in s.intervals:
        target = f"{i.target_on} ≤ {duration(i.target_s)}" if i.target_s is not None else "none set"
        met = DASH if i.met is None else (f"{TICK} yes" if i.met else f"{CROSS} no")
        rows.append(cells((i.label, i.count, duration(i.median_s), duration(i.p90_s), target, met), st.cell))
    w = width
    return [
        markup("Response intervals against the city's targets", st.h2),
        grid(rows, [w * 0.34, w * 0.08, w * 0.12, w * 0.16, w * 0.18, w * 0.12], header=True),
        markup(
            "Times are minutes:seconds. Targets are the city's own (pack targets); no standard sets civilian "
            "response times. Queue follows NFPA 1225's 60-second processing target.",
            st.tiny,
        ),
    ]


def _bar_by_hour(counts: tuple[Count, ...], width: float, height: float) -> Drawing:
    drawing = new_drawing(width, height)
    drawing.add(String(0, height - 10, "Calls by hour received", fontName=SANS_BOLD, fontSize=8))
    chart = VerticalBarChart()
    chart.x, chart.y = 26, 22
    chart.width, chart.height = width - 34, height - 42
    values = [c.count for c in counts] or [0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [c.label[:2] for c in counts] or [""]
    chart.categoryAxis.labels.fontName = SANS
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.dy = -2
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    top = max(values)
    chart.valueAxis.valueMax = max(4, top + 1)
    chart.valueAxis.valueStep = max(1, round((top + 1) / 4))
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    drawing.add(chart)
    drawing.add(
        String(chart.x + chart.width / 2, 2, "hour (local time)", fontName=SANS, fontSize=6, textAnchor="middle")
    )
    return drawing


def _bar_by_type(counts: tuple[Count, ...], width: float, height: float) -> Drawing:
    top = list(counts[:10])
    drawing = new_drawing(width, height)
    drawing.add(
        String(
            0, height - 10, "Calls by type" + (" (top 10)" if len(counts) > 10 else ""), fontName=SANS_BOLD, fontSize=8
        )
    )
    chart = HorizontalBarChart()
    chart.x, chart.y = 112, 8
    chart.width, chart.height = width - 124, height - 26
    values = [c.count for c in reversed(top)] or [0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [_clip(c.label, 24) for c in reversed(top)] or [""]
    chart.categoryAxis.labels.fontName = SANS
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    most = max(values)
    chart.valueAxis.valueMax = max(4, most + 1)
    chart.valueAxis.valueStep = max(1, round((most + 1) / 4))
    chart.bars[0].fillColor = colors.HexColor("#5b8db8")
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = SANS
    chart.barLabels.fontSize = 6
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    drawing.add(chart)
    return drawing


def _clip(text: str, limit: int) -> str:
    # Chart axis labels have a fixed width; the full label is in the table next to the chart.
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _counts_tables(s: ShiftSummary, st: Styles, width: float) -> Flowable:
    half = width / 2 - 6
    types = [cells(("Call type", "Calls"), st.cell_bold)] + [cells((c.label, c.count), st.cell) for c in s.by_call_type]
    disp = [cells(("Disposition", "Calls"), st.cell_bold)] + [
        cells((f"{c.key} {c.label}" if c.key.isdigit() else c.label, c.count), st.cell) for c in s.by_disposition
    ]
    if len(types) == 1:
        types.append(cells(("No incidents in this shift", ""), st.cell))
    if len(disp) == 1:
        disp.append(cells(("No incidents in this shift", ""), st.cell))
    return table(
        [
            [
                grid(types, [half * 0.82, half * 0.18], header=True, zebra=True),
                grid(disp, [half * 0.82, half * 0.18], header=True, zebra=True),
            ]
        ],
        [half + 6, half + 6],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ],
        splitInRow=1,
    )


def _carried(s: ShiftSummary, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [markup("Open incidents carried over", st.h2)]
    if not s.carried_over:
        return [*out, para("None: every incident was closed by the end of the shift.", st.body)]
    rows = [cells(("Incident", "Type", "P", "Status", "Location", "Received", "Units"), st.cell_bold)]
    spans = []
    for c in s.carried_over:
        inc = c.incident
        rows.append(
            cells(
                (
                    inc.number,
                    inc.call_type_label,
                    inc.priority,
                    rules.STATUS_LABELS.get(inc.status, inc.status),
                    inc.location,
                    local(inc.received_at, pack.timezone, "%m-%d %H:%M"),
                    ", ".join(inc.units) or DASH,
                ),
                st.cell,
            )
        )
        when = local(c.last_note_at, pack.timezone, "%H:%M") if c.last_note_at else ""
        note = f"<b>Last note</b> {esc(when)} {esc(c.last_note_by)}: {esc(or_dash(c.last_note))}"
        rows.append([markup(note, st.cell), "", "", "", "", "", ""])
        spans.append((len(rows) - 1, len(c.last_note) < 1500))
    w = width
    t = grid(rows, [w * 0.12, w * 0.19, w * 0.04, w * 0.1, w * 0.29, w * 0.12, w * 0.14], header=True)
    t.setStyle(
        TableStyle(
            [("SPAN", (0, r), (-1, r)) for r, _short in spans]
            + [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f6f6f6")) for r, _short in spans]
            # Keep an incident with its last note, unless the note could fill a page by itself.
            + [("NOSPLIT", (0, r - 1), (-1, r)) for r, short in spans if short]
        )
    )
    return [*out, t]


def _units(s: ShiftSummary, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [markup("Activity per unit", st.h2)]
    if not s.units:
        return [*out, para("No unit signed on to this shift.", st.body)]
    rows = [cells(("Unit", "Officers", "Incidents", "Arrivals", "Time on scene", "Citations"), st.cell_bold)]
    for u in s.units:
        rows.append(
            cells(
                (
                    u.call_sign,
                    ", ".join(u.officers) or DASH,
                    u.incidents,
                    u.arrivals,
                    duration(u.onscene_s, hours=True),
                    u.citations,
                ),
                st.cell,
            )
        )
    w = width
    return [*out, grid(rows, [w * 0.1, w * 0.42, w * 0.11, w * 0.11, w * 0.14, w * 0.12], header=True, zebra=True)]


def _citations(s: ShiftSummary, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [markup("Citations", st.h2)]
    if not s.citations:
        return [*out, para("No citation was issued.", st.body)]
    rows = [cells(("Number", "Issued", "Violator", "Sections (offense)", "Fine", "Officer", "Status"), st.cell_bold)]
    for c in s.citations:
        sections = ", ".join(f"{v.section} ({v.offense_number})" for v in c.violations)
        status = "VOID: " + c.void_reason if c.status == "void" else "Issued"
        rows.append(
            cells(
                (
                    c.number,
                    local(c.issued_at, pack.timezone, "%H:%M"),
                    c.violator_name,
                    sections,
                    f"${c.total_dollars:,}",
                    c.officer_name,
                    status,
                ),
                st.cell,
            )
        )
    w = width
    return [
        *out,
        grid(rows, [w * 0.12, w * 0.07, w * 0.18, w * 0.22, w * 0.07, w * 0.15, w * 0.19], header=True, zebra=True),
    ]


def _referrals(s: ShiftSummary, st: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = [markup("Referrals and welfare checks", st.h2)]
    lines = (
        f"{s.welfare_checks} welfare check(s) logged, {s.welfare_follow_ups} flagged for follow-up. "
        f"{s.referrals_made} referral(s) made: {s.referrals_accepted} accepted, {s.referrals_declined} declined, "
        f"{s.referrals_made - s.referrals_accepted - s.referrals_declined} offered without an answer yet."
    )
    out.append(para(lines, st.body))
    if s.referrals_by_agency:
        rows = [cells(("Agency", "Made", "Accepted", "Declined"), st.cell_bold)]
        rows += [cells((a.name, a.made, a.accepted, a.declined), st.cell) for a in s.referrals_by_agency]
        out += [gap(4), grid(rows, [width * 0.58, width * 0.14, width * 0.14, width * 0.14], header=True, zebra=True)]
    if s.repeat_locations:
        listed = ", ".join(f"{c.label} ({c.count})" for c in s.repeat_locations[:10])
        more = f" and {len(s.repeat_locations) - 10} more" if len(s.repeat_locations) > 10 else ""
        out += [gap(4), para(f"Repeat places (two or more incidents in 12 months): {listed}{more}.", st.body)]
    return out


def build_shift_report(summary: ShiftSummary, pack: Pack) -> bytes:
    register_fonts()
    st = styles(8.5)
    width = content_width()
    s = summary
    tz = pack.timezone
    decor = page_decor(pack, f"Shift report · {s.shift.name}", generated_at=s.generated_at)
    window = f"{local(s.window_start, tz, '%a %b %-d %H:%M')} – {local(s.window_end, tz, '%a %b %-d %H:%M %Z')}"
    status = {"active": "in progress", "closed": "closed", "planned": "planned"}.get(s.shift.status, s.shift.status)
    half = width / 2 - 4
    story: list[Flowable] = [
        markup(f"SHIFT REPORT · {esc(s.shift.name)}", st.h1),
        markup(
            f"Supervisor: <b>{esc(or_dash(s.shift.supervisor))}</b> · {esc(window)} · shift {esc(status)} · "
            f"generated {esc(generated_text(s.generated_at, tz))}",
            st.body,
        ),
        gap(8),
        _figures(s, pack.agency, st, width),
        *_intervals(s, st, width),
        gap(8),
        KeepTogether(
            table(
                [[_bar_by_hour(s.by_hour, half, 150), _bar_by_type(s.by_call_type, half, 150)]],
                [half + 4, half + 4],
                [("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")],
            )
        ),
        markup("Calls by type and disposition", st.h2),
        _counts_tables(s, st, width),
        CondPageBreak(80),
        *_carried(s, pack, st, width),
        CondPageBreak(80),
        *_units(s, st, width),
        CondPageBreak(80),
        *_citations(s, pack, st, width),
        CondPageBreak(80),
        *_referrals(s, st, width),
    ]
    if s.handoff_note:
        story += [markup("Supervisor's handoff note", st.h2), para(s.handoff_note, st.body)]
    return build_document(story, decor, title=f"Shift report {s.shift.name}", author=decor.organisation, subject=window)


def shift_report_pdf(db: Database, shift_id: int) -> bytes:
    """Compute the shift's figures and print the report (run off the GUI thread)."""
    return build_shift_report(shift_summary(db, shift_id), db.pack)


__all__ = ["build_shift_report", "shift_report_pdf"]

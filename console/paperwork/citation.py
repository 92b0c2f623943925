"""Administrative citation: violator, city and officer copies with a Code 128 barcode of the number."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, NextPageTemplate, PageBreak, Table, TableStyle

from console.paperwork.common import (
    INK,
    PageDecor,
    Styles,
    build_document,
    content_width,
    esc,
    field,
    gap,
    generated_text,
    grid,
    local,
    markup,
    or_dash,
    organisation_name,
    para,
    signature_line,
    styles,
    table,
)
from data.db import Database
from data.pack import Pack
from data.records import CitationRecord

COPIES = (("violator", "VIOLATOR COPY"), ("city", "CITY COPY"), ("officer", "OFFICER COPY"))
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def _ordinal(n: int) -> str:
    return ORDINALS.get(n, f"{n}th")


def due_dates(citation: CitationRecord, pack: Pack) -> tuple[dt.date, dt.date]:
    """Payment due date and the last day to request a hearing, counted from the local issue date."""
    issued = citation.issued_at.astimezone(ZoneInfo(pack.timezone)).date()
    pay = issued + dt.timedelta(days=int(pack.citation.get("payment_due_days", 30)))
    contest = issued + dt.timedelta(days=int(pack.citation.get("contest_days", 21)))
    return pay, contest


def barcode(number: str) -> Code128:
    # humanReadable draws with Helvetica, which is not embedded: the number is printed beside it instead.
    return Code128(number, barHeight=30, barWidth=0.95, humanReadable=False, quiet=False)


def _header(citation: CitationRecord, pack: Pack, st: Styles, width: float) -> Table:
    name = str(pack.city.get("name", ""))
    authority = str(pack.citation.get("authority") or f"{name} Municipal Code")
    left = [
        # Upper-cased before escaping: "&amp;" upper-cased is an entity the paragraph parser rejects.
        markup(f"CITY OF {esc(name.upper())}", st.h3),
        markup("ADMINISTRATIVE CITATION", st.h1),
        markup(f"{esc(authority)} · {esc(pack.city.get('program', ''))}", st.small),
    ]
    right = [
        markup("Citation number", ParagraphStyle("number_label", parent=st.label, alignment=TA_RIGHT)),
        markup(f"<b>{esc(citation.number)}</b>", ParagraphStyle("number", parent=st.right, fontSize=15, leading=19)),
        gap(3),
        barcode(citation.number),
    ]
    return table(
        [[left, right]],
        [width * 0.6, width * 0.4],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("LINEBELOW", (0, 0), (-1, 0), 1.2, INK),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ],
    )


def _void_notice(citation: CitationRecord, pack: Pack, st: Styles, width: float) -> Table:
    text = (
        f"<b>VOID</b> · voided {esc(local(citation.voided_at, pack.timezone, '%Y-%m-%d %H:%M'))} "
        f"by {esc(citation.voided_by)}. Reason: {esc(citation.void_reason)}. "
        "This citation is not in force: nothing is owed under it."
    )
    return table(
        [[markup(text, st.body)]],
        [width],
        [
            ("BOX", (0, 0), (-1, -1), 1.5, colors.HexColor("#b00000")),
            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fbe9e9")),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ],
    )


def _copy(citation: CitationRecord, pack: Pack, st: Styles, width: float) -> list[Flowable]:
    tz = pack.timezone
    pay_by, contest_by = due_dates(citation, pack)
    story: list[Flowable] = [_header(citation, pack, st, width), gap(6)]
    if citation.status == "void":
        story += [_void_notice(citation, pack, st, width), gap(6)]
    q = width / 4
    story.append(
        grid(
            [
                [
                    field("Date issued", local(citation.issued_at, tz, "%A %B %-d, %Y"), st),
                    field("Time", local(citation.issued_at, tz, "%H:%M"), st),
                    field("Incident", citation.incident_number or "", st),
                    field("Status", "VOID" if citation.status == "void" else "Issued", st),
                ],
                [field("Location of violation", citation.location, st), "", "", ""],
            ],
            [q * 1.4, q * 0.6, q, q],
        )
    )
    story[-1].setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))
    story += [markup("Violator", st.h2)]
    violator = grid(
        [
            [field("Name", citation.violator_name, st), "", field("Date of birth", citation.violator_dob, st)],
            [
                field("Address", citation.violator_address, st),
                "",
                field("ID / licence number", citation.violator_id_number, st),
            ],
        ],
        [q * 1.5, q * 1.0, q * 1.5],
    )
    violator.setStyle(TableStyle([("SPAN", (0, 0), (1, 0)), ("SPAN", (0, 1), (1, 1))]))
    story.append(violator)

    story.append(markup("Code violations", st.h2))
    rows: list[list[object]] = [
        [
            markup("<b>Section</b>", st.cell),
            markup("<b>Provision</b>", st.cell),
            markup("<b>Offense</b>", st.cell),
            markup("<b>Fine</b>", st.right),
        ],
    ]
    for v in citation.violations:
        rows.append(
            [
                para(v.section, st.cell),
                para(v.title, st.cell),
                para(f"{_ordinal(v.offense_number)} within 12 months", st.cell),
                para(f"${v.fine_dollars:,}", st.right),
            ]
        )
    rows.append(["", "", markup("<b>Total due</b>", st.cell), markup(f"<b>${citation.total_dollars:,}</b>", st.right)])
    charges = grid(rows, [width * 0.2, width * 0.45, width * 0.2, width * 0.15], header=True)
    charges.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 1.0, INK)]))
    story.append(charges)

    story += [markup("Description of the violation", st.h2), para(or_dash(citation.description), st.body)]
    story += [markup("Order to correct", st.h2), para(pack.citation.get("correct_text", ""), st.small)]
    pay_text = f"<b>Amount due: ${citation.total_dollars:,}, by {pay_by.strftime('%B %-d, %Y')}.</b> " + esc(
        pack.citation.get("payment", "")
    )
    story += [markup("Payment", st.h2), markup(pay_text, st.small)]
    contest = (
        f"<b>Deadline: {contest_by.strftime('%B %-d, %Y')}</b> ({int(pack.citation.get('contest_days', 21))} days "
        "after the issue date). " + esc(pack.citation.get("contest_text", ""))
    )
    story += [
        markup("How to contest: Request for Administrative Hearing", st.h2),
        markup(contest, st.small),
        gap(2),
        markup("<b>Repeat violations.</b> " + esc(pack.citation.get("repeat_text", "")), st.small),
    ]
    half = width / 2 - 8
    officer = (
        f"{citation.officer_name} · badge {citation.officer_badge}" if citation.officer_badge else citation.officer_name
    )
    signatures = table(
        [
            [markup("Issuing officer", st.h3), markup("Violator's acknowledgement", st.h3)],
            [
                para(or_dash(officer), st.body),
                markup(
                    "I acknowledge receipt of this citation. Signing is not an admission of the violation "
                    "or of liability.",
                    st.small,
                ),
            ],
            [signature_line("Officer's signature", st, half), signature_line("Violator's signature · date", st, half)],
        ],
        [half + 8, half + 8],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 2), (-1, 2), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ],
    )
    story += [CondPageBreak(110), gap(4), KeepTogether([signatures])]
    return story


def build_citation(citation: CitationRecord, pack: Pack, *, generated_at: dt.datetime | None = None) -> bytes:
    """Three labelled copies (violator, city, officer) of one citation; a void one carries a VOID watermark."""
    st = styles(8.5)
    width = content_width()
    generated = generated_text(generated_at, pack.timezone)  # once: every copy shows the same moment
    organisation = organisation_name(pack)
    watermark = "VOID" if citation.status == "void" else ""
    decors = [
        (
            name,
            PageDecor(
                title=f"Administrative citation {citation.number}",
                organisation=organisation,
                generated=generated,
                tag=label,
                watermark=watermark,
            ),
        )
        for name, label in COPIES
    ]
    story: list[Flowable] = []
    for index, (_name, _label) in enumerate(COPIES):
        story += _copy(citation, pack, st, width)
        if index + 1 < len(COPIES):
            story += [NextPageTemplate(COPIES[index + 1][0]), PageBreak()]
    return build_document(
        story,
        decors,
        title=f"Administrative citation {citation.number}" + (" (VOID)" if watermark else ""),
        author=citation.officer_name or organisation,
        subject=f"{citation.violator_name} · {', '.join(v.section for v in citation.violations)}",
    )


def citation_pdf(db: Database, number: str) -> bytes:
    """Load a citation by number and print it (run off the GUI thread)."""
    from data.services.citations import get_citation

    return build_citation(get_citation(db, number), db.pack, generated_at=db.clock())


__all__ = ["COPIES", "barcode", "build_citation", "citation_pdf", "due_dates"]

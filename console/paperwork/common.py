"""Shared page templates, styles, escaping and page numbering for every printed form."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from console.paperwork.fonts import MONO, SANS, SANS_BOLD, register_fonts
from data.pack import Pack
from data.records import IncidentRecord

CHECKED = "☑"
UNCHECKED = "☐"
TICK = "✓"
CROSS = "✗"
DASH = "—"
INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#8a8a8a")
SHADE = colors.HexColor("#ececec")
ACCENT = colors.HexColor("#1f4e79")
MARGIN = 0.55 * inch
ATTRIBUTION = "© OpenStreetMap contributors"

# C0 controls other than tab and newline cannot be drawn and confuse the paragraph parser.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(text: object) -> str:
    """User text made safe for a Paragraph: markup escaped, line breaks kept, control characters dropped."""
    raw = "" if text is None else str(text)
    raw = _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    return escape(raw).replace("\n", "<br/>").replace("\t", "    ")


def or_dash(text: object) -> str:
    value = "" if text is None else str(text).strip()
    return value or DASH


def box(checked: bool | None) -> str:
    return CHECKED if checked else UNCHECKED


def options(choices: Sequence[tuple[bool | None, str]]) -> str:
    """Check boxes side by side as paragraph markup ("☑ Yes   ☐ No"); labels are escaped here."""
    return "&nbsp;&nbsp;&nbsp; ".join(f"{box(checked)}&nbsp;{esc(label)}" for checked, label in choices)


def local(moment: dt.datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored UTC time as the jurisdiction's local wall-clock time."""
    if moment is None:
        return DASH
    return moment.astimezone(ZoneInfo(tz)).strftime(fmt)


def duration(seconds: float | None, *, hours: bool = False) -> str:
    """m:ss, or h:mm:ss past an hour; `hours` always gives h:mm:ss (one format down a column of totals)."""
    if seconds is None:
        return DASH
    total = round(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h or hours else f"{m}:{s:02d}"


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis so it fits `width` points in the font (running headers and footers)."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    tiny: ParagraphStyle
    label: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    right: ParagraphStyle
    center: ParagraphStyle
    mono: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle


def styles(base_size: float = 9.0) -> Styles:
    register_fonts()
    body = ParagraphStyle("body", fontName=SANS, fontSize=base_size, leading=base_size * 1.28, textColor=INK)
    return Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=base_size - 1, leading=(base_size - 1) * 1.25),
        tiny=ParagraphStyle("tiny", parent=body, fontSize=base_size - 2, leading=(base_size - 2) * 1.2),
        label=ParagraphStyle(
            "label",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=base_size - 2,
            leading=(base_size - 2) * 1.2,
            textColor=colors.HexColor("#444444"),
        ),
        h1=ParagraphStyle("h1", parent=body, fontName=SANS_BOLD, fontSize=base_size + 7, leading=(base_size + 7) * 1.2),
        h2=ParagraphStyle(
            "h2",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=base_size + 2,
            leading=(base_size + 2) * 1.25,
            spaceBefore=7,
            spaceAfter=3,
            textColor=ACCENT,
        ),
        h3=ParagraphStyle(
            "h3", parent=body, fontName=SANS_BOLD, fontSize=base_size, leading=base_size * 1.3, spaceBefore=4
        ),
        right=ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
        center=ParagraphStyle("center", parent=body, alignment=TA_CENTER),
        mono=ParagraphStyle("mono", parent=body, fontName=MONO),
        cell=ParagraphStyle("cell", parent=body, fontSize=base_size - 0.5, leading=(base_size - 0.5) * 1.22),
        cell_bold=ParagraphStyle(
            "cell_bold", parent=body, fontName=SANS_BOLD, fontSize=base_size - 0.5, leading=(base_size - 0.5) * 1.22
        ),
    )


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of user text, always escaped."""
    return Paragraph(esc(text), style)


def markup(fixed: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of the form's own markup; any user text inside must already be passed through esc()."""
    return Paragraph(fixed, style)


def field(label: str, value: object, st: Styles) -> list[Paragraph]:
    """A labelled box content: small grey label over the (escaped) value."""
    return [markup(escape(label), st.label), para(or_dash(value), st.cell)]


def grid(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header: bool = False,
    zebra: bool = False,
    box_all: bool = True,
    pad: float = 3,
) -> Table:
    """A table whose rows may split across pages, so long cells never vanish or overflow."""
    table = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=1 if header else 0, splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad - 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("FONTNAME", (0, 0), (-1, -1), SANS),
    ]
    if box_all:
        commands += [("GRID", (0, 0), (-1, -1), 0.5, RULE)]
    if header:
        commands += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK)]
    if zebra and len(rows) > 2:
        commands += [("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f6f6")])]
    table.setStyle(TableStyle(commands))
    return table


def table(
    rows: Sequence[Sequence[Any]], widths: Sequence[float], commands: Sequence[tuple[Any, ...]] = (), **kw: Any
) -> Table:
    """A plain layout table; ReportLab's cell font defaults to Helvetica, which would not be embedded."""
    t = Table([list(r) for r in rows], colWidths=list(widths), **kw)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *commands]))
    return t


def cells(values: Sequence[object], style: ParagraphStyle) -> list[Paragraph]:
    return [para(v, style) for v in values]


def signature_line(label: str, st: Styles, width: float) -> Table:
    """A blank line to sign on, with its caption under it."""
    return table(
        [[""], [markup(label, st.tiny)]],
        [width],
        [
            ("LINEBELOW", (0, 0), (0, 0), 0.8, INK),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
        ],
        rowHeights=[24, None],
    )


def gap(points: float = 6) -> Spacer:
    return Spacer(1, points)


FOOTER_WIDEST = "Violator copy · page 10 of 10"


class PageDecor:
    """Draws the running header and footer of one page template."""

    def __init__(
        self,
        *,
        title: str,
        organisation: str,
        generated: str,
        tag: str = "",
        watermark: str = "",
    ) -> None:
        self.title = title
        self.organisation = organisation
        self.generated = generated
        self.tag = tag
        self.watermark = watermark

    def __call__(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = doc.pagesize
        # Pages count within a copy ("Violator copy · page 1 of 1"); the numbered canvas reads this.
        canvas._cso_copy = self.tag
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, height - MARGIN + 6, width - MARGIN, height - MARGIN + 6)
        canvas.setFillColor(INK)
        canvas.setFont(SANS_BOLD, 8)
        usable = width - 2 * MARGIN
        organisation = fit_text(self.organisation, SANS_BOLD, 8, usable * 0.45)
        canvas.drawString(MARGIN, height - MARGIN + 10, organisation)
        room = usable - stringWidth(organisation, SANS_BOLD, 8) - 16
        if self.tag:
            canvas.setFont(SANS_BOLD, 10)
            text_w = canvas.stringWidth(self.tag, SANS_BOLD, 10)
            x = width - MARGIN - text_w
            canvas.rect(x - 8, height - MARGIN + 8, text_w + 8, 15, stroke=0, fill=1)
            canvas.setFillColor(colors.white)
            canvas.drawString(x - 4, height - MARGIN + 12, self.tag)
            canvas.setFillColor(INK)
        else:
            canvas.setFont(SANS, 8)
            canvas.drawRightString(width - MARGIN, height - MARGIN + 10, fit_text(self.title, SANS, 8, room))
        canvas.line(MARGIN, MARGIN - 10, width - MARGIN, MARGIN - 10)
        canvas.setFont(SANS, 7)
        generated = f"Generated {self.generated}"
        canvas.drawString(MARGIN, MARGIN - 20, generated)
        # The centred title keeps clear of the date on the left and the page number on the right
        # ("Violator copy · page 10 of 10" is the widest).
        side = max(stringWidth(generated, SANS, 7), stringWidth(FOOTER_WIDEST, SANS, 7)) + 12
        canvas.drawCentredString(width / 2, MARGIN - 20, fit_text(self.title, SANS, 7, usable - 2 * side))
        canvas.restoreState()

    def after(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        if not self.watermark:
            return
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.75, 0.05, 0.05, alpha=0.28))
        canvas.setFont(SANS_BOLD, 150)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(40)
        canvas.drawCentredString(0, -50, self.watermark)
        canvas.restoreState()


def organisation_name(pack: Pack) -> str:
    """The agency named at the head of every page and as the document's author."""
    return str(pack.city.get("agency_name") or pack.city.get("name", ""))


def generated_text(moment: dt.datetime | None, tz: str) -> str:
    """When a form was made (now unless given), as its footer prints it."""
    return local(moment or dt.datetime.now(dt.UTC), tz, "%Y-%m-%d %H:%M %Z")


def page_decor(pack: Pack, title: str, *, generated_at: dt.datetime | None) -> PageDecor:
    """The header and footer of a form: the pack's agency, the title and when it was made."""
    return PageDecor(
        title=title, organisation=organisation_name(pack), generated=generated_text(generated_at, pack.timezone)
    )


def disposition_text(inc: IncidentRecord, pack: Pack) -> str:
    """'CODE Label · note' as the pack names the code; '' while the incident has no disposition."""
    if not inc.disposition_code:
        return ""
    found = pack.dispositions.get(inc.disposition_code)
    text = f"{inc.disposition_code} {found.label if found else ''}".strip()
    return text + (f" · {inc.disposition_note}" if inc.disposition_note else "")


def _page_numbered_canvas(footer_font: str = SANS) -> Callable[..., Canvas]:
    """A canvas that holds pages until the end so each footer can say 'Page N of M'."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            # A run of pages with the same copy tag is numbered on its own; untagged pages count as one run.
            copies = [str(state.get("_cso_copy", "") or "") for state in self._pages]
            runs: list[tuple[int, int]] = []  # (number within its run, run length) per page
            start = 0
            for index in range(1, len(copies) + 1):
                if index == len(copies) or copies[index] != copies[start]:
                    runs += [(n, index - start) for n in range(1, index - start + 1)]
                    start = index
            for state, copy, (number, total) in zip(self._pages, copies, runs, strict=True):
                self.__dict__.update(state)
                width, _height = self._pagesize
                self.saveState()
                self.setFont(footer_font, 7)
                self.setFillColor(INK)
                label = f"{copy.capitalize()} · page {number} of {total}" if copy else f"Page {number} of {total}"
                self.drawRightString(width - MARGIN, MARGIN - 20, label)
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def build_document(
    story: list[Flowable],
    decor: PageDecor | Sequence[tuple[str, PageDecor]],
    *,
    title: str,
    author: str,
    subject: str = "",
    pagesize: tuple[float, float] = letter,
) -> bytes:
    """Lay out a story on US Letter with the given decor (one, or one per named page template)."""
    register_fonts()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 12,
        bottomMargin=MARGIN + 2,
        title=title,
        author=author,
        subject=subject,
        creator="CSO Console",
        # The canvas would otherwise start in Helvetica, a font that is never embedded.
        initialFontName=SANS,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", leftPadding=0, rightPadding=0)
    named = [("page", decor)] if isinstance(decor, PageDecor) else list(decor)
    doc.addPageTemplates(
        [PageTemplate(id=name, frames=[frame], onPage=d, onPageEnd=d.after, pagesize=pagesize) for name, d in named]
    )
    doc.build(story, canvasmaker=_page_numbered_canvas())
    return out.getvalue()


def new_drawing(width: float, height: float) -> Drawing:
    """A graphics drawing whose text defaults to the embedded font rather than Helvetica."""
    register_fonts()
    d = Drawing(width, height)
    d.initialFontName = SANS
    return d


def content_width(pagesize: tuple[float, float] = letter) -> float:
    return pagesize[0] - 2 * MARGIN

"""What the incident is: the header (priority, number, status, type) and its facts and times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from data import rules
from data.pack import Pack
from data.permissions import Actor
from data.records import IncidentRecord
from data.rules import STATUS_LABELS
from widgets import theme
from widgets.location_history import PlaceKnowledgePanel
from widgets.operations import Operations
from widgets.store import BoardStore

TIMES = (
    ("received_at", "Received"),
    ("entered_at", "Entered"),
    ("dispatched_at", "Dispatched"),
    ("enroute_at", "En route"),
    ("onscene_at", "On scene"),
    ("cleared_at", "Cleared"),
)


def elapsed(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """'+1:05' (minutes:seconds) or '+2h03' from start to end."""
    if start is None or end is None:
        return ""
    seconds = int((end - start).total_seconds())
    if seconds < 0:
        return ""
    if seconds >= 3600:
        return f"+{seconds // 3600}h{seconds % 3600 // 60:02d}"
    return f"+{seconds // 60}:{seconds % 60:02d}"


def local_time(moment: dt.datetime | None, tz: ZoneInfo, *, with_date: bool = False) -> str:
    """A stored UTC moment in the jurisdiction's time: '08:00:45', or 'Thu 26 Nov 08:00:45'."""
    if moment is None:
        return "—"
    local = moment.astimezone(tz)
    return f"{local:%a %d %b %H:%M:%S}" if with_date else f"{local:%H:%M:%S}"


class IncidentHeader(QFrame):
    """Priority, number and status pill on one line; type, APCO code and the Sheriff-first rule under it."""

    def __init__(self, pack: Pack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panelHeader")
        self._pack = pack
        self.priority_label = QLabel(self)
        self.priority_label.setObjectName("detailPriority")
        self.number_label = QLabel(self)
        self.number_label.setObjectName("detailNumber")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("detailStatus")
        self.type_label = QLabel(self)
        self.type_label.setObjectName("detailType")
        self.type_label.setWordWrap(True)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.priority_label)
        top.addWidget(self.number_label)
        top.addStretch(1)
        top.addWidget(self.status_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.type_label)

    def show_record(self, rec: IncidentRecord) -> None:
        palette = theme.colors()
        pcolor = palette.priority.get(rec.priority, palette.muted).name()
        glyph = theme.PRIORITY_GLYPHS.get(rec.priority, "■")
        self.priority_label.setText(f"{glyph} P{rec.priority}")
        self.priority_label.setStyleSheet(f"QLabel#detailPriority {{ color: {pcolor}; }}")
        self.number_label.setText(rec.number)
        pill = theme.status_pill(rec.status)
        status = STATUS_LABELS.get(rec.status, rec.status)
        if rec.status == "transferred":
            status = f"Transferred to {self._pack.agency}"
        self.status_label.setText(status.upper())
        self.status_label.setStyleSheet(
            f"QLabel#detailStatus {{ background: {pill.fill.name()}; color: {pill.text.name()}; "
            "border-radius: 9px; padding: 2px 12px; font-weight: 700; }"
        )
        ct = self._pack.call_types.get(rec.call_type)
        rule = ""
        if ct is not None:
            rule = (
                f" · {self._pack.agency} first"
                if ct.sheriff_first
                else (" · CSOs may respond alone" if ct.cso_alone else "")
            )
        kind = " · officer-initiated" if rec.kind == "self_initiated" else ""
        self.type_label.setText(f"{rec.call_type} · {rec.call_type_label} · APCO {rec.apco_code}{rule}{kind}")


class IncidentFacts(QWidget):
    """Location, place knowledge, caller, response, screening, disposition, narrative; the six time stamps."""

    def __init__(self, store: BoardStore, operations: Operations, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pack = store.db.pack
        self._tz = ZoneInfo(self._pack.timezone)
        self.location_label = QLabel(self)
        self.location_label.setObjectName("detailLocation")
        self.location_label.setWordWrap(True)
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.zone_label = QLabel(self)
        self.caller_label = QLabel(self)
        self.caller_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.response_label = QLabel(self)
        self.response_label.setWordWrap(True)
        self.screening_label = QLabel(self)
        self.screening_label.setWordWrap(True)
        self.disposition_label = QLabel(self)
        self.disposition_label.setWordWrap(True)
        self.narrative_view = QPlainTextEdit(self)
        self.narrative_view.setReadOnly(True)
        self.narrative_view.setAccessibleName("Narrative")
        self.narrative_view.setMaximumHeight(72)
        self.narrative_view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        # Cautions (red) and the history of the incident's place (widgets/location_history.py).
        self.place_panel = PlaceKnowledgePanel(store, operations, actor, self)
        facts = QGridLayout()
        facts.setHorizontalSpacing(10)
        facts.setVerticalSpacing(3)
        facts.setColumnStretch(1, 1)
        rows = (
            ("Location", self.location_label),
            ("", self.zone_label),
            ("Place", self.place_panel),
            ("Caller", self.caller_label),
            ("Response", self.response_label),
            ("Screening", self.screening_label),
            ("Disposition", self.disposition_label),
            ("Narrative", self.narrative_view),
        )
        self.fact_titles: dict[QWidget, QLabel] = {}
        for row, (title, widget) in enumerate(rows):
            label = QLabel(title, self)
            label.setObjectName("factTitle")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            if title:
                label.setBuddy(widget)  # a screen reader reads the value with its title (label relation)
            facts.addWidget(label, row, 0)
            facts.addWidget(widget, row, 1)
            self.fact_titles[widget] = label

        # Times: six stamps in local time with the interval since the call was received.
        self.time_labels: dict[str, QLabel] = {}
        times = QGridLayout()
        times.setHorizontalSpacing(4)
        times.setVerticalSpacing(0)
        for column, (attr, title) in enumerate(TIMES):
            caption = QLabel(title, self)
            caption.setObjectName("timeCaption")
            value = QLabel("—", self)
            value.setObjectName("timeValue")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption.setBuddy(value)
            times.addWidget(caption, 0, column)
            times.addWidget(value, 1, column)
            self.time_labels[attr] = value
        times_frame = QFrame(self)
        times_frame.setObjectName("timesStrip")
        times_frame.setLayout(times)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(facts)
        layout.addWidget(times_frame)

    def show_record(self, rec: IncidentRecord, merged_into: IncidentRecord | None) -> None:
        """Fill every fact from the record; ``merged_into`` is the incident it was merged into, when known."""
        palette = theme.colors()
        self.location_label.setText(rec.location)
        zone = f"Zone {rec.zone}" if rec.zone else "No zone"
        city = {True: "in city", False: "OUTSIDE the city", None: "city unknown"}[rec.in_city]
        point = (
            f" · {rec.latitude:.5f}, {rec.longitude:.5f}"
            if rec.latitude is not None and rec.longitude is not None
            else " · no map point"
        )
        self.zone_label.setText(f"{zone} · {city}{point}")
        if rec.in_city is False:
            self.zone_label.setStyleSheet(f"color: {palette.amber.name()};")
        else:
            self.zone_label.setStyleSheet("")
        caller = rec.caller_name or "Caller not named"
        self.caller_label.setText(f"{caller} · {rec.caller_phone or 'no callback number'}")

        agency = self._pack.agency
        responses = {"cso": "CSOs", "joint": f"Joint response with {agency}", "sheriff": f"{agency} (transferred)"}
        response = responses.get(rec.response, rec.response)
        if rec.override_reason:
            response += f" · override: {rec.override_reason}"
        self.response_label.setText(response)
        flagged = [key for key in rules.SCREENING_QUESTIONS if rules.screening_answer(rec.screening, key)]
        unknown = rules.unanswered(rec.screening)
        self.screening_label.setText(rules.screening_summary(rec.screening))
        colour = palette.red if flagged else (palette.amber if unknown else None)
        self.screening_label.setStyleSheet(f"color: {colour.name()}; font-weight: 600;" if colour else "")
        if rec.disposition_code:
            disp = self._pack.dispositions.get(rec.disposition_code)
            label = disp.label if disp else ""
            note = f" · {rec.disposition_note}" if rec.disposition_note else ""
            self.disposition_label.setText(f"{rec.disposition_code} {label}{note}")
        else:
            self.disposition_label.setText("—")
        if rec.merged_into_id is not None:
            self.disposition_label.setText(
                self.disposition_label.text() + (f" (see {merged_into.number})" if merged_into else "")
            )
        if self.narrative_view.toPlainText() != rec.narrative:
            self.narrative_view.setPlainText(rec.narrative or "")
        self.narrative_view.setPlaceholderText("No narrative")
        self._show_times(rec)

    def _show_times(self, rec: IncidentRecord) -> None:
        for attr, _title in TIMES:
            moment = getattr(rec, attr)
            value = self.time_labels[attr]
            if moment is None:
                value.setText("—")
                value.setToolTip("")
                continue
            since = elapsed(rec.received_at, moment) if attr != "received_at" else ""
            value.setText(local_time(moment, self._tz) + (f"\n{since}" if since else ""))
            value.setToolTip(local_time(moment, self._tz, with_date=True) + f" ({self._pack.timezone})")
        self.time_labels["received_at"].setText(
            local_time(rec.received_at, self._tz) + "\n" + rec.received_at.astimezone(self._tz).strftime("%a %d %b")
        )

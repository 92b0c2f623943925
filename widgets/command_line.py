"""The command line: typed dispatch commands with completion, history and a one-line answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from data import rules, services
from data.errors import DispatchError
from data.records import OPEN_STATUSES, CitationRecord, IncidentRecord, UnitRecord
from data.rules import STATUS_LABELS
from data.services.citations import void_citation
from data.services.self_initiated import start_self_initiated
from widgets import commands
from widgets.actions import DispatchActions
from widgets.commands import Command, ParseError
from widgets.completion import CompletingLineEdit
from widgets.inline import InlineMessage
from widgets.operations import failure_text
from widgets.places import GeocoderFactory, Place, best_place, pack_geocoder
from widgets.store import BoardStore

MAX_HISTORY = 200
MAX_SUGGESTIONS = 10
# The unit action (data.rules.unit_actions) each unit verb takes: units that can take it are suggested first.
VERB_UNIT_ACTION = {"D": "dispatch", "SI": "dispatch", "ACK": "acknowledge", **commands.STATUS_VERBS}


class FollowUp(TypedDict):
    """The operation keywords every command shares: select its incident, keep a refused line to fix."""

    owner: QObject
    on_success: Callable[[object], None]
    on_failure: Callable[[Exception], None]


class CommandEdit(CompletingLineEdit):
    """The input: Tab completes the word being typed, Up/Down walk the history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, tab_takes_first=True, enter_takes_first=False)
        self.history: list[str] = []
        self._cursor = 0
        self._draft = ""

    def apply_completion(self, value: str) -> None:
        head, _, _ = self.text().rpartition(" ")
        self.setText(f"{head} {value} " if head else f"{value} ")

    def remember(self, line: str) -> None:
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[:-MAX_HISTORY]
        self._cursor = len(self.history)
        self._draft = ""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and not self.suggestions_visible() and self.text():
            # Escape clears the line (an open suggestion list is closed first, by the completion filter).
            self.clear()
            self._cursor = len(self.history)
            event.accept()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not self.suggestions_visible() and self.history:
            if self._cursor == len(self.history):
                self._draft = self.text()
            step = -1 if key == Qt.Key.Key_Up else 1
            self._cursor = max(0, min(len(self.history), self._cursor + step))
            self.setText(self.history[self._cursor] if self._cursor < len(self.history) else self._draft)
            event.accept()
            return
        super().keyPressEvent(event)


class CommandLine(QWidget):
    """Parses with widgets.commands; resolves short unit and incident names from the board store."""

    new_call_requested = Signal()
    find_requested = Signal(str)
    incident_selected = Signal(int)
    print_requested = Signal(int)
    citation_requested = Signal(int)  # incident id: open the citation form
    welfare_form_requested = Signal(int)  # incident id: open the welfare-check form
    welfare_log_requested = Signal(str)  # "current" or a shift number
    citation_print_requested = Signal(str)  # citation number: reprint (after VOID)
    incident_cleared = Signal(object)  # IncidentRecord cleared by C: the window offers its paperwork
    help_requested = Signal()

    def __init__(
        self,
        store: BoardStore,
        actions: DispatchActions,
        parent: QWidget | None = None,
        *,
        geocoder_factory: GeocoderFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("commandLine")
        self._store = store
        self._actions = actions
        self._geocoder = geocoder_factory or pack_geocoder(store.db.pack.geo_dir)
        self._ops = actions.operations

        self.prompt = QLabel("CMD ›")
        self.prompt.setObjectName("commandPrompt")
        self.prompt.setStyleSheet("QLabel#commandPrompt { font-weight: 700; letter-spacing: 1px; }")
        self.edit = CommandEdit(self)
        self.edit.setObjectName("commandInput")
        self.edit.setPlaceholderText("D 12 123 · ER 12 · OS 12 · C 123 18 · NOTE 123 text · N new call · F1 help")
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("CMD command line")  # holds the visible prompt (label in name)
        self.prompt.setBuddy(self.edit)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.edit.setFont(fixed)
        self.edit.popup_view().setFont(fixed)
        self.answer = InlineMessage(self, keep_space=True)
        self.answer.setWordWrap(False)
        self.answer.setAccessibleName("Command answer")

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.prompt)
        row.addWidget(self.edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.answer)
        self.setFocusProxy(self.edit)

        self.edit.textEdited.connect(self._on_edit_text_edited)
        self.edit.submitted.connect(self._on_edit_submitted)
        self.edit.help_requested.connect(self._on_edit_help_requested)
        self.edit.completion_accepted.connect(self._on_edit_completion_accepted)
        self.answer.follow_reports(self._ops, self)

    # Public ------------------------------------------------------------------------------------
    def focus_input(self, text: str = "") -> None:
        if text:
            self.edit.setText(text)
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def run(self, text: str) -> None:
        """Parse and carry out one line, as if typed; the answer label tells how it went."""
        line = text.strip()
        parsed = commands.parse(line, dispositions=self._store.db.pack.dispositions.keys())
        if isinstance(parsed, ParseError):
            self._say(parsed.message, "error")
            self._restore(text)
            return
        self.edit.remember(line)
        self.edit.clear()
        self.edit.hide_suggestions()
        self._execute(parsed, line)

    # Execution ---------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    def _execute(self, cmd: Command, line: str) -> None:
        if cmd.verb == "N":
            self._say("New call", "info")
            self.new_call_requested.emit()
        elif cmd.verb == "HELP":
            self._say(
                "N · D unit incident · ER/OS/AV/BK/OOS unit · C incident code · NOTE · ACK · FIND · P · SI"
                " · CIT · VOID · WC · WL",
                "info",
            )
            self.help_requested.emit()
        elif cmd.verb == "FIND":
            self._say(f"Searching for {cmd.text!r}", "info")
            self.find_requested.emit(cmd.text)
        elif cmd.verb == "WL":
            shift = cmd.text.strip() or "current"
            self._say(f"Preparing the welfare-check log of shift {shift}…", "info")
            self.welfare_log_requested.emit(shift)
        elif cmd.verb == "VOID":
            self._void(cmd, line)
        else:
            self._resolve(cmd, line)

    def _resolve(self, cmd: Command, line: str) -> None:
        """Find the units and incident the command names on the board; the database only for what it lacks.

        An officer-initiated start also looks its place up, off the GUI thread like any database read.
        """
        self.answer.show_message(f"{line} …", "info")  # under way; the result replaces it
        try:
            units = [self._store.find_unit(name) for name in cmd.units]
            incident = self._store.find_incident(cmd.incident) if cmd.incident else None
        except DispatchError as exc:  # a name the board knows to be wrong or ambiguous: as the service says it
            self._ops.report("refused", failure_text(exc), self)
            self._restore(line)
            return
        board_knows = None not in units and (incident is not None or not cmd.incident)
        if board_knows and cmd.verb != "SI":
            self._on_resolved(cmd, line, [u for u in units if u is not None], incident, None)
            return
        db, geocoder = self._store.db, self._geocoder
        self._ops.run(
            lambda: _resolve_rest(db, cmd, geocoder, units, incident),
            owner=self,
            on_success=lambda found: self._on_resolved(cmd, line, *found),
            on_failure=lambda _exc: self._restore(line),
        )

    def _on_resolved(
        self,
        cmd: Command,
        line: str,
        units: list[UnitRecord],
        incident: IncidentRecord | None,
        place: Place | None,
    ) -> None:
        act = self._actions

        def follow(incident_id: int | None) -> FollowUp:
            """The operation keywords every command shares: select the incident, keep a refused line."""

            def selected(_result: object) -> None:
                if incident_id is not None:
                    self.incident_selected.emit(incident_id)

            return {"owner": self, "on_success": selected, "on_failure": lambda _exc: self._restore(line)}

        if cmd.verb == "D" and incident is not None:
            signs = ", ".join(u.call_sign for u in units)
            act.dispatch(
                incident.id,
                [u.id for u in units],
                override_reason=cmd.text,
                message=lambda r: f"{signs} dispatched to {r.number} ({r.location})",
                **follow(incident.id),
            )
        elif cmd.verb == "SI":
            unit = units[0]
            db, actor = self._store.db, act.actor

            def start() -> IncidentRecord:
                return start_self_initiated(
                    db,
                    actor,
                    unit_id=unit.id,
                    call_type=cmd.call_type,
                    location=place.label if place else cmd.text,
                    latitude=place.latitude if place else None,
                    longitude=place.longitude if place else None,
                    zone=place.zone if place else None,
                )

            def started(record: IncidentRecord) -> str:
                self._store.put(incidents=[record])
                return (
                    f"{record.number} started: {unit.call_sign} on scene, {record.call_type_label} at {record.location}"
                )

            self._ops.run(
                start,
                owner=self,
                message=started,
                on_success=lambda r: self.incident_selected.emit(r.id),
                on_failure=lambda _exc: self._restore(line),
            )
        elif cmd.verb in commands.STATUS_VERBS:
            unit = units[0]
            status = commands.STATUS_VERBS[cmd.verb]
            act.set_unit_status(
                unit.id,
                status,
                cmd.text,
                message=lambda u: (
                    f"{u.call_sign} {STATUS_LABELS[u.status].lower()}"
                    + (f" on {u.incident_number}" if u.incident_number else "")
                ),
                **follow(None),
            )
        elif cmd.verb == "C" and incident is not None:
            label = self._store.db.pack.dispositions[cmd.disposition].label
            selected = follow(incident.id)

            def cleared(record: IncidentRecord) -> None:
                selected["on_success"](record)
                self.incident_cleared.emit(record)

            # The version on the dispatcher's board (what they saw), else the one just looked up.
            seen = self._store.incidents.get(incident.id, incident)
            act.clear(
                incident.id,
                cmd.disposition,
                cmd.text,
                expected_version=seen.version,
                message=lambda r: f"{r.number} cleared {r.disposition_code} {label}",
                owner=self,
                on_success=cleared,
                on_failure=selected["on_failure"],
            )
        elif cmd.verb == "NOTE" and incident is not None:
            act.add_note(incident.id, cmd.text, **follow(incident.id))
        elif cmd.verb == "ACK":
            act.acknowledge(units[0].id, cmd.text, **follow(None))
        elif cmd.verb == "P" and incident is not None:
            self.incident_selected.emit(incident.id)
            self.print_requested.emit(incident.id)
        elif cmd.verb == "CIT" and incident is not None:
            self.incident_selected.emit(incident.id)
            self.citation_requested.emit(incident.id)
        elif cmd.verb == "WC" and incident is not None:
            self.incident_selected.emit(incident.id)
            self.welfare_form_requested.emit(incident.id)

    def _void(self, cmd: Command, line: str) -> None:
        """VOID <citation> <reason>: the service checks the role and the reason; the reprint follows."""
        db, actor, number, reason = self._store.db, self._actions.actor, cmd.citation, cmd.text
        self.answer.show_message(f"{line} …", "info")

        def voided(record: CitationRecord) -> None:
            if record.incident_id is not None:
                self.incident_selected.emit(record.incident_id)
            self.citation_print_requested.emit(record.number)

        self._ops.run(
            lambda: void_citation(db, actor, number, reason),
            owner=self,
            message=lambda c: f"Citation {c.number} voided: {c.void_reason}",
            on_success=voided,
            on_failure=lambda _exc: self._restore(line),
        )

    def _restore(self, line: str) -> None:
        # The dispatcher fixes a refused command rather than retyping it; selected, so typing a new one
        # replaces it instead of being appended to it.
        if not self.edit.text():
            self.edit.setText(line)
        if self.edit.text() == line:
            self.edit.selectAll()

    def _say(self, text: str, severity: str) -> None:
        """A line that is not an operation's result (help, a parse error): reported once all the same."""
        self._ops.report("refused" if severity == "error" else "info", text, self)

    # Completion --------------------------------------------------------------------------------
    def _on_edit_text_edited(self, text: str) -> None:
        self.edit.set_suggestions(self.suggestions_for(text))

    def suggestions_for(self, text: str) -> list[tuple[str, str]]:
        """(display, value) rows for the word being typed at the end of `text`."""
        kind = commands.expected_argument(text)
        word = text.rpartition(" ")[2].upper()
        if kind == "verb":
            if not word:
                return []
            return [
                (f"{v.name:<5} {v.summary}", v.name)
                for v in commands.VERBS.values()
                if v.name.startswith(word) and v.name != word
            ][:MAX_SUGGESTIONS]
        if kind == "unit":
            verb = commands.canonical_verb(text.split(" ", 1)[0]) or ""
            action = VERB_UNIT_ACTION.get(verb, "")
            timers = self._store.db.pack.timers

            def rank(unit: UnitRecord) -> tuple[int, str]:
                """Units that can take the verb first, in the board's status order (available before busy)."""
                can = rules.unit_actions(
                    unit.status,
                    on_shift=unit.on_shift,
                    has_incident=unit.incident_id is not None,
                    timed_statuses=timers,
                )
                if action not in can:
                    return len(rules.UNIT_STATUSES), unit.call_sign
                return rules.UNIT_STATUSES.index(unit.status), unit.call_sign

            units = sorted(self._store.on_shift_units(), key=rank)
            if word:
                units = [u for u in units if word in u.call_sign.upper()]
            return [
                (
                    f"{u.call_sign:<8} {STATUS_LABELS.get(u.status, u.status)}"
                    + (f" · {u.incident_number}" if u.incident_number else ""),
                    u.call_sign,
                )
                for u in units
            ][:MAX_SUGGESTIONS]
        if kind == "incident":
            open_ones = sorted(
                (i for i in self._store.incidents.values() if i.status in OPEN_STATUSES),
                key=lambda i: (i.priority, i.received_at),
            )
            if word:
                open_ones = [i for i in open_ones if i.number.endswith(word) or i.short_number.startswith(word)]
            return [(f"{i.number}  P{i.priority} {i.call_type_label} · {i.location}", i.number) for i in open_ones][
                :MAX_SUGGESTIONS
            ]
        if kind == "calltype":
            pack = self._store.db.pack
            return [
                (f"{ct.code:<8} {ct.label}", ct.code)
                for ct in pack.call_types.values()
                if ct.kind == "self_initiated" and ct.code.startswith(word)
            ][:MAX_SUGGESTIONS]
        if kind == "disposition":
            codes = self._store.db.pack.dispositions.values()
            return [(f"{d.code}  {d.label}", d.code) for d in codes if d.code.startswith(word)][:MAX_SUGGESTIONS]
        return []

    def _on_edit_completion_accepted(self, _value: str, _by_enter: bool) -> None:
        self.edit.set_suggestions(self.suggestions_for(self.edit.text()))

    def _on_edit_submitted(self) -> None:
        self.run(self.edit.text())

    def _on_edit_help_requested(self) -> None:
        self.help_requested.emit()


def _resolve_rest(
    db: Any,
    cmd: Command,
    geocoder: Callable[[], Any],
    units: list[UnitRecord | None],
    incident: IncidentRecord | None,
) -> tuple[list[UnitRecord], IncidentRecord | None, Place | None]:
    """What the board could not name, from the database (short forms as on the board), and the SI place;
    off the GUI thread."""
    found = [
        unit if unit is not None else services.find_unit(db, name) for unit, name in zip(units, cmd.units, strict=True)
    ]
    if incident is None and cmd.incident:
        incident = services.find_incident(db, cmd.incident)
    place = best_place(geocoder, cmd.text) if cmd.verb == "SI" else None
    return found, incident, place

"""Drafts: the call being typed is kept as it goes, and a dispatcher's drafts are listed to resume."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from data import services
from data.db import Database
from data.permissions import Actor
from data.services.drafts import DraftRecord
from widgets.operations import Operations

log = logging.getLogger(__name__)

DRAFT_DEBOUNCE_MS = 400  # a draft is saved this long after a key, then again as typing goes on (tests set 0)


class DraftsBox(QGroupBox):
    """This dispatcher's drafts at this workstation (not the one being typed); shown only when there are some."""

    resume_requested = Signal()

    def __init__(self, form: QWidget) -> None:
        super().__init__("Drafts kept: Alt+R resumes the selected one", form)
        self.setObjectName("draftsBox")
        self.drafts: list[DraftRecord] = []
        self.draft_list = QListWidget(self)
        self.draft_list.setAccessibleName("Drafts kept")
        self.draft_list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.draft_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.addWidget(self.draft_list)
        self.setVisible(False)

    def connect_signals(self) -> None:
        self.draft_list.itemActivated.connect(self._on_draft_list_item_activated)

    def _on_draft_list_item_activated(self, _item: QListWidgetItem) -> None:
        self.resume_requested.emit()

    def show_drafts(self, drafts: list[DraftRecord], *, typing_key: str, tz: ZoneInfo) -> None:
        self.drafts = [d for d in drafts if d.key != typing_key]
        self.draft_list.clear()
        for draft in self.drafts:
            local = draft.updated_at.astimezone(tz)
            item = QListWidgetItem(f"{local:%H:%M}  {draft.summary}")
            item.setData(Qt.ItemDataRole.UserRole, draft.key)
            self.draft_list.addItem(item)
        rows = min(max(len(self.drafts), 1), 3)
        self.draft_list.setFixedHeight(self.draft_list.sizeHintForRow(0) * rows + 2 * self.draft_list.frameWidth() + 2)
        if self.drafts:
            self.draft_list.setCurrentRow(0)
        self.setVisible(bool(self.drafts))

    def selected(self) -> DraftRecord | None:
        """The highlighted draft (the first when none is)."""
        item = self.draft_list.currentItem() or self.draft_list.item(0)
        if item is None:
            return None
        return next((d for d in self.drafts if d.key == item.data(Qt.ItemDataRole.UserRole)), None)


class DraftKeeper(QObject):
    """Saves the call being typed under its key (one row however many saves are in flight), off the GUI thread.

    Holds no reference to the form (its parent): a Python reference from a Qt object to its parent
    makes a cycle the garbage collector breaks by crashing PySide (docs/architecture.md).
    """

    def __init__(
        self,
        db: Database,
        actor: Actor,
        ops: Operations,
        form: QWidget,
        label: QLabel,
    ) -> None:
        super().__init__(form)
        self._db = db
        self._actor = actor
        self._ops = ops
        self._label = label
        self._tz = ZoneInfo(db.pack.timezone)
        self.key = uuid.uuid4().hex
        self.timer = QTimer(form)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DRAFT_DEBOUNCE_MS)

    def new_key(self) -> None:
        """The next call is a new draft."""
        self.key = uuid.uuid4().hex
        self._label.setText("")

    def save(self, fields: dict[str, Any], *, report: bool) -> None:
        self.timer.stop()
        db, actor, key = self._db, self._actor, self.key
        self._ops.run(
            lambda: services.save_draft(db, actor, key, fields),
            owner=self.parent(),  # the form: its pending count covers this panel's reads
            message=(lambda d: f"Draft kept: {d.summary}") if report else None,
            on_success=self._on_draft_saved,
            report_failure=report,
        )

    def save_in_background(self, fields: dict[str, Any]) -> None:
        """The throttled save while typing; the console closing leaves the last draft as it was."""
        if not self._ops.runner.accepting:
            return
        try:
            self.save(fields, report=False)
        except RuntimeError:  # no event loop any more (the console is closing): the last draft stands
            log.info("draft not saved: the console is closing")

    def _on_draft_saved(self, draft: DraftRecord) -> None:
        if draft.key == self.key:
            self._label.setText(f"Draft kept {draft.updated_at.astimezone(self._tz):%H:%M:%S}")

    def discard(self) -> None:
        """Throw away the draft of the call being typed."""
        db, actor, key = self._db, self._actor, self.key
        self.timer.stop()
        self._ops.run(
            lambda: services.discard_draft(db, actor, key), owner=None, message="Call discarded", report_failure=False
        )

    def list_drafts(self, on_listed: Callable[[list[DraftRecord]], None]) -> None:
        db, actor = self._db, self._actor
        self._ops.run(
            lambda: services.list_drafts(db, actor),
            owner=self.parent(),  # the form: its pending count covers this panel's reads
            on_success=on_listed,
            report_failure=False,
        )

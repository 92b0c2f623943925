"""Dispatcher actions for every view: each runs its service off the GUI thread and reports back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from data import services
from data.errors import DispatchError, StaleWriteError
from data.permissions import Actor
from data.records import IncidentRecord, UnitRecord
from widgets.store import BoardStore
from widgets.tasks import error_text


class DispatchActions(QObject):
    """The one place views send user actions; results go into the store at once."""

    succeeded = Signal(str)  # one line for the status bar / command line
    refused = Signal(str)  # a readable refusal; nothing was written
    incident_created = Signal(object)  # IncidentRecord

    def __init__(self, store: BoardStore, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.actor = actor

    @property
    def db(self):
        return self.store.db

    def _run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        message: Callable[[Any], str],
        then: Callable[[Any], None] | None = None,
        on_stale: Callable[[StaleWriteError], None] | None = None,
        **kwargs: Any,
    ) -> Any:
        def done(result: Any) -> None:
            if isinstance(result, IncidentRecord):
                self.store.put(incidents=[result])
            elif isinstance(result, UnitRecord):
                self.store.put(units=[result])
            self.succeeded.emit(message(result))
            if then is not None:
                then(result)

        def failed(exc: Exception) -> None:
            if on_stale is not None and isinstance(exc, StaleWriteError):
                on_stale(exc)  # the caller shows what changed and offers to reapply
            elif isinstance(exc, DispatchError):
                self.refused.emit(str(exc))
            else:
                self.store.runner.crashed.emit(error_text(exc))

        return self.store.runner.submit(fn, self.db, self.actor, *args, on_done=done, on_error=failed, **kwargs)

    # Incidents ---------------------------------------------------------------------------------
    def create_incident(self, then: Callable[[IncidentRecord], None] | None = None, **fields: Any) -> Any:
        def created(rec: IncidentRecord) -> None:
            self.incident_created.emit(rec)
            if then is not None:
                then(rec)

        return self._run(
            services.create_incident,
            message=lambda r: f"{r.number} created: {r.call_type_label} at {r.location}",
            then=created,
            **fields,
        )

    def dispatch(self, incident_id: int, unit_ids: list[int], *, override_reason: str = "") -> Any:
        return self._run(
            services.dispatch_units,
            incident_id,
            unit_ids,
            override_reason=override_reason,
            message=lambda r: f"{', '.join(r.units)} dispatched to {r.number}",
        )

    def add_note(self, incident_id: int, text: str) -> Any:
        return self._run(services.add_note, incident_id, text, message=lambda r: f"Note added to {r.number}")

    def clear(self, incident_id: int, disposition: str, note: str = "") -> Any:
        return self._run(
            services.clear_incident,
            incident_id,
            disposition=disposition,
            note=note,
            message=lambda r: f"{r.number} cleared {r.disposition_code}",
        )

    def cancel(self, incident_id: int, reason: str) -> Any:
        return self._run(
            services.cancel_incident, incident_id, reason=reason, message=lambda r: f"{r.number} cancelled"
        )

    def reopen(self, incident_id: int, reason: str) -> Any:
        return self._run(services.reopen_incident, incident_id, reason=reason, message=lambda r: f"{r.number} reopened")

    def transfer(self, incident_id: int, *, joint: bool = False, note: str = "") -> Any:
        return self._run(
            services.transfer_to_sheriff,
            incident_id,
            joint=joint,
            note=note,
            message=lambda r: f"{r.number} " + ("joint response with LASD" if joint else "transferred to LASD"),
        )

    def merge(self, duplicate_id: int, into_id: int) -> Any:
        return self._run(
            services.merge_duplicate,
            duplicate_id=duplicate_id,
            into_id=into_id,
            message=lambda r: f"Duplicate merged into {r.number}",
        )

    def update(
        self,
        incident_id: int,
        expected_version: int,
        *,
        on_stale: Callable[[StaleWriteError], None] | None = None,
        **changes: Any,
    ) -> Any:
        """Edit fields; on_stale gets the refusal when someone changed the incident first (see widgets.conflict)."""
        return self._run(
            services.update_incident,
            incident_id,
            expected_version=expected_version,
            message=lambda r: f"{r.number} updated",
            on_stale=on_stale,
            **changes,
        )

    # Units -------------------------------------------------------------------------------------
    def set_unit_status(self, unit_id: int, status: str, note: str = "") -> Any:
        return self._run(
            services.set_unit_status,
            unit_id,
            status,
            note=note,
            message=lambda u: f"{u.call_sign} {u.status.replace('_', ' ')}",
        )

    def acknowledge(self, unit_id: int, note: str = "") -> Any:
        return self._run(
            services.acknowledge_check, unit_id, note=note, message=lambda u: f"{u.call_sign} status check acknowledged"
        )

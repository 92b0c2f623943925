"""Dispatcher actions on incidents and units, as operations (widgets.operations) every view shares."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypedDict, TypeVar, Unpack

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from data import services
from data.db import Database
from data.errors import StaleWriteError
from data.permissions import Actor
from data.records import IncidentRecord, MergedCall, UnitRecord
from widgets.operations import Operation, Operations
from widgets.store import BoardStore

R = TypeVar("R")
# Redo a status action refused as stale, from the version the conflict panel shows.
Redo = Callable[[int], Operation[IncidentRecord]]


class OperationKeywords(TypedDict, Generic[R], total=False):
    """The keywords every dispatcher action takes besides its own arguments (see ``Operations.run``)."""

    owner: QObject | None  # the asking view: its pending count and inline line follow the operation
    message: Callable[[R], str] | None  # replaces the action's default success line
    on_success: Callable[[R], None] | None
    on_failure: Callable[[Exception], None] | None
    busy: tuple[QWidget, ...]  # controls disabled while it runs


class ConflictHandler(Protocol):
    """Shows a stale refusal beside what the dispatcher meant to do, and can redo it (widgets.conflict)."""

    def show_action_conflict(
        self, error: StaleWriteError, incident_id: int, intended: dict[str, object], redo: Redo
    ) -> None: ...


class DispatchActions(QObject):
    """Builds each dispatcher action's operation; a result goes into the store before any callback.

    Every method takes the same keywords: ``owner`` (the asking view), ``message`` (replaces the
    default success line), ``on_success``, ``on_failure`` and ``busy`` (see ``Operations.run``).
    """

    incident_created = Signal(object)  # IncidentRecord

    def __init__(self, store: BoardStore, actor: Actor, operations: Operations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.operations = operations
        self._conflicts: weakref.ReferenceType[ConflictHandler] | None = None

    def set_conflict_handler(self, handler: ConflictHandler) -> None:
        """Where a status change refused as stale goes (held weakly: the window owns both)."""
        self._conflicts = weakref.ref(handler)

    def _on_stale(
        self,
        op: OperationKeywords[IncidentRecord],
        incident_id: int,
        intended: dict[str, object],
        redo: Redo,
    ) -> OperationKeywords[IncidentRecord]:
        """Operation keywords where a stale refusal also opens the conflict panel (after the caller's own callback)."""
        failure = op.pop("on_failure", None)

        def failed(exc: Exception) -> None:
            if failure is not None:
                failure(exc)
            handler = self._conflicts() if self._conflicts is not None else None
            if handler is not None and isinstance(exc, StaleWriteError):
                handler.show_action_conflict(exc, incident_id, intended, redo)

        return {**op, "on_failure": failed}

    @property
    def db(self) -> Database:
        return self.store.db

    def run(
        self,
        fn: Callable[..., R],
        *args: Any,
        default_message: Callable[[R], str],
        owner: QObject | None = None,
        message: Callable[[R], str] | None = None,
        on_success: Callable[[R], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
        busy: tuple[QWidget, ...] = (),
        **kwargs: Any,
    ) -> Operation[R]:
        """Run a service ``fn(db, actor, *args, **kwargs)`` as an operation of this workstation's actor."""

        def succeeded(result: R) -> None:
            if on_success is not None:
                on_success(result)

        def call() -> R:
            return fn(self.db, self.actor, *args, **kwargs)

        def put_then_describe(result: R) -> str:
            # Runs first on the GUI thread (the report is built before callbacks): the board shows it at once.
            if isinstance(result, IncidentRecord):
                self.store.put(incidents=[result])
            elif isinstance(result, MergedCall):
                self.store.put(incidents=[result.duplicate, result.into])
            elif isinstance(result, UnitRecord):
                self.store.put(units=[result])
            return (message or default_message)(result)

        return self.operations.run(
            call,
            owner=owner,
            message=put_then_describe,
            on_success=succeeded,
            on_failure=on_failure,
            busy=busy,
        )

    # Incidents ---------------------------------------------------------------------------------
    def _announcing_new_call(self, op: dict[str, Any], new_call: Callable[[Any], IncidentRecord]) -> dict[str, Any]:
        """Operation keywords where success first announces the new call (``incident_created``)."""
        success = op.pop("on_success", None)

        def created(result: Any) -> None:
            self.incident_created.emit(new_call(result))
            if success is not None:
                success(result)

        return {**op, "on_success": created}

    def create_incident(self, *, fields: dict[str, Any], **op: Any) -> Operation[IncidentRecord]:
        return self.run(
            services.create_incident,
            default_message=lambda r: f"{r.number} created: {r.call_type_label} at {r.location}",
            **self._announcing_new_call(op, lambda r: r),
            **fields,
        )

    def create_and_transfer(self, *, fields: dict[str, Any], note: str = "", **op: Any) -> Operation[IncidentRecord]:
        """A new call handed to law enforcement as it is taken: one service call, one transaction."""
        agency = self.db.pack.agency
        return self.run(
            services.create_and_transfer,
            note=note,
            default_message=lambda r: (
                f"{r.number} created and transferred to {agency}: {r.call_type_label} at {r.location}"
            ),
            **self._announcing_new_call(op, lambda r: r),
            **fields,
        )

    def create_and_merge(self, *, fields: dict[str, Any], into_id: int, **op: Any) -> Operation[MergedCall]:
        """A new call saved straight into the open incident it repeats: one service call, one transaction."""
        return self.run(
            services.create_and_merge,
            into_id=into_id,
            default_message=lambda r: f"{r.duplicate.number} merged into {r.into.number} as a duplicate",
            **self._announcing_new_call(op, lambda r: r.duplicate),
            **fields,
        )

    def dispatch(
        self,
        incident_id: int,
        unit_ids: list[int],
        *,
        override_reason: str = "",
        **op: Unpack[OperationKeywords[IncidentRecord]],
    ) -> Operation[IncidentRecord]:
        return self.run(
            services.dispatch_units,
            incident_id,
            unit_ids,
            override_reason=override_reason,
            default_message=lambda r: f"{', '.join(r.units)} dispatched to {r.number}",
            **op,
        )

    def add_note(
        self, incident_id: int, text: str, **op: Unpack[OperationKeywords[IncidentRecord]]
    ) -> Operation[IncidentRecord]:
        return self.run(
            services.add_note, incident_id, text, default_message=lambda r: f"Note added to {r.number}", **op
        )

    def clear(
        self,
        incident_id: int,
        disposition: str,
        note: str = "",
        *,
        expected_version: int | None = None,
        **op: Unpack[OperationKeywords[IncidentRecord]],
    ) -> Operation[IncidentRecord]:
        """Clear with the version the dispatcher saw: if someone changed it first, the conflict panel shows why."""
        message = op.get("message")

        def redo(version: int) -> Operation[IncidentRecord]:
            return self.clear(incident_id, disposition, note, expected_version=version, message=message)

        intended: dict[str, object] = {"status": "cleared", "disposition_code": disposition}
        return self.run(
            services.clear_incident,
            incident_id,
            disposition=disposition,
            note=note,
            expected_version=expected_version,
            default_message=lambda r: f"{r.number} cleared {r.disposition_code}",
            **self._on_stale(op, incident_id, intended, redo),
        )

    def cancel(
        self,
        incident_id: int,
        reason: str,
        *,
        expected_version: int | None = None,
        **op: Unpack[OperationKeywords[IncidentRecord]],
    ) -> Operation[IncidentRecord]:
        message = op.get("message")

        def redo(version: int) -> Operation[IncidentRecord]:
            return self.cancel(incident_id, reason, expected_version=version, message=message)

        return self.run(
            services.cancel_incident,
            incident_id,
            reason=reason,
            expected_version=expected_version,
            default_message=lambda r: f"{r.number} cancelled",
            **self._on_stale(op, incident_id, {"status": "cancelled"}, redo),
        )

    def reopen(
        self, incident_id: int, reason: str, **op: Unpack[OperationKeywords[IncidentRecord]]
    ) -> Operation[IncidentRecord]:
        return self.run(
            services.reopen_incident, incident_id, reason=reason, default_message=lambda r: f"{r.number} reopened", **op
        )

    def transfer(
        self, incident_id: int, *, joint: bool = False, note: str = "", **op: Unpack[OperationKeywords[IncidentRecord]]
    ) -> Operation[IncidentRecord]:
        agency = self.db.pack.agency
        return self.run(
            services.transfer_to_sheriff,
            incident_id,
            joint=joint,
            note=note,
            default_message=lambda r: (
                f"{r.number} " + (f"joint response with {agency}" if joint else f"transferred to {agency}")
            ),
            **op,
        )

    def merge(
        self, duplicate_id: int, into_id: int, **op: Unpack[OperationKeywords[IncidentRecord]]
    ) -> Operation[IncidentRecord]:
        return self.run(
            services.merge_duplicate,
            duplicate_id=duplicate_id,
            into_id=into_id,
            default_message=lambda r: f"Duplicate merged into {r.number}",
            **op,
        )

    def update(
        self,
        incident_id: int,
        expected_version: int,
        *,
        on_stale: Callable[[StaleWriteError], None] | None = None,
        changes: dict[str, object],
        **op: Unpack[OperationKeywords[IncidentRecord]],
    ) -> Operation[IncidentRecord]:
        """Edit fields; on_stale gets the refusal when someone changed the incident first (see widgets.conflict)."""
        failure = op.get("on_failure")

        def failed(exc: Exception) -> None:
            if on_stale is not None and isinstance(exc, StaleWriteError):
                on_stale(exc)  # the caller shows what changed and offers to reapply
            elif failure is not None:
                failure(exc)

        op["on_failure"] = failed
        return self.run(
            services.update_incident,
            incident_id,
            expected_version=expected_version,
            default_message=lambda r: f"{r.number} updated",
            **op,
            **changes,
        )

    # Units -------------------------------------------------------------------------------------
    def set_unit_status(
        self, unit_id: int, status: str, note: str = "", **op: Unpack[OperationKeywords[UnitRecord]]
    ) -> Operation[UnitRecord]:
        return self.run(
            services.set_unit_status,
            unit_id,
            status,
            note=note,
            default_message=lambda u: f"{u.call_sign} {u.status.replace('_', ' ')}",
            **op,
        )

    def acknowledge(
        self, unit_id: int, note: str = "", **op: Unpack[OperationKeywords[UnitRecord]]
    ) -> Operation[UnitRecord]:
        return self.run(
            services.acknowledge_check,
            unit_id,
            note=note,
            default_message=lambda u: f"{u.call_sign} status check acknowledged",
            **op,
        )

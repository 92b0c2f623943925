"""Change feed: after a commit, tell every listener what changed as (kind, id, version)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

CHANNEL = "cso_changes"


@dataclass(frozen=True)
class Change:
    kind: str  # incident, unit, timeline, citation, shift, referral
    id: int
    version: int = 0

    def to_payload(self) -> str:
        return json.dumps([self.kind, self.id, self.version])

    @classmethod
    def from_payload(cls, payload: str) -> Change:
        kind, ident, version = json.loads(payload)
        return cls(str(kind), int(ident), int(version))


Listener = Callable[[list[Change]], None]


class ChangeFeed:
    """In-process fan-out. Listeners are called on the committing thread; Qt adapters re-post."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changes: Iterable[Change]) -> None:
        batch = list(dict.fromkeys(changes))
        if not batch:
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(batch)
            except Exception:  # a broken view must not undo a committed action
                log.exception("change listener failed")

"""Stops a database call that holds its connection past a time limit.

A frozen server (stopped, not dead) or a link that drops every packet leaves a call waiting forever:
the kernel still acknowledges TCP for a frozen server, so keepalives see nothing wrong. When a
connection has been checked out longer than the limit, the watchdog sends a cancel request (which
also ends a commit's wait for a synchronous standby: the server then warns that the transaction is
committed only locally) and, if the call still has not returned a moment later, shuts the socket
down so the waiting thread gets an error at once. The connection is then discarded by the pool.

A thread whose action passed its deadline (``interrupt_thread``) is marked stopped: the pool would
otherwise open a fresh connection after the cut, wait for the server to wake and commit an action
the dispatcher was told had been stopped. Its next checkout and its commit are refused instead.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from data.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)


class ActionStoppedError(DatabaseUnavailableError):
    """The action passed its deadline and was stopped; it must not write when the server wakes."""

    def __init__(self) -> None:
        super().__init__("The action was stopped at its deadline; it was not applied. Try again.")


@dataclass(order=True)
class _Watch:
    due: float
    seq: int
    conn: Any = field(compare=False)
    thread: int = field(compare=False)
    returned: threading.Event = field(default_factory=threading.Event, compare=False)


class ConnectionWatchdog:
    """Arms a timer per checked-out connection (``arm``/``disarm`` from the pool's events)."""

    def __init__(self, limit_s: float, *, grace_s: float = 0.5) -> None:
        self.limit_s = limit_s
        self.grace_s = grace_s
        self._watches: dict[int, _Watch] = {}  # id(dbapi connection) -> its watch
        self._heap: list[_Watch] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._local = threading.local()
        # Threads whose action passed its deadline (a thread object, so a reused ident is not stopped).
        self._stopped: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        self.interrupted = 0  # calls stopped, for the record

    @contextlib.contextmanager
    def unbounded(self) -> Iterator[None]:
        """Connections this thread checks out inside the block are not watched (schema upgrades)."""
        self._local.unbounded = getattr(self._local, "unbounded", 0) + 1
        try:
            yield
        finally:
            self._local.unbounded -= 1

    def refuse_if_stopped(self) -> None:
        """Raise ``ActionStoppedError`` in a thread whose action was stopped at its deadline."""
        with self._cond:
            stopped = threading.current_thread() in self._stopped
        if stopped:
            raise ActionStoppedError()

    def arm(self, conn: Any) -> None:
        self.refuse_if_stopped()
        if getattr(self._local, "unbounded", 0):
            return
        watch = _Watch(time.monotonic() + self.limit_s, next(self._seq), conn, threading.get_ident())
        with self._cond:
            self._watches[id(conn)] = watch
            heapq.heappush(self._heap, watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cso-db-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def disarm(self, conn: Any) -> None:
        with self._cond:
            watch = self._watches.pop(id(conn), None)
        if watch is not None:
            watch.returned.set()

    def interrupt_thread(self, ident: int) -> None:
        """Stop now whatever the thread ``ident`` is waiting for, and anything it would do next."""
        thread = next((t for t in threading.enumerate() if t.ident == ident), None)
        with self._cond:
            if thread is not None:
                self._stopped.add(thread)
            watches = [w for w in self._watches.values() if w.thread == ident]
        for watch in watches:
            self._stop_async(watch)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._watches.get(id(self._heap[0].conn)) is not self._heap[0]:
                    heapq.heappop(self._heap)  # returned in time
                now = time.monotonic()
                if not self._heap or self._heap[0].due > now:
                    self._cond.wait(None if not self._heap else self._heap[0].due - now)
                    continue
                watch = heapq.heappop(self._heap)
            self._stop_async(watch)

    def _stop_async(self, watch: _Watch) -> None:
        # A cancel request to a frozen server waits: never on the watchdog's own thread.
        threading.Thread(target=self._stop, args=(watch,), name="cso-db-interrupt", daemon=True).start()

    def _stop(self, watch: _Watch) -> None:
        self.interrupted += 1
        log.warning("database call held its connection over %.1f s: cancelling it", self.limit_s)
        with contextlib.suppress(Exception):
            watch.conn.cancel_safe(timeout=self.grace_s)
        if watch.returned.wait(self.grace_s):
            return
        log.warning("database call did not return after the cancel request: cutting its connection")
        cut_socket(watch.conn)


def cut_socket(conn: Any) -> None:
    """Shut the connection's socket down (both ways): a thread blocked on it gets an error at once."""
    with contextlib.suppress(Exception):
        fd = os.dup(conn.fileno())
        sock = socket.socket(fileno=fd)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()

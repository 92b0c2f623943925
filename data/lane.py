"""One console's actions, one after another on a worker thread, each answered within a deadline.

A call that outlives its deadline is answered with ``ActionTimeoutError`` at the deadline, its
thread is asked to stop (``interrupt``, which cuts its database connection) and left behind, and the
next call starts on a fresh thread: nothing queues behind a stuck action. Calls still waiting when
their own deadline passes are refused without being started. No Qt here: the console's task runner
and the fault-injection writers use the same lane.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any

from data.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)


class ActionTimeoutError(DatabaseUnavailableError):
    """No answer within the deadline; ``started`` tells whether the call may have written anything."""

    def __init__(self, message: str, *, started: bool) -> None:
        super().__init__(message)
        self.started = started


def _timeout_error(deadline_s: float, *, started: bool) -> ActionTimeoutError:
    if started:
        return ActionTimeoutError(
            f"The database did not answer within {deadline_s:g} s; the action was stopped and may not have been "
            "applied. The board shows what happened once the database answers again.",
            started=True,
        )
    return ActionTimeoutError(
        f"The database did not answer an earlier action within {deadline_s:g} s; this action was not started "
        "and nothing was written. Try again when the banner clears.",
        started=False,
    )


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    fn: Callable[[], Any] = field(compare=False)
    future: Future[Any] = field(compare=False)
    thread: int | None = field(default=None, compare=False)  # ident of the thread running it


class ActionLane:
    """Runs submitted calls in order on one worker thread at a time (see the module docstring).

    ``deadline_s=None`` means no deadline (a lane for work that is not a dispatcher's action).
    ``interrupt(thread_ident)`` is called, on the lane's watch thread, for a call past its deadline;
    the thread is then left behind for good, so the database may refuse it anything more.
    """

    def __init__(
        self,
        *,
        deadline_s: float | None = None,
        interrupt: Callable[[int], None] | None = None,
        name: str = "cso-db",
    ) -> None:
        self.deadline_s = deadline_s
        self.interrupt = interrupt
        self.name = name
        self._queue: deque[_Job] = deque()
        self._due: list[_Job] = []  # heap of jobs with a deadline, queued or running
        self._running: dict[int, _Job] = {}  # worker ident -> its job
        self._abandoned: set[int] = set()
        self._workers = 0  # live, not abandoned
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._watch: threading.Thread | None = None
        self.abandoned_threads = 0  # stuck calls left behind, for the record

    # Submitting ----------------------------------------------------------------------------------
    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("the lane is shut down")
            due = time.monotonic() + self.deadline_s if self.deadline_s is not None else float("inf")
            job = _Job(due, next(self._seq), fn, future)
            self._queue.append(job)
            if self.deadline_s is not None:
                heapq.heappush(self._due, job)
                self._ensure_watch()
            if self._workers == 0:  # one live worker at a time keeps the dispatcher's order
                self._start_worker()
            self._cond.notify_all()
        return future

    def _start_worker(self) -> None:
        self._workers += 1
        threading.Thread(target=self._work, name=f"{self.name}-{next(self._seq)}", daemon=True).start()

    def _ensure_watch(self) -> None:
        if self._watch is None:
            self._watch = threading.Thread(target=self._watch_deadlines, name=f"{self.name}-deadline", daemon=True)
            self._watch.start()

    # Worker --------------------------------------------------------------------------------------
    def _work(self) -> None:
        me = threading.get_ident()
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:  # closed and drained
                    self._workers -= 1
                    self._cond.notify_all()
                    return
                job = self._queue.popleft()
                if job.future.done():  # refused while it waited
                    continue
                job.thread = me
                self._running[me] = job
                job.future.set_running_or_notify_cancel()
            try:
                result = job.fn()
            except BaseException as exc:
                outcome: tuple[bool, Any] = (False, exc)
            else:
                outcome = (True, result)
            with self._cond:
                self._running.pop(me, None)
                abandoned = me in self._abandoned
                self._abandoned.discard(me)
                self._cond.notify_all()
            try:
                if outcome[0]:
                    job.future.set_result(outcome[1])
                else:
                    job.future.set_exception(outcome[1])
            except InvalidStateError:  # refused at its deadline already
                log.warning("lane %s: a call answered after its deadline (%s)", self.name, outcome[1])
            if abandoned:
                return  # a fresh worker took over the queue at the deadline

    # Deadlines -----------------------------------------------------------------------------------
    def _watch_deadlines(self) -> None:
        while True:
            expired: list[_Job] = []
            stuck: set[int] = set()  # threads left behind: only these are interrupted (they run nothing more)
            with self._cond:
                while self._due and self._due[0].future.done():
                    heapq.heappop(self._due)
                if self._closed and not self._due:
                    return
                now = time.monotonic()
                if not self._due or self._due[0].due > now:
                    self._cond.wait(timeout=None if not self._due else self._due[0].due - now)
                    continue
                while self._due and self._due[0].due <= now:
                    job = heapq.heappop(self._due)
                    if job.future.done():
                        continue
                    expired.append(job)
                    if job.thread is not None and self._running.get(job.thread) is job:
                        # Leave the stuck thread behind; a fresh one takes the rest of the queue.
                        self._abandoned.add(job.thread)
                        stuck.add(job.thread)
                        self._workers -= 1
                        self.abandoned_threads += 1
                        if self._queue:
                            self._start_worker()
            for job in expired:
                started = job.thread is not None
                log.warning(
                    "lane %s: no answer within %s s (%s)",
                    self.name,
                    self.deadline_s,
                    "running" if started else "queued",
                )
                if self.interrupt is not None and job.thread in stuck:
                    try:
                        self.interrupt(job.thread)
                    except Exception:
                        log.exception("lane %s: interrupting a stuck call failed", self.name)
                assert self.deadline_s is not None
                if not job.future.done():
                    with contextlib.suppress(InvalidStateError):  # answered in the same instant
                        job.future.set_exception(_timeout_error(self.deadline_s, started=started))

    # Stopping ------------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """Finish what is queued (stuck threads are not waited for), then stop the threads."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            if wait:
                end = None if timeout is None else time.monotonic() + timeout
                while self._workers > 0:
                    left = None if end is None else end - time.monotonic()
                    if left is not None and left <= 0:
                        break
                    self._cond.wait(left)

"""Child process for the outbox crash test: drains the outbox and kills itself (SIGKILL) at a chosen point."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from data.db import Database
from data.services import answer_back


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(url: str, folder: str, point: str) -> None:
    outbox = Path(folder).resolve()
    fsync = answer_back._fsync_folder
    if point == "staged-not-committed":
        # The staged file is on disk; the commit saying so never happens.
        answer_back._fsync_folder = lambda path: die() if path.name == answer_back.STAGING else fsync(path)
    elif point == "committed-not-renamed":
        answer_back._release = lambda *_args: die()
    elif point == "renamed-not-committed":
        # The file is in the outbox for the other agency to see; the commit saying so never happens.
        answer_back._fsync_folder = lambda path: die() if path == outbox else fsync(path)
    answer_back.drain_outbox(Database(url), outbox)


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""The inbox folder another agency drops EIDO documents into: each document imported once, then filed.

A document is taken when its name ends in .json, does not start with a dot or end in .tmp/.part, and
has not changed for `settle_s` seconds (a sender that writes slowly should write under a temporary
name and rename). It is claimed by an atomic rename into `.claimed/` (two consoles watching one
folder: only one rename succeeds), imported in one transaction, and moved to `done/` or `refused/`
with a `.txt` beside it saying what happened. A claim left behind by a console that stopped is
imported again after `STALE_CLAIM_S`: the import is idempotent, so that changes nothing twice.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from data.db import Database
from data.eido_reader import MAX_DOCUMENT_BYTES, read_bounded, too_large
from data.errors import DispatchError, ValidationError
from data.permissions import Actor
from data.records import IncidentRecord
from data.services.transfers import Locate, TransferResult, import_eido_bytes

log = logging.getLogger(__name__)

CLAIMED, DONE, REFUSED = ".claimed", "done", "refused"
STALE_CLAIM_S = 600.0
_CLAIM_PREFIX = re.compile(r"^[0-9a-f]{12}~")


@dataclass(frozen=True)
class InboxOutcome:
    """What became of one document: created/updated/unchanged (moved to done/) or refused."""

    name: str
    kind: str  # created, updated, unchanged, refused, retry
    text: str
    incident: IncidentRecord | None = None
    filed_as: Path | None = None


def _wanted(path: Path) -> bool:
    # "call.json.part" or ".call.json" is a document still being written; it is taken once renamed.
    return not path.name.startswith(".") and path.name.lower().endswith(".json")


def original_name(claimed: Path) -> str:
    return _CLAIM_PREFIX.sub("", claimed.name)


def _read_regular(path: Path, name: str) -> bytes:
    """The bytes of a regular file, refused before reading when it is not one or too large (never blocks on a FIFO)."""
    if path.is_symlink():
        raise ValidationError("eido", f"{name} is a symbolic link; refused unread.")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError("eido", f"{name} is not a regular file; refused unread.")
        if info.st_size > MAX_DOCUMENT_BYTES:
            raise too_large(info.st_size)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return read_bounded(stream)
    finally:
        os.close(fd)


class Inbox:
    """One inbox folder; `process` files every document that is ready and returns what became of each."""

    def __init__(self, folder: Path, *, settle_s: float = 2.0, clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.settle_s = settle_s
        self.clock = clock  # wall-clock seconds, compared with file modification times

    def prepare(self) -> None:
        for sub in (CLAIMED, DONE, REFUSED):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)

    def ready(self) -> list[Path]:
        """Documents in the folder that have settled, oldest first."""
        now = self.clock()
        found = []
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return []
        for entry in entries:
            path = Path(entry.path)
            if not _wanted(path) or entry.is_dir(follow_symlinks=False):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # taken by another console meanwhile
            if now - info.st_mtime >= self.settle_s:
                found.append((info.st_mtime, path.name, path))
        return [path for _m, _n, path in sorted(found)]

    def stale_claims(self) -> list[Path]:
        now = self.clock()
        out = []
        for path in sorted((self.folder / CLAIMED).iterdir()):
            try:
                if now - path.lstat().st_mtime >= STALE_CLAIM_S:
                    out.append(path)
            except FileNotFoundError:
                continue
        return out

    def claim(self, path: Path) -> Path | None:
        """Move the document into `.claimed/` under a unique name; None when another console was first."""
        # The prefix must still fit a file name's 255 bytes: a very long name is cut (its end kept).
        name = original_name(path).encode("utf-8")[-200:].decode("utf-8", "ignore")
        claimed = self.folder / CLAIMED / f"{uuid.uuid4().hex[:12]}~{name}"
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            return None  # another console took it first
        now = self.clock()
        os.utime(claimed, (now, now), follow_symlinks=False)  # the claim's age starts now
        return claimed

    def process(self, db: Database, actor: Actor, locate: Locate | None = None) -> list[InboxOutcome]:
        self.prepare()
        outcomes = []
        for path in [*self.stale_claims(), *self.ready()]:
            claimed = self.claim(path)
            if claimed is not None:
                outcomes.append(self._import(db, actor, claimed, locate))
        return outcomes

    def _import(self, db: Database, actor: Actor, claimed: Path, locate: Locate | None) -> InboxOutcome:
        name = original_name(claimed)
        try:
            result: TransferResult = import_eido_bytes(db, actor, _read_regular(claimed, name), locate=locate)
        except ValidationError as exc:
            return self._file(claimed, name, REFUSED, InboxOutcome(name, "refused", f"{name} refused: {exc}"))
        except OSError as exc:
            return self._file(
                claimed, name, REFUSED, InboxOutcome(name, "refused", f"{name} refused: {exc.strerror or exc}")
            )
        except DispatchError as exc:
            # The database, not the document: put it back and try again on the next look.
            self._put_back(claimed, name)
            return InboxOutcome(name, "retry", f"{name} not imported yet: {exc}")
        except Exception as exc:  # a bug must not bring the same file back forever
            log.exception("importing %s failed", name)
            return self._file(
                claimed, name, REFUSED, InboxOutcome(name, "refused", f"{name} refused: {type(exc).__name__}: {exc}")
            )
        return self._file(claimed, name, DONE, InboxOutcome(name, result.outcome, result.message, result.incident))

    def _put_back(self, claimed: Path, name: str) -> None:
        try:
            os.rename(claimed, self.folder / name)
        except OSError:
            log.exception("could not return %s to the inbox", name)

    def _file(self, claimed: Path, name: str, where: str, outcome: InboxOutcome) -> InboxOutcome:
        """Move the claimed document into done/ or refused/ beside a .txt saying what happened."""
        folder = self.folder / where
        stem, suffix = os.path.splitext(name)
        for n in range(1, 10_000):
            target = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
            try:
                # The note's exclusive creation reserves the name against another console filing the same name.
                with open(f"{target}.txt", "x", encoding="utf-8") as note:
                    note.write(outcome.text + "\n")
                break
            except FileExistsError:
                continue
        else:
            raise OSError(f"no free name for {name} in {folder}")
        try:
            os.replace(claimed, target)
        except FileNotFoundError:
            # Another console took this claim over as stale meanwhile; it files the document.
            Path(f"{target}.txt").unlink(missing_ok=True)
            return outcome
        return InboxOutcome(outcome.name, outcome.kind, outcome.text, outcome.incident, target)

"""Reading a document another agency sent: bounded in size, strict UTF-8 JSON, hostile input refused whole.

Everything here runs before any database work, so a refusal has written nothing. The limits are
documented in the README ("Transfers from other agencies").
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from data.errors import ValidationError

# NENA's call-transfer sample is 9 KB; a busy incident with a hundred notes and its PIDF-LO is well under
# 200 KB. Anything above 2 MiB is refused unread rather than parsed (a 68 MB document once ran for minutes).
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
# EIDO nests about six levels deep; a document nested deeper than this is not an EIDO.
MAX_NESTING = 32
# Every string, object key and array element counted together.
MAX_VALUES = 50_000
# Times outside these bounds are errors or attacks, never a call (year 9999 overflows time zone arithmetic).
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(days=1)

_CHUNK = 64 * 1024
# Bidirectional embeddings, overrides and isolates: they make text read differently from what it is.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def refuse(message: str) -> ValidationError:
    return ValidationError("eido", message)


# --- text rules ------------------------------------------------------------------------------------


def check_text(value: str, where: str) -> None:
    """Refuse text a dispatcher must never be shown: NUL and other control characters, lone surrogates, bidi overrides.

    Tab, newline and carriage return are allowed (notes and the XML inside a document have lines).
    Kept as one small function so the shared text rules in data/ can replace it in one place.
    """
    for offset, char in enumerate(value):
        code = ord(char)
        if char in "\t\n\r":
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F:
            name = "a NUL character" if code == 0 else f"the control character U+{code:04X}"
            raise refuse(f"The document has {name} in {where} (at character {offset + 1}).")
        if 0xD800 <= code <= 0xDFFF:
            raise refuse(f"The document has a lone UTF-16 surrogate (U+{code:04X}) in {where}: not valid text.")
        if char in _BIDI:
            raise refuse(f"The document has a bidirectional override (U+{code:04X}) in {where}.")


# --- bytes -----------------------------------------------------------------------------------------


def too_large(size: int | None = None) -> ValidationError:
    got = f" ({size:,} bytes)" if size is not None else ""
    return refuse(
        f"The document is larger than the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB limit{got}; refused unread."
    )


def read_bounded(stream: BinaryIO) -> bytes:
    """At most MAX_DOCUMENT_BYTES from a stream; one byte more is a refusal (/dev/zero ends here, not in memory)."""
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, MAX_DOCUMENT_BYTES + 1 - total))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        total += len(chunk)
        if total > MAX_DOCUMENT_BYTES:
            raise too_large()


def read_file(path: Path) -> bytes:
    """A document file's bytes; a regular file over the limit is refused from its size, before reading."""
    with path.open("rb") as stream:
        info = os.fstat(stream.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise refuse(f"{path} is a folder, not a document.")
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_DOCUMENT_BYTES:
            raise too_large(info.st_size)
        return read_bounded(stream)


# --- JSON ------------------------------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise refuse(f"The document names {key[:60]!r} twice in one object; which one is meant is unclear.")
        out[key] = value
    return out


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise refuse(f"The document has a number too large to be one ({text[:30]}).")
    return value


def _no_constants(name: str) -> Any:
    raise refuse(f"The document has {name}, which JSON does not allow.")


def _walk(document: Any) -> Iterator[tuple[str, Any, int]]:
    """Every value with its path and depth, without recursion (a deep document must not exhaust the stack)."""
    stack: list[tuple[str, Any, int]] = [("(document)", document, 1)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, dict):
            for key, item in value.items():
                yield f"{path}/{key}", key, depth + 1
                stack.append((f"{path}/{key}", item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}/{index}", item, depth + 1) for index, item in enumerate(value))


def parse_document(raw: bytes) -> dict[str, Any]:
    """The JSON object in `raw`, refused whole when anything in it is not sound text or sound JSON."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise too_large(len(raw))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = raw[exc.start]
        hint = " (it looks like Latin-1 or Windows-1252; the sender must use UTF-8)" if byte >= 0x80 else ""
        raise refuse(f"The document is not UTF-8 text: byte 0x{byte:02X} at offset {exc.start}{hint}.") from None
    if not text.strip():
        raise refuse("The document is empty.")
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_float=_finite, parse_constant=_no_constants
        )
    except RecursionError:
        raise refuse(f"The document is nested more than {MAX_NESTING} levels deep; not an EIDO.") from None
    except json.JSONDecodeError as exc:
        raise refuse(f"The document is not JSON ({exc.msg}, line {exc.lineno} column {exc.colno}).") from None
    except ValueError as exc:  # an integer with thousands of digits
        raise refuse(f"The document is not usable JSON ({str(exc)[:120]}).") from None
    if not isinstance(document, dict):
        raise refuse("An EIDO document is a JSON object; this is not one.")
    for count, (path, value, depth) in enumerate(_walk(document), start=1):
        if depth > MAX_NESTING:
            raise refuse(f"The document is nested more than {MAX_NESTING} levels deep; not an EIDO.")
        if count > MAX_VALUES:
            raise refuse(f"The document has more than {MAX_VALUES:,} values; refused as too large to be one call.")
        if isinstance(value, str):
            check_text(value, path[:120])
    return document


# --- times -----------------------------------------------------------------------------------------


def parse_time(value: Any, where: str, *, now: dt.datetime) -> dt.datetime | None:
    """An EIDO timestamp as aware UTC; None when absent; refused when malformed, zoneless or absurd."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise refuse(f"The time in {where} is not text.")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            raise refuse(f"The time {value[:40]!r} in {where} has no UTC offset.")
        moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise refuse(f"The time {value[:40]!r} in {where} is not a usable date and time.") from None
    if moment < EARLIEST or moment > now + FUTURE_SLACK:
        raise refuse(f"The time {value[:40]!r} in {where} is not plausible (before 1990 or in the future).")
    return moment

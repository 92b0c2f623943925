"""Paperwork files without Qt: a safe file name, where saving starts, and an atomic write."""

from __future__ import annotations

import os
import re
from pathlib import Path


def safe_file_name(text: str, suffix: str = ".pdf") -> str:
    """A file name made of the text's letters, digits, dots, dashes and underscores, with the suffix."""
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "paperwork") + suffix


def save_folder() -> Path:
    """Where save dialogs start: $CSO_PAPERWORK_DIR, else Documents, else home."""
    chosen = os.environ.get("CSO_PAPERWORK_DIR", "").strip()
    if chosen:
        return Path(chosen).expanduser()
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def write_pdf_file(path: Path, data: bytes) -> Path:
    """Write a file atomically (a half-written file never replaces a good one)."""
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return path


__all__ = ["safe_file_name", "save_folder", "write_pdf_file"]

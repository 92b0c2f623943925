"""Typed conversions between Qt's date values and Python's (PySide's toPython() is typed as object)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QTime


def to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def to_qdatetime(value: dt.datetime) -> QDateTime:
    """A naive local date and time as a QDateTime (seconds; a date edit shows no finer)."""
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute, value.second))

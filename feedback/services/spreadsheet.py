"""Cells that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """Text starting with =, +, - or @ is a formula to Excel and LibreOffice; a leading apostrophe makes it
    text again. Anything that is not text is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """Rows as a CSV file to open in a spreadsheet: ``columns`` in their order, every cell inert, in UTF-8
    with the byte order mark by which Excel knows that it is UTF-8."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({key: inert(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_written(value):
    """What ``inert`` was given: the apostrophe it put before a formula's first character taken off, so
    that a file made here and imported again says what it said. Anything else is returned as it is."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value

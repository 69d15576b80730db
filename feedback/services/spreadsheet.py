"""Cells that are safe to open in a spreadsheet."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """Text starting with =, +, - or @ is a formula to Excel and LibreOffice; a leading apostrophe makes it
    text again. Anything that is not text is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_written(value):
    """What ``inert`` was given: the apostrophe it put before a formula's first character taken off, so
    that a file made here and imported again says what it said. Anything else is returned as it is."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value

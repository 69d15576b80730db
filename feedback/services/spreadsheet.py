"""Cells that are safe to open in a spreadsheet."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """Text starting with =, +, - or @ is a formula to Excel and LibreOffice; a leading apostrophe makes it
    text again. Anything that is not text is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

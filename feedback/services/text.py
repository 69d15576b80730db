"""Text as it may be stored: no control characters but tab and line breaks. And words as they are
compared: folded, as people type the same words differently. And counts as a sentence says them.

PostgreSQL refuses NUL in text and no person types a control character, so forms, imports and
addresses all pass through here and both databases store the same thing.
"""

from __future__ import annotations

import re

_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # ASCII's control characters but tab and line breaks
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
# Those; half of a character written in two UTF-16 code units (most emoji) without its other half, which
# JSON's \u escapes can carry, from a client that cut a text at a length counted in UTF-16, but UTF-8 cannot
# encode, so neither database can store; and U+FFFE and U+FFFF, which are no character at all and which XML
# cannot carry: one in an entry's text or a quote would take down the Atom feed of "You said, we did".
_NOT_STORABLE = re.compile(rf"[{_CONTROL}\ud800-\udfff\ufffe\uffff]")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` of ``noun`` as a sentence says it: "1 response", "2,048 responses", "3 cases"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def were(n: int) -> str:
    """The verb after a count of ``n``: "1 was", "2 were"."""
    return "was" if n == 1 else "were"


def folded(text: str) -> str:
    """``text`` with what two people typing the same words may do differently set aside (case, runs of
    spaces, a curly apostrophe for a straight one): for comparing words, never for storing them."""
    return " ".join(text.replace("’", "'").split()).casefold()


def strip_control_characters(value):
    """``value`` (text, or a list of texts) without control characters or anything else no person types
    that a database or the Atom feed cannot hold (_NOT_STORABLE)."""
    if isinstance(value, str):
        return _NOT_STORABLE.sub("", value)
    if isinstance(value, list):
        return [strip_control_characters(item) for item in value]
    return value

"""Which page of a long list the address asks for."""

from __future__ import annotations

from flask import request

MOST_PAGES = 100_000


def asked_page() -> int:
    """The ``?page=`` of the address: a whole number from 1, or 1 for anything else (a typed-in address,
    a page number cut short). A page past the last is the list's business: it shows its last."""
    asked = request.args.get("page", "1")
    return int(asked) if asked.isdigit() and 0 < int(asked) < MOST_PAGES else 1

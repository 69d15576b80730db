"""What the tests that send bad input to every address share: the addresses, with the demo's records in
them, and the row counts that show a refused request changed nothing."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter

from feedback.extensions import db
from feedback.models import (
    Answer,
    AuditEvent,
    Case,
    CaseContact,
    Measure,
    Reading,
    Response,
    Survey,
    Theme,
    YouSaidWeDid,
)

COUNTED = (Answer, AuditEvent, Case, CaseContact, Reading, Response, Survey, Theme, YouSaidWeDid, Measure)


def addresses(app: Flask, user_id: int = 1) -> Iterator[tuple[str, set[str]]]:
    """Every route's address and its methods, but signing out (it would end the caller's session early)
    and static files. A number in the address is the first record (``user_id`` for a user: the second
    user is not the admin who runs the test); a word is the demo's survey or the first choice."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        values: dict[str, object] = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                values[name] = user_id if rule.endpoint.startswith("users.") else 1
            elif isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            else:
                values[name] = "live-feedback" if name == "slug" else "x"
        methods = set(rule.methods or ())
        yield adapter.build(rule.endpoint, values, method="POST" if "POST" in methods else "GET"), methods


def counts() -> tuple[int, ...]:
    """The rows of each counted table, in one statement: the tests that use it count before and after
    thousands of requests."""
    return tuple(
        db.session.execute(
            sa.select(*(sa.select(sa.func.count()).select_from(model).scalar_subquery() for model in COUNTED))
        ).one()
    )

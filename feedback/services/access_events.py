"""Each time someone on the staff is shown a family's contact details, a row says who, when, on which page
and whose (OWASP ASVS 8.3.5), so that the data protection officer can answer "who has seen my details?"
from the subject access export. Whose is said by the case or survey response the details belong to.

The rows hold no contact details themselves. Pages record before they show (views/access.py): a page that
cannot record says the service is busy instead of showing the details unrecorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..database import DbSession
from ..models import AccessEvent, User
from ..models.types import utcnow

CASE, RESPONSE = "case", "response"
COMMAND_LINE = "the command line"  # who, for a command run on the server: it has no staff account

# What each page that shows contact details is called in the subject access export.
PAGES = {
    "cases.show": "the case's page",
    "cases.edit": "the form to change the case",
    "cases.export": "a spreadsheet of cases with the families' details",
    "replies.index": "the list of replies families asked for",
    "data_protection.find": "a data protection search",
    "data_protection.erase": "a data protection search",
    "data_protection.export": "a subject access export",
    "subject-access": "a subject access export from the command line",
}


def rows(
    actor: User | None, page: str, cases: Iterable[int] = (), responses: Iterable[int] = ()
) -> list[dict]:
    """The rows that record ``actor`` being shown the details of these cases and responses on ``page``
    (a command's name, with no actor)."""
    who = {"actor_id": actor.id, "actor": actor.email} if actor else {"actor_id": None, "actor": COMMAND_LINE}
    base = {"at": utcnow(), **who, "page": page}
    return [
        {**base, "subject_type": kind, "subject_id": subject_id}
        for kind, ids in ((CASE, cases), (RESPONSE, responses))
        for subject_id in sorted(set(ids))
    ]


def insert(connection: Connection | DbSession, events: list[dict]) -> None:
    if events:
        connection.execute(sa.insert(AccessEvent), events)


def seen(
    session: DbSession, kind: str, subject_id: int, since: datetime | None = None
) -> list[dict[str, str]]:
    """Who was shown the details of this case or response, and where, oldest first, as the subject access
    export gives it; ``since`` leaves out what was shown before these details were given."""
    query = sa.select(AccessEvent).where(
        AccessEvent.subject_type == kind, AccessEvent.subject_id == subject_id
    )
    if since is not None:
        query = query.where(AccessEvent.at >= since)
    return [
        {"at": event.at.isoformat(), "who": event.actor, "where": PAGES.get(event.page, event.page)}
        for event in session.scalars(query.order_by(AccessEvent.at, AccessEvent.id))
    ]

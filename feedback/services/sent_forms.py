"""Keys of forms that make something new, so that a form sent twice makes one thing (views/once.py)."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa

from ..database import DbSession, insert_on_conflict
from ..models import SentForm
from ..models.types import utcnow

# How long after the first post a second post of the same page is still caught (a page sent again days
# later from a tab left open); after that, it would make its thing again.
KEEP_FOR = timedelta(days=30)
KEY = re.compile(r"[A-Za-z0-9_-]{24}")  # as new_key writes them: 18 random bytes in URL-safe base64
_table = SentForm.__table__


def new_key() -> str:
    return secrets.token_urlsafe(18)


def claim(session: DbSession, user_id: int, key: str) -> str | None:
    """Claim ``key`` for the post being answered, in its transaction: None if no earlier post of this
    person's made something with it (make the thing, then say where it is with ``made``); otherwise the
    address of what the earlier one made. A post refused for bad input gives the key back with its
    rollback, and one that committed without making anything (a draft refused with a message) leaves it
    unused. Two posts at once take turns: on PostgreSQL the second waits for the first's row to commit,
    and SQLite has one writer at a time."""
    now = utcnow()
    session.execute(sa.delete(SentForm).where(SentForm.sent_at < now - KEEP_FOR))
    claimed = session.execute(
        insert_on_conflict(session.get_bind().dialect.name)(_table)
        .values(user_id=user_id, key=key, made="", sent_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(_table.c.key)  # a row if this post wrote it; a driver may not count inserted rows
    ).first()
    if claimed is not None:
        return None
    earlier = session.scalar(
        sa.select(SentForm.made).where(SentForm.user_id == user_id, SentForm.key == key).with_for_update()
    )
    return earlier or None


def made(session: DbSession, user_id: int, key: str, address: str) -> None:
    """Where the thing the post that claimed ``key`` made can be seen."""
    session.execute(
        sa.update(SentForm).where(SentForm.user_id == user_id, SentForm.key == key).values(made=address)
    )

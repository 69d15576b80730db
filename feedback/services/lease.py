"""A lease in the database: one holder at a time for a named job, across processes and machines."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..database import insert_on_conflict
from ..models import JobLease
from ..models.types import utcnow


def acquire(engine: Engine, name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take the lease if it is free or expired (or already ours); True if we hold it now. One conditional
    UPDATE decides, so of several callers at once exactly one wins."""
    now = now or utcnow()
    table = JobLease.__table__
    insert = insert_on_conflict(engine.dialect.name)
    with engine.begin() as connection:
        connection.execute(
            insert(table)
            .values(name=name, holder="", expires_at=now - timedelta(seconds=1))
            .on_conflict_do_nothing()
        )
        taken = connection.execute(
            sa.update(table)
            .where(table.c.name == name, sa.or_(table.c.expires_at <= now, table.c.holder == holder))
            .values(holder=holder, expires_at=now + ttl)
        )
        return taken.rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    table = JobLease.__table__
    with engine.begin() as connection:
        connection.execute(
            sa.update(table)
            .where(table.c.name == name, table.c.holder == holder)
            .values(holder="", expires_at=utcnow() - timedelta(seconds=1))
        )

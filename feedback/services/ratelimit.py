"""A fixed-window rate limit whose counters live in the database, shared by every worker and machine.

Flask-Limiter's shared stores are Redis, Memcached and MongoDB; a council running this on one PostgreSQL
should not need another server for it, so the counter is a row, bumped with an upsert in its own short
transaction (a request that fails afterwards still counts).
"""

from __future__ import annotations

import hashlib
import hmac
import time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from ..models import RateLimitHit


def bucket(secret: str, client: str, action: str) -> str:
    """A keyed hash, so that no client address is stored."""
    return hmac.new(secret.encode(), f"{action}|{client}".encode(), hashlib.sha256).hexdigest()


def hit(engine: Engine, bucket_id: str, limit: int, window_seconds: int, now: float | None = None) -> bool:
    """Count one hit; True while the bucket is within its limit for the current window."""
    window = int((now if now is not None else time.time()) // window_seconds) * window_seconds
    table = RateLimitHit.__table__
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(bucket=bucket_id, window_start=window, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.bucket, table.c.window_start], set_={"count": table.c.count + 1}
    ).returning(table.c.count)
    with engine.begin() as connection:
        count = connection.execute(statement).scalar_one()
        if count == 1:  # a new window for this client: forget windows older than a day
            connection.execute(sa.delete(table).where(table.c.window_start < window - 86_400))
    return count <= limit


def count(engine: Engine, bucket_id: str, window_seconds: int, now: float | None = None) -> int:
    """Hits in the bucket's current window, without adding one."""
    window = int((now if now is not None else time.time()) // window_seconds) * window_seconds
    table = RateLimitHit.__table__
    with engine.connect() as connection:
        found = connection.execute(
            sa.select(table.c.count).where(table.c.bucket == bucket_id, table.c.window_start == window)
        ).scalar()
    return found or 0

"""A fixed-window rate limit whose counters live in the database, shared by every worker and machine.

Flask-Limiter's shared stores are Redis, Memcached and MongoDB; a council running this on one PostgreSQL
should not need another server for it, so the counter is a row, bumped with an upsert in a short
transaction of its own (a request that fails afterwards still counts) or in the one that stores the
submission it counts.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..database import READS_ONLY, insert_on_conflict
from ..models import RateLimitHit
from ..prepared import Prepared


def bucket(secret: str, client: str, action: str) -> str:
    """A keyed hash, so that no client address is stored."""
    return hmac.new(secret.encode(), f"{action}|{client}".encode(), hashlib.sha256).hexdigest()


def hit(engine: Engine, bucket_id: str, limit: int, window_seconds: int, now: float | None = None) -> bool:
    """Count one hit in a short transaction of its own; True while the bucket is within its limit."""
    with engine.begin() as connection:
        return hit_on(connection, bucket_id, limit, window_seconds, now)


def hit_on(
    connection: Connection, bucket_id: str, limit: int, window_seconds: int, now: float | None = None
) -> bool:
    """Count one hit in the caller's transaction, which commits it whatever else it does: a submission
    counts itself in the transaction that stores it, and pays for one commit instead of two."""
    window = int((now if now is not None else time.time()) // window_seconds) * window_seconds
    params = {"bucket": bucket_id, "window_start": window}
    ((count,),) = _upsert(connection.dialect.name).run(connection, params)
    if count == 1:  # a new window for this client: forget windows older than a day
        connection.execute(sa.delete(_table).where(_table.c.window_start < window - 86_400))
    return count <= limit


def count(engine: Engine, bucket_id: str, window_seconds: int, now: float | None = None) -> int:
    """Hits in the bucket's current window, without adding one."""
    window = int((now if now is not None else time.time()) // window_seconds) * window_seconds
    with engine.connect() as connection:
        found = (
            connection.execution_options(**READS_ONLY)
            .execute(
                sa.select(_table.c.count).where(_table.c.bucket == bucket_id, _table.c.window_start == window)
            )
            .scalar()
        )
    return found or 0


_table = RateLimitHit.__table__


@cache
def _upsert(dialect: str) -> Prepared:
    insert = insert_on_conflict(dialect)
    statement = insert(_table).values(
        bucket=sa.bindparam("bucket"), window_start=sa.bindparam("window_start"), count=1
    )
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=[_table.c.bucket, _table.c.window_start], set_={"count": _table.c.count + 1}
        ).returning(_table.c.count)
    )

"""The browsers signed in to each staff account (models.SignIn): begun at sign-in, found again from the
session cookie's token at every request, listed for their owner, and ended one by one or all at once.

A session cookie is signed but kept by the browser: without a row to end, a copy of it taken before the
person signed out would carry on working until it expired (OWASP ASVS 3.3.1). The row is what makes
signing out final, and what lets a person see where else they are signed in and end it (ASVS 3.3.4).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..database import DbSession, rows_changed
from ..models import SignIn, User
from ..models.types import utcnow

if TYPE_CHECKING:
    from flask import Flask

# How often a session's "last active" time is written: at most once a minute, not at every request.
SEEN_EVERY_SECONDS = 60


def _hash(token: object) -> str | None:
    """What a sign-in's row keeps of its session's token; None for anything no session was given."""
    return hashlib.sha256(token.encode()).hexdigest() if isinstance(token, str) and token else None


def limits(app: Flask) -> tuple[timedelta, timedelta]:
    """The lifetime and the idle limit this deployment gives a session (PERMANENT_SESSION_LIFETIME, as
    Flask reads it, and SESSION_IDLE_SECONDS)."""
    return app.permanent_session_lifetime, timedelta(seconds=app.config["SESSION_IDLE_SECONDS"])


def start(session: DbSession, user: User, user_agent: str) -> str:
    """A new sign-in for ``user`` from this browser; returns the token its session cookie keeps."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        SignIn(
            user_id=user.id,
            token_hash=_hash(token),
            started_at=now,
            last_seen_at=now,
            browser=describe_browser(user_agent),
        )
    )
    session.flush()
    return token


def find(session: DbSession, user_id: int, token: object) -> SignIn | None:
    """The sign-in this session's token belongs to, if it is ``user_id``'s and has not been ended."""
    hashed = _hash(token)
    if hashed is None:
        return None
    return session.scalar(sa.select(SignIn).where(SignIn.token_hash == hashed, SignIn.user_id == user_id))


def seen(connection: Connection, token: object, at: datetime) -> None:
    """The session was used at ``at``: its "last active" time moves on."""
    hashed = _hash(token)
    if hashed is not None:
        connection.execute(sa.update(SignIn).where(SignIn.token_hash == hashed).values(last_seen_at=at))


def live(session: DbSession, user: User, lifetime: timedelta, idle: timedelta) -> list[SignIn]:
    """``user``'s sessions that have not ended, most recently used first; a row past either limit is a
    session that will be refused at its next request, and is left out."""
    query = (
        sa.select(SignIn)
        .where(SignIn.user_id == user.id, _still_live(lifetime, idle))
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
    )
    return list(session.scalars(query))


def _still_live(lifetime: timedelta, idle: timedelta) -> sa.ColumnElement[bool]:
    """Within the lifetime since it began, and used within the idle limit (with a minute's slack, as "last
    active" moves once a minute)."""
    now = utcnow()
    return sa.and_(
        SignIn.started_at > now - lifetime,
        SignIn.last_seen_at > now - idle - timedelta(seconds=SEEN_EVERY_SECONDS),
    )


def end(session: DbSession, user: User, sign_in_id: int) -> bool:
    """End one of ``user``'s sessions; False if there is no such session of theirs."""
    ended = session.execute(sa.delete(SignIn).where(SignIn.id == sign_in_id, SignIn.user_id == user.id))
    return rows_changed(ended) > 0


def end_this(session: DbSession, token: object) -> None:
    """End the session whose cookie holds ``token`` (signing out)."""
    hashed = _hash(token)
    if hashed is not None:
        session.execute(sa.delete(SignIn).where(SignIn.token_hash == hashed))


def end_all(session: DbSession, user: User) -> int:
    """End every session of ``user``; how many there were."""
    return rows_changed(session.execute(sa.delete(SignIn).where(SignIn.user_id == user.id)))


def purge_stale(session: DbSession, lifetime: timedelta, idle: timedelta) -> int:
    """Delete the rows of sessions past their lifetime or idle limit (daily housekeeping): each would be
    refused at its next request anyway, and a browser closed without signing out leaves one behind."""
    return rows_changed(session.execute(sa.delete(SignIn).where(sa.not_(_still_live(lifetime, idle)))))


@lru_cache(maxsize=256)
def describe_browser(user_agent: str) -> str:
    """What ua-parser makes of the User-Agent header ("Firefox on Windows", "Mobile Safari on iOS"), enough
    for a person to tell their work laptop from their phone. Only this is kept, not the header."""
    from ua_parser import parse  # its rules load on first use: at the first sign-in, not at start-up

    parsed = parse(user_agent[:1000])
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else ""
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else ""
    if browser and system:
        return f"{browser} on {system}"[:100]
    return (browser or (f"A browser on {system}" if system else "An unknown browser"))[:100]

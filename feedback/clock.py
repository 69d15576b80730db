"""Dates and times as the people of an English local area read them: in UK time, GMT or BST.

Timestamps are stored in UTC (models/types.py) and say so in exports and the API. Everything a person
reads or types is UK time: "today" for a due date or an overdue flag, a time on a page, the end of the
day a progress report stands at, a time in a spreadsheet exported from Microsoft Forms. A server's own
clock is often set to UTC, where from midnight to 1am in summer ``date.today()`` is still yesterday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The tz database comes from the tzdata package where the system has none (pyproject.toml).
UK = ZoneInfo("Europe/London")


def today() -> date:
    """The date in the UK now."""
    return datetime.now(UK).date()


def in_uk(moment: datetime) -> datetime:
    """A stored (timezone-aware) timestamp as a UK clock showed it."""
    return moment.astimezone(UK)


def day_starts(day: date) -> datetime:
    """The moment ``day`` began in the UK, in UTC, to compare with stored timestamps."""
    return datetime.combine(day, time(), tzinfo=UK).astimezone(UTC)


def day_ends(day: date) -> datetime:
    """The last moment of ``day`` in the UK, in UTC: a timestamp on that day is at or before it."""
    return day_starts(day + timedelta(days=1)) - timedelta(microseconds=1)


def uk_time(moment: datetime | None, pattern: str) -> str:
    """A template filter: ``{{ run.started_at|uk_time('%-d %b %Y %H:%M') }}``; empty for no timestamp."""
    return in_uk(moment).strftime(pattern) if moment is not None else ""

"""Dates and times as the people of an English local area read them: in UK time, GMT or BST.

Timestamps are stored in UTC (models/types.py) and say so in exports and the API. Everything a person
reads or types is UK time: "today" for a due date or an overdue flag, a time on a page, the end of the
day a progress report stands at, the month a response counts in, a time in a spreadsheet exported from
Microsoft Forms. A server's own clock is often set to UTC, where from midnight to 1am in summer
``date.today()`` is still yesterday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import QueryableAttribute

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


def period_name(period: pd.Period, short: bool = False) -> str:
    """A month, quarter or year as a sentence names it: "March 2023", "January to March 2023" (as the ONS
    writes a quarter) or "2023"; ``short`` for a table's row: "Mar 2023", "Jan to Mar 2023". Never pandas's
    "2023Q1", which a reader whose quarters follow the financial year takes for April to June."""
    month, to = ("%b", "\u00a0to\u00a0") if short else ("%B", " to ")  # a narrow row breaks before the year
    if period.freqstr.startswith("Q"):
        return f"{period.start_time:{month}}{to}{period.end_time:{month} %Y}"
    if period.freqstr.startswith("M"):
        return f"{period.start_time:{month} %Y}"
    return str(period)


def period_label(period: pd.Period) -> str:
    """A template filter: ``{{ row.period|period_label }}`` names a table's month or quarter shortly."""
    return period_name(period, short=True)


def within_month(column: sa.ColumnElement | QueryableAttribute, month: str) -> sa.ColumnElement[bool]:
    """SQL: a stored timestamp falls in a UK month ('2026-07'), as a range the column's index can read."""
    first = date.fromisoformat(f"{month}-01")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return sa.and_(column >= day_starts(first), column < day_starts(following))


def uk_month(dialect: str, column: sa.ColumnElement | QueryableAttribute) -> sa.ColumnElement:
    """SQL for the UK month ('2026-07') of a stored timestamp, for the database to count by month.

    PostgreSQL converts with its time zone database. SQLite has none, and needs only this: a UK month
    differs from the UTC one just in the last hour of a month that ends in summer time, March to
    September (BST runs from 1am UTC on the last Sunday of March to 1am UTC on the last Sunday of
    October, by the rules in force since 1996). So only a timestamp in the 23rd hour (UTC) of a day in
    those months is moved on an hour; the rest are read as stored ('2026-07-01 13:05:00.000000', as
    SQLAlchemy writes a SQLite DATETIME), which costs no more than the UTC month did. tests/test_clock.py
    checks both databases against Python's zoneinfo over years of month ends and clock changes.
    """
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone(UK.key, sa.func.timezone("UTC", column)), "YYYY-MM")
    month, hour = (sa.func.substr(column, start, 2, type_=sa.String) for start in (6, 12))
    summer_late_hour = sa.and_(month.between("03", "09"), hour == "23")
    return sa.case(
        (summer_late_hour, sa.func.strftime("%Y-%m", column, "+1 hour")),
        else_=sa.func.substr(column, 1, 7, type_=sa.String),
    )

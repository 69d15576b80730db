"""UK time: what "today" is, and where a UK day begins and ends among timestamps stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models.types import UTCDateTime


@pytest.mark.parametrize(
    ("utc", "uk_date"),
    [
        (datetime(2026, 6, 30, 22, 59, tzinfo=UTC), date(2026, 6, 30)),
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 1)),  # half past midnight, BST
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2026, 12, 31)),  # half past eleven, GMT
    ],
)
def test_today_is_the_uk_date_whatever_the_servers_clock(monkeypatch, utc, uk_date):
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return utc.astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Frozen)
    assert clock.today() == uk_date


@pytest.mark.parametrize(
    ("day", "starts"),
    [
        (date(2026, 1, 15), datetime(2026, 1, 15, 0, 0, tzinfo=UTC)),
        (date(2026, 7, 1), datetime(2026, 6, 30, 23, 0, tzinfo=UTC)),
        (date(2026, 3, 29), datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),  # the clocks go forward at 1am
        (date(2026, 10, 25), datetime(2026, 10, 24, 23, 0, tzinfo=UTC)),  # and back at 2am
    ],
)
def test_a_uk_day_starts_at_its_midnight_and_ends_just_before_the_next(day, starts):
    assert clock.day_starts(day) == starts
    assert clock.day_ends(day - timedelta(days=1)) == starts - timedelta(microseconds=1)


def test_a_stored_timestamp_reads_as_the_uk_clock_showed_it():
    assert clock.uk_time(datetime(2026, 7, 1, 13, 5, tzinfo=UTC), "%-d %b %Y %H:%M") == "1 Jul 2026 14:05"
    assert clock.uk_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "%H:%M") == "01:30"  # GMT again
    assert clock.uk_time(None, "%H:%M") == ""


def test_the_database_counts_a_timestamp_in_the_month_a_uk_clock_showed(app):
    """Every quarter hour around each month's end and each change of the clocks, 2020 to 2030, on this
    run's database (SQLite or PostgreSQL), against Python's zoneinfo."""
    moments = []
    for year in range(2020, 2031):
        for month in range(1, 13):
            first = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            moments += [first + timedelta(minutes=15 * step) for step in range(-12, 8)]
        for changes in (datetime(year, 3, 31, tzinfo=UTC), datetime(year, 10, 31, tzinfo=UTC)):
            sunday = changes - timedelta(days=(changes.weekday() + 1) % 7)
            moments += [sunday + timedelta(minutes=15 * step) for step in range(-4, 12)]
    with app.app_context():
        dialect = db.engine.dialect.name
        stored = sa.bindparam("moment", type_=UTCDateTime())
        query = sa.select(clock.uk_month(dialect, stored))
        with db.engine.connect() as connection:
            counted = {moment: connection.scalar(query, {"moment": moment}) for moment in moments}
    assert counted == {moment: clock.in_uk(moment).strftime("%Y-%m") for moment in moments}
    assert counted[datetime(2026, 6, 30, 23, 30, tzinfo=UTC)] == "2026-07"  # half past midnight, BST
    assert counted[datetime(2026, 12, 31, 23, 30, tzinfo=UTC)] == "2026-12"  # half past eleven, GMT

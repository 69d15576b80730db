"""UK time: what "today" is, and where a UK day begins and ends among timestamps stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback import clock


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

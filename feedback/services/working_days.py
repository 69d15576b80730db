"""Working days in England: Monday to Friday except bank holidays, one-offs included (the 2022 state
funeral, the 2023 coronation). The dates come from the ``holidays`` package's own data, so nothing is
fetched at run time; a new year needs nothing but the package."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays


@functools.cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The working day ``days`` working days after ``start`` (which need not be one itself): a complaint
    received on a Friday with 20 working days to answer is due four weeks later on the Friday, later if a
    bank holiday falls between."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative if ``end`` is earlier."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))

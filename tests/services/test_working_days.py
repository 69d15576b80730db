"""Due dates in working days skip weekends and England's bank holidays, one-offs included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from feedback.services.replies import reply_by
from feedback.services.working_days import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2022, 9, 9), 10, date(2022, 9, 26)),  # over the Queen's state funeral, Monday 19 September
        (date(2023, 4, 6), 1, date(2023, 4, 11)),  # over Good Friday and Easter Monday
        (date(2023, 5, 5), 1, date(2023, 5, 9)),  # over the coronation bank holiday, 8 May 2023
        (date(2022, 12, 23), 1, date(2022, 12, 28)),  # Christmas on a Sunday: the 27th is the day off
        (date(2024, 3, 1), 20, date(2024, 4, 2)),  # a complaint's 20 working days over Easter 2024
        (date(2024, 6, 8), 0, date(2024, 6, 8)),
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(start, days, due):
    assert add_working_days(start, days) == due


def test_counting_between_agrees_with_adding():
    start = date(2022, 12, 1)
    for days in (1, 5, 17, 40):
        assert working_days_between(start, add_working_days(start, days)) == days
    assert working_days_between(date(2022, 12, 28), date(2022, 12, 23)) == -1
    assert not is_working_day(date(2022, 6, 3)) and is_working_day(date(2022, 6, 6))


def test_a_negative_number_of_days_is_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2024, 1, 1), -1)


def test_a_reply_is_due_counting_from_the_uk_date_it_was_asked_for():
    monday_evening = datetime(2026, 6, 29, 22, 30, tzinfo=UTC)  # 11:30pm on Monday in the UK
    after_midnight = datetime(2026, 6, 29, 23, 30, tzinfo=UTC)  # still Monday in UTC; Tuesday in the UK
    assert reply_by(monday_evening) == date(2026, 7, 13)
    assert reply_by(after_midnight) == date(2026, 7, 14)

"""Trajectories and suggested statuses, on Warwickshire's longest autism assessment wait (action 1.1.1):
242 weeks at the end of 2021, 177 by September 2022, 125 by June 2023, 13 by March 2024."""

from __future__ import annotations

from datetime import date

import pytest

from feedback.analysis.trajectory import Plan, expected_value, suggested_status

WAIT = Plan(
    baseline=(date(2021, 12, 31), 242),
    milestones=[(date(2022, 9, 30), 177), (date(2023, 6, 30), 125)],
    target=(date(2024, 3, 31), 13),
    increase_is_better=False,
)
HEARD = Plan(baseline=(date(2022, 4, 30), 6), target=(date(2023, 6, 30), 50))


def test_the_trajectory_is_straight_between_the_points():
    assert expected_value(WAIT, date(2021, 1, 1)) == 242
    assert expected_value(WAIT, date(2022, 9, 30)) == 177
    assert expected_value(WAIT, date(2023, 2, 14)) == pytest.approx(177 - 52 * 137 / 273)
    assert expected_value(WAIT, date(2025, 1, 1)) == 13


@pytest.mark.parametrize(
    "reading, status",
    [
        (153, "green"),  # the seed's September 2022 figure, ahead of the 177 milestone
        (177, "green"),
        (190, "amber"),  # 13 weeks behind: within 10% of the planned 229-week fall
        (220, "red"),
        (250, "red"),  # longer than at the baseline
        (12, "blue"),
    ],
)
def test_a_falling_measure(reading, status):
    assert suggested_status(WAIT, [(date(2022, 9, 30), reading)], as_of=date(2022, 10, 31)) == status


def test_a_rising_measure_uses_the_latest_reading_due():
    readings = [(date(2022, 6, 30), 10), (date(2022, 9, 30), 35), (date(2023, 1, 31), 20)]
    assert suggested_status(HEARD, readings, as_of=date(2022, 10, 1)) == "green"
    assert suggested_status(HEARD, readings, as_of=date(2023, 2, 1)) == "red"
    assert suggested_status(HEARD, readings, as_of=date(2022, 5, 1)) == "grey"
    assert suggested_status(HEARD, [], as_of=date(2024, 1, 1)) == "grey"
    assert suggested_status(HEARD, [(date(2023, 6, 30), 50)], as_of=date(2023, 7, 1)) == "blue"

"""Where a measure should be on its trajectory, and the impact status its readings suggest.

The trajectory runs in straight lines from the baseline through each interim milestone to the target.
Blue: target met. Green: at or beyond the trajectory. Amber: behind, within a tolerance. Red: further
behind, or worse than the baseline. Grey: no reading yet. Pure functions; no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# Behind the trajectory by at most this share of the whole planned change still counts as Amber.
TOLERANCE = 0.10


@dataclass(frozen=True)
class Plan:
    """A measure's planned course: where it started, where it must get to, and the points between."""

    baseline: tuple[date, float]
    target: tuple[date, float]
    milestones: Sequence[tuple[date, float]] = ()
    increase_is_better: bool = True

    @property
    def points(self) -> list[tuple[date, float]]:
        return sorted([self.baseline, *self.milestones, self.target])


def expected_value(plan: Plan, when: date) -> float:
    """The value the trajectory expects on ``when``: the baseline before it starts, the target after."""
    points = plan.points
    if when <= points[0][0]:
        return points[0][1]
    for (start, start_value), (end, end_value) in zip(points, points[1:], strict=False):
        if when <= end:
            span = (end - start).days
            if span == 0:
                return end_value
            return start_value + (end_value - start_value) * (when - start).days / span
    return points[-1][1]


def _at_least_as_good(value: float, reference: float, increase_is_better: bool) -> bool:
    return value >= reference if increase_is_better else value <= reference


def suggested_status(
    plan: Plan, readings: Sequence[tuple[date, float]], as_of: date, tolerance: float = TOLERANCE
) -> str:
    """The BRAG colour the latest reading on or before ``as_of`` suggests."""
    due = sorted(reading for reading in readings if reading[0] <= as_of)
    if not due:
        return "grey"
    when, value = due[-1]
    better = plan.increase_is_better
    if _at_least_as_good(value, plan.target[1], better):
        return "blue"
    if _at_least_as_good(value, expected_value(plan, when), better):
        return "green"
    if not _at_least_as_good(value, plan.baseline[1], better):
        return "red"  # moving the wrong way
    behind = abs(expected_value(plan, when) - value)
    allowed = tolerance * abs(plan.target[1] - plan.baseline[1])
    return "amber" if behind <= allowed else "red"

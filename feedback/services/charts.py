"""Charts drawn on the server as SVG with matplotlib: nothing runs in the browser, a cheap phone shows a
picture, and every chart has a table of the same figures beside it for anyone who cannot see it."""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

from ..analysis.agreement import wilson_interval
from ..models import Measure, Unit

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# GOV.UK colours: readings in blue, the plan's line in black, the target in green.
BLUE, BLACK, GREEN, GREY, LIGHT_BLUE = "#1d70b8", "#0b0c0c", "#00703c", "#505a5f", "#d2e2f1"


def interval(value: float, n: int | None, unit: Unit) -> tuple[float, float] | None:
    """The 95% Wilson interval of a percentage over n answers, in percent; None for other figures."""
    if unit is not Unit.PERCENT or not n:
        return None
    agree = round(value * n / 100)
    low, high = wilson_interval(min(max(agree, 0), n), n)
    return 100 * low, 100 * high


# Inches at 100 dots an inch: the page's 700 by 360, and a phone's, whose screen of about 360 pixels would
# otherwise shrink the wide chart's words to half their size.
WIDE = (7, 3.6)
NARROW = (3.6, 3.6)


def measure_chart_svg(measure: Measure, narrow: bool = False) -> str:
    """Readings with their interval band, against the baseline, the milestones, the target and the
    trajectory between them; ``narrow`` drawn for a phone's screen."""
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=NARROW if narrow else WIDE, dpi=100)
    try:
        _draw_plan(axes, measure)
        _draw_readings(axes, measure)
        _label(axes, measure, narrow)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _draw_plan(axes: Axes, measure: Measure) -> None:
    """What the plan says: the trajectory through baseline, milestones and target, and each of them."""
    plan_points: list[tuple[date, float]] = []
    if measure.baseline_date and measure.baseline_value is not None:
        plan_points.append((measure.baseline_date, measure.baseline_value))
    plan_points += [(m.due_date, m.value) for m in measure.milestones]
    if measure.target_date and measure.target_value is not None:
        plan_points.append((measure.target_date, measure.target_value))
    plan_points.sort()
    if len(plan_points) > 1:
        axes.plot(
            *zip(*plan_points, strict=True), color=BLACK, linestyle="--", linewidth=1.2, label="Trajectory"
        )
    if measure.baseline_value is not None:
        axes.axhline(measure.baseline_value, color=GREY, linewidth=0.8, linestyle=":", label="Baseline")
    if measure.milestones:
        axes.plot(
            [m.due_date for m in measure.milestones],
            [m.value for m in measure.milestones],
            "D",
            color=BLACK,
            markersize=5,
            label="Milestones",
        )
    if measure.target_date and measure.target_value is not None:
        axes.plot(
            [measure.target_date], [measure.target_value], "*", color=GREEN, markersize=12, label="Target"
        )


def _draw_readings(axes: Axes, measure: Measure) -> None:
    """What was measured, in date order, over the band of each percentage's 95% interval."""
    readings = sorted(measure.readings, key=lambda r: r.period_end)
    if not readings:
        return
    dates = [r.period_end for r in readings]
    with_band = [
        (day, band)
        for day, band in zip(dates, (interval(r.value, r.n, measure.unit) for r in readings), strict=True)
        if band
    ]
    if with_band:
        axes.fill_between(
            [day for day, _ in with_band],
            [band[0] for _, band in with_band],
            [band[1] for _, band in with_band],
            color=LIGHT_BLUE,
            label="95% interval",
        )
    axes.plot(
        dates, [r.value for r in readings], "o-", color=BLUE, markersize=4, linewidth=1.5, label="Readings"
    )


def _label(axes: Axes, measure: Measure, narrow: bool) -> None:
    """Dates along the bottom, the unit up the side (percentages from 0 to 100), and a legend below."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=6) if narrow else AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.set_ylabel(measure.unit.value.capitalize())
    if measure.unit is Unit.PERCENT:
        axes.set_ylim(0, 100)
    axes.grid(axis="y", color="#e5e6e7")
    axes.spines[["top", "right"]].set_visible(False)
    if axes.get_legend_handles_labels()[0]:
        columns = 2 if narrow else 3  # a phone's legend in two columns, each wide enough for its words
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=columns, frameon=False, fontsize=9)

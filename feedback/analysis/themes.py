"""Theme trends: how often each theme comes up, period by period, and how people feel when it does.
Pure pandas over counts the database made; no Flask, no database.
"""

from __future__ import annotations

import pandas as pd

from .agreement import two_proportion_z

PERIODS = {"month": "M", "quarter": "Q"}


def theme_trends(counts: pd.DataFrame, period: str = "quarter") -> pd.DataFrame:
    """From monthly counts (month "YYYY-MM", theme_id, comments, negative, positive, polarity_sum; theme_id
    0 for every comment) to one row a theme and period: comments, share of the period's comments (%),
    negative (%), mean polarity, the change in share since the period before (points) and whether a
    two-proportion test calls that change significant."""
    columns = [
        "period", "theme_id", "comments", "total", "share", "negative", "polarity", "change", "significant",
    ]  # fmt: skip
    if counts.empty:
        return pd.DataFrame(columns=columns)
    frame = counts.copy()
    frame["period"] = pd.PeriodIndex(frame["month"], freq="M").asfreq(PERIODS[period])
    summed = frame.groupby(["period", "theme_id"], as_index=False)[
        ["comments", "negative", "positive", "polarity_sum"]
    ].sum()
    totals = summed[summed["theme_id"] == 0].set_index("period")["comments"].rename("total")
    themed = summed[summed["theme_id"] != 0].join(totals, on="period")
    themed = themed.sort_values(["theme_id", "period"]).reset_index(drop=True)
    themed["share"] = 100 * themed["comments"] / themed["total"]
    themed["negative"] = 100 * themed["negative"] / themed["comments"]
    themed["polarity"] = themed["polarity_sum"] / themed["comments"]
    previous = themed.groupby("theme_id")[["comments", "total", "period"]].shift(1)
    themed["change"] = themed["share"] - 100 * previous["comments"] / previous["total"]
    adjacent = previous["period"].notna() & (previous["period"] + 1 == themed["period"])
    themed.loc[~adjacent, "change"] = None
    themed["significant"] = [
        bool(ok) and two_proportion_z(int(pc), int(pt), int(c), int(t))[1] < 0.05
        for ok, pc, pt, c, t in zip(
            adjacent,
            previous["comments"].fillna(0),
            previous["total"].fillna(0),
            themed["comments"],
            themed["total"],
            strict=True,
        )
    ]
    return themed[columns]


def latest_period(trends: pd.DataFrame) -> pd.DataFrame:
    """Each theme's row for the newest period that has comments, most talked-about first."""
    if trends.empty:
        return trends
    newest = trends["period"].max()
    return trends[trends["period"] == newest].sort_values("comments", ascending=False)

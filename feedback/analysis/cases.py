"""Cases counted: per month or quarter, per year against a baseline year and a reduction target, rolling
12-month counts for measures, stages answered on time, outcomes and themes. Pure pandas."""

from __future__ import annotations

from datetime import date

import pandas as pd

PERIODS = {"month": "M", "quarter": "Q", "year": "Y"}


def counts_by_period(cases: pd.DataFrame, period: str = "quarter") -> pd.DataFrame:
    """Cases received per period and kind: one row a period, one column a kind, zeros filled in between."""
    if cases.empty:
        return pd.DataFrame()
    periods = pd.PeriodIndex(pd.to_datetime(cases["received_on"]), freq=PERIODS[period])
    table = pd.crosstab(periods, cases["kind"])
    full = pd.period_range(table.index.min(), table.index.max(), freq=PERIODS[period])
    table = table.reindex(full, fill_value=0)
    table.index.name = period
    return table


def against_baseline(
    yearly: pd.Series, baseline_year: int, baseline: float | None, target: float | None
) -> pd.DataFrame:
    """Each year's count beside the baseline and the target: change from the baseline (%), and whether
    the year is at or below the target (for kinds the plan wants fewer of)."""
    rows = []
    for year, count in yearly.items():
        change = None if not baseline else 100 * (count - baseline) / baseline
        rows.append(
            {
                "year": int(year),
                "count": int(count),
                "baseline": baseline,
                "change": change,
                "target": target,
                "met": None if target is None else bool(count <= target),
                "is_baseline": int(year) == baseline_year,
            }
        )
    return pd.DataFrame(rows)


def rolling_year(received: pd.Series, as_of: date) -> pd.DataFrame:
    """Cases received in the 12 months to each month's end, from the first month with a full year of
    data to the last month ended by ``as_of`` or, if earlier, the month of the newest case (months after
    it would count cases nobody has logged yet): month_end, count. A yearly baseline can be compared
    with it in any month, which a year-to-date count cannot."""
    if received.empty:
        return pd.DataFrame(columns=["month_end", "count"])
    months = pd.PeriodIndex(pd.to_datetime(received), freq="M")
    monthly = months.value_counts().sort_index()
    last = min(pd.Period(as_of, freq="M") - 1, monthly.index.max())
    span = pd.period_range(monthly.index.min(), max(last, monthly.index.min()), freq="M")
    monthly = monthly.reindex(span, fill_value=0)
    rolled = monthly.rolling(12).sum().dropna()
    rolled = rolled[rolled.index <= last]
    return pd.DataFrame(
        {"month_end": [p.end_time.date() for p in rolled.index], "count": rolled.astype(int).to_numpy()}
    )


def on_time(stages: pd.DataFrame) -> pd.DataFrame:
    """Per kind: stages done that had a due date, how many by that date, and the percentage."""
    done = stages[stages["due_on"].notna() & stages["completed_on"].notna()]
    if done.empty:
        return pd.DataFrame(columns=["kind", "done", "on_time", "percent"])
    done = done.assign(on_time=pd.to_datetime(done["completed_on"]) <= pd.to_datetime(done["due_on"]))
    table = done.groupby("kind").agg(done=("on_time", "size"), on_time=("on_time", "sum")).reset_index()
    table["percent"] = 100 * table["on_time"] / table["done"]
    return table


def outcomes(cases: pd.DataFrame) -> pd.DataFrame:
    """Closed cases per kind and outcome."""
    closed = cases[cases["outcome"].notna()]
    return closed.groupby(["kind", "outcome"]).size().rename("count").reset_index()


def top_themes(themes: pd.DataFrame, cases: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    """The themes most cases carry, per kind: kind, theme, count, ranked within kind."""
    if themes.empty:
        return pd.DataFrame(columns=["kind", "theme", "count"])
    joined = themes.merge(cases[["id", "kind"]], left_on="case_id", right_on="id")
    counted = joined.groupby(["kind", "theme"]).size().rename("count").reset_index()
    counted = counted.sort_values(["kind", "count", "theme"], ascending=[True, False, True])
    return counted.groupby("kind").head(limit).reset_index(drop=True)

"""Agreement with a statement: % agree with n and a 95% Wilson interval, changes that the intervals
support, and small numbers kept out of public view. Pure functions over pandas; no Flask, no database.

DESIGN.md's rule: % agree = (strongly agree + agree) / every answer except "don't know".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

AGREE = frozenset({"strongly_agree", "agree"})
NOT_COUNTED = frozenset({"dont_know"})
# A yes/no question tagged to a measure counts like a statement: % yes = yes / (yes + no).
YES_NO_AS_AGREEMENT = {"yes": "agree", "no": "disagree"}
SUPPRESS_BELOW = 10  # a percentage over fewer answers is not shown outside staff pages
Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile


@dataclass(frozen=True)
class Agreement:
    agree: int
    n: int
    percent: float | None
    low: float | None
    high: float | None

    @property
    def suppressed(self) -> bool:
        return self.n < SUPPRESS_BELOW


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion, as fractions; it stays inside 0..1 and behaves at
    0% and 100%, which the normal approximation does not."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def percent_agree(answers: pd.Series) -> Agreement:
    """``answers`` holds agreement values ("agree", "dont_know", ...); missing answers are ignored."""
    counted = answers.dropna()
    counted = counted[~counted.isin(NOT_COUNTED)]
    n = int(counted.size)
    agree = int(counted.isin(AGREE).sum())
    if n == 0:
        return Agreement(agree, n, None, None, None)
    low, high = wilson_interval(agree, n)
    return Agreement(agree, n, 100 * agree / n, 100 * low, 100 * high)


def agreement_table(frame: pd.DataFrame, by: list[str], value: str = "agreement") -> pd.DataFrame:
    """% agree for each group of ``by`` columns: agree, n, percent, low, high (percentages)."""
    counted = frame[frame[value].notna() & ~frame[value].isin(NOT_COUNTED)]
    grouped = counted.assign(_agree=counted[value].isin(AGREE)).groupby(by, observed=True)["_agree"]
    table = pd.DataFrame({"agree": grouped.sum().astype(int), "n": grouped.size().astype(int)})
    intervals = [wilson_interval(a, n) for a, n in zip(table["agree"], table["n"], strict=True)]
    table["percent"] = 100 * table["agree"] / table["n"]
    table["low"] = [100 * low for low, _ in intervals]
    table["high"] = [100 * high for _, high in intervals]
    return table.reset_index()


def suppress(table: pd.DataFrame, threshold: int = SUPPRESS_BELOW) -> pd.DataFrame:
    """A copy for public pages: percentages and intervals over fewer than ``threshold`` answers removed."""
    public = table.copy()
    small = public["n"] < threshold
    public.loc[small, ["agree", "percent", "low", "high"]] = None
    public["suppressed"] = small
    return public


def two_proportion_z(agree_a: int, n_a: int, agree_b: int, n_b: int) -> tuple[float, float]:
    """The pooled two-proportion z-test: (z, two-sided p) for the difference between two percentages."""
    if n_a <= 0 or n_b <= 0:
        raise ValueError("both groups need answers")
    pooled = (agree_a + agree_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:
        return 0.0, 1.0
    z = (agree_b / n_b - agree_a / n_a) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


def significant_change(baseline: Agreement, latest: Agreement, alpha: float = 0.05) -> bool:
    """Whether the latest figure differs from the baseline by more than chance would explain."""
    if baseline.n == 0 or latest.n == 0:
        return False
    return two_proportion_z(baseline.agree, baseline.n, latest.agree, latest.n)[1] < alpha


def agreement_from_counts(counts: pd.DataFrame, by: list[str], value: str = "agreement") -> pd.DataFrame:
    """Like agreement_table, from rows already counted by the database: ``by`` columns, the agreement
    value and ``count``. The same columns come back: agree, n, percent, low, high."""
    counted = counts[counts[value].notna() & ~counts[value].isin(NOT_COUNTED)]
    agreeing = counted["count"].where(counted[value].isin(AGREE), 0)
    grouped = counted.assign(_agree=agreeing).groupby(by, observed=True)
    table = pd.DataFrame(
        {"agree": grouped["_agree"].sum().astype(int), "n": grouped["count"].sum().astype(int)}
    )
    table = table[table["n"] > 0]
    intervals = [wilson_interval(a, n) for a, n in zip(table["agree"], table["n"], strict=True)]
    table["percent"] = 100 * table["agree"] / table["n"]
    table["low"] = [100 * low for low, _ in intervals]
    table["high"] = [100 * high for _, high in intervals]
    return table.reset_index()


def change_against_first(table: pd.DataFrame, group: str, period: str, alpha: float = 0.05) -> pd.DataFrame:
    """For each ``group`` (a question), each period's change in % agree since the group's first period,
    in points, and whether a two-proportion test calls it significant. Adds columns change, significant."""
    table = table.sort_values([group, period]).copy()
    first = table.groupby(group)[["agree", "n", "percent"]].transform("first")
    table["change"] = table["percent"] - first["percent"]
    table["significant"] = [
        two_proportion_z(int(fa), int(fn), int(a), int(n))[1] < alpha
        for fa, fn, a, n in zip(first["agree"], first["n"], table["agree"], table["n"], strict=True)
    ]
    is_first = table.groupby(group).cumcount() == 0
    table.loc[is_first, ["change"]] = None
    table.loc[is_first, "significant"] = False
    return table

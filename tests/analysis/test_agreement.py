"""The agreement arithmetic, checked against statsmodels; no app, no database."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from feedback.analysis.agreement import (
    Agreement,
    agreement_table,
    percent_agree,
    significant_change,
    suppress,
    two_proportion_z,
    wilson_interval,
)


@pytest.mark.parametrize(
    "successes, n", [(0, 1), (1, 1), (0, 10), (3, 10), (30, 86), (86, 86), (5, 1000), (517, 1024)]
)
def test_wilson_interval_matches_statsmodels(successes, n):
    low, high = wilson_interval(successes, n)
    expected = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(expected[0], abs=1e-12) and high == pytest.approx(expected[1], abs=1e-12)


@pytest.mark.parametrize(
    "a, na, b, nb", [(5, 86, 30, 86), (10, 50, 12, 50), (0, 20, 5, 20), (40, 100, 40, 100)]
)
def test_two_proportion_test_matches_statsmodels(a, na, b, nb):
    z, p = two_proportion_z(a, na, b, nb)
    expected_z, expected_p = proportions_ztest([b, a], [nb, na])
    assert z == pytest.approx(expected_z, abs=1e-9) and p == pytest.approx(expected_p, abs=1e-9)


def test_percent_agree_leaves_out_dont_know_and_missing_answers():
    answers = pd.Series(
        ["strongly_agree", "agree", "neither", "disagree", "dont_know", None, "strongly_disagree"]
    )
    result = percent_agree(answers)
    assert (result.agree, result.n) == (2, 5)
    assert result.percent == pytest.approx(40.0)
    assert result.low < 40 < result.high
    assert result.suppressed  # 5 answers is fewer than 10
    assert percent_agree(pd.Series(["dont_know"])) == Agreement(0, 0, None, None, None)


def test_the_seeds_rise_from_6_to_35_percent_over_86_responses_is_significant():
    baseline, latest = Agreement(5, 86, None, None, None), Agreement(30, 86, None, None, None)
    assert significant_change(baseline, latest)
    assert not significant_change(Agreement(5, 86, None, None, None), Agreement(7, 86, None, None, None))


def test_agreement_table_groups_and_suppression_hides_small_groups():
    frame = pd.DataFrame(
        {
            "question": ["heard"] * 12 + ["valued"] * 4,
            "agreement": ["agree"] * 6 + ["disagree"] * 5 + ["dont_know"] + ["agree"] * 4,
        }
    )
    table = agreement_table(frame, ["question"]).set_index("question")
    assert table.loc["heard", "n"] == 11 and table.loc["heard", "agree"] == 6
    assert table.loc["heard", "percent"] == pytest.approx(600 / 11)
    public = suppress(table.reset_index()).set_index("question")
    assert not public.loc["heard", "suppressed"] and public.loc["valued", "suppressed"]
    assert math.isnan(public.loc["valued", "percent"]) and public.loc["valued", "n"] == 4


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        wilson_interval(3, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_counts_from_the_database_give_the_same_table_as_rows():
    from feedback.analysis.agreement import agreement_from_counts

    rows = pd.DataFrame(
        {
            "month": ["2022-04"] * 7 + ["2022-05"] * 3,
            "agreement": [
                "agree",
                "agree",
                "strongly_agree",
                "disagree",
                "dont_know",
                "neither",
                "agree",
                "disagree",
                "dont_know",
                "strongly_agree",
            ],
        }
    )
    counts = rows.groupby(["month", "agreement"]).size().rename("count").reset_index()
    assert agreement_from_counts(counts, ["month"]).equals(agreement_table(rows, ["month"]))

"""The plan's quantitative summary, theme trends and agreement changes: pure pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from feedback.analysis.agreement import agreement_from_counts, change_against_first
from feedback.analysis.summary import OVERALL, quantitative_summary
from feedback.analysis.themes import latest_period, theme_trends
from feedback.clock import period_name


def test_summary_counts_and_percentages_per_area_and_overall():
    items = pd.DataFrame(
        [
            ("Area 1", "action", "green"),
            ("Area 1", "action", "pink"),
            ("Area 1", "action", "red"),
            ("Area 1", "measure", None),
            ("Area 2", "action", "green"),
            ("Area 2", "measure", "blue"),
        ],
        columns=["area", "kind", "status"],
    )
    table = quantitative_summary(items).set_index(["area", "kind"])
    area1 = table.loc[("Area 1", "action")]
    assert (area1["total"], area1["green"], area1["grey"], area1["red"]) == (3, 1, 1, 1)
    assert area1["green_pct"] == 33
    overall = table.loc[(OVERALL, "action")]
    assert (overall["total"], overall["green"], overall["green_pct"]) == (4, 2, 50)
    assert table.loc[("Area 1", "measure")]["unrated"] == 1
    assert list(dict.fromkeys(a for a, _ in table.index)) == ["Area 1", "Area 2", OVERALL]


def _counts(rows):
    return pd.DataFrame(
        rows, columns=["month", "theme_id", "comments", "negative", "positive", "polarity_sum"]
    )


def test_theme_trends_share_negative_and_a_significant_rise():
    counts = _counts(
        [
            ("2022-04", 0, 200, 50, 50, 0.0),
            ("2022-04", 7, 20, 10, 2, -2.0),
            ("2022-07", 0, 200, 50, 50, 0.0),
            ("2022-07", 7, 60, 45, 5, -12.0),
        ]
    )
    trends = theme_trends(counts, "quarter")
    first, second = trends.to_dict("records")
    assert first["share"] == pytest.approx(10) and first["negative"] == pytest.approx(50)
    assert pd.isna(first["change"]) and not first["significant"]
    assert second["share"] == pytest.approx(30) and second["change"] == pytest.approx(20)
    assert second["polarity"] == pytest.approx(-0.2) and second["significant"]
    assert latest_period(trends)["theme_id"].tolist() == [7]


def test_months_add_up_to_quarters_and_gaps_give_no_change():
    counts = _counts(
        [
            ("2022-04", 0, 10, 0, 0, 0.0),
            ("2022-05", 0, 10, 0, 0, 0.0),
            ("2022-04", 3, 2, 0, 0, 0.0),
            ("2022-05", 3, 3, 0, 0, 0.0),
            ("2022-10", 0, 10, 0, 0, 0.0),
            ("2022-10", 3, 1, 0, 0, 0.0),
        ]
    )
    quarterly = theme_trends(counts, "quarter").to_dict("records")
    assert [(str(r["period"]), r["comments"], r["total"]) for r in quarterly] == [
        ("2022Q2", 5, 20),
        ("2022Q4", 1, 10),
    ]
    assert pd.isna(quarterly[1]["change"])  # Q3 had none: no change against a quarter that is not there


def test_change_against_the_first_period_uses_the_two_proportion_test():
    counts = pd.DataFrame(
        [
            (1, "2022Q2", "agree", 6),
            (1, "2022Q2", "disagree", 94),
            (1, "2022Q3", "agree", 35),
            (1, "2022Q3", "disagree", 65),
            (1, "2022Q4", "agree", 8),
            (1, "2022Q4", "disagree", 92),
        ],
        columns=["question_id", "group", "agreement", "count"],
    )
    table = change_against_first(
        agreement_from_counts(counts, ["question_id", "group"]), "question_id", "group"
    )
    rows = table.to_dict("records")
    assert pd.isna(rows[0]["change"]) and not rows[0]["significant"]
    assert rows[1]["change"] == pytest.approx(29) and rows[1]["significant"]
    assert rows[2]["change"] == pytest.approx(2) and not rows[2]["significant"]


@pytest.mark.parametrize(
    ("period", "sentence", "row"),
    [
        (pd.Period("2023-01", freq="Q"), "January to March 2023", "Jan\u00a0to\u00a0Mar 2023"),
        (pd.Period("2022-12", freq="Q"), "October to December 2022", "Oct\u00a0to\u00a0Dec 2022"),
        (pd.Period("2023-03", freq="M"), "March 2023", "Mar 2023"),
        (pd.Period("2023", freq="Y"), "2023", "2023"),
    ],
)
def test_periods_are_named_as_a_reader_names_them(period, sentence, row):
    """In a sentence as the ONS writes them, and shortly in a table's row; never "2023Q1"."""
    assert period_name(period) == sentence
    assert period_name(period, short=True) == row

"""Cases counted for the dashboard and for measures: pure pandas."""

from __future__ import annotations

from datetime import date

import pandas as pd

from feedback.analysis.cases import against_baseline, counts_by_period, on_time, rolling_year, top_themes


def _cases(rows):
    return pd.DataFrame(rows, columns=["id", "kind", "received_on", "closed_on", "outcome"])


def test_counts_by_quarter_fill_the_quarters_with_none():
    cases = _cases(
        [
            (1, "complaint", date(2022, 1, 5), None, None),
            (2, "complaint", date(2022, 2, 5), None, None),
            (3, "mediation", date(2022, 8, 1), None, None),
        ]
    )
    table = counts_by_period(cases, "quarter")
    assert [str(p) for p in table.index] == ["2022Q1", "2022Q2", "2022Q3"]
    assert table["complaint"].tolist() == [2, 0, 0] and table["mediation"].tolist() == [0, 0, 1]


def test_years_against_a_baseline_and_a_reduction_target():
    table = against_baseline(pd.Series({2021: 100, 2022: 86, 2023: 78}), 2021, 100, 80).to_dict("records")
    assert table[0]["is_baseline"] and table[1]["change"] == -14 and table[1]["met"] is False
    assert table[2]["met"] is True


def test_a_rolling_year_starts_after_twelve_months_and_stops_at_the_newest_case():
    received = pd.Series([date(2021, m, 15) for m in range(1, 13)] + [date(2022, 1, 3), date(2022, 3, 9)])
    table = rolling_year(received, as_of=date(2026, 11, 22))
    assert table["month_end"].tolist() == [
        date(2021, 12, 31),
        date(2022, 1, 31),
        date(2022, 2, 28),
        date(2022, 3, 31),
    ]
    assert table["count"].tolist() == [12, 12, 11, 11]
    assert rolling_year(received, as_of=date(2022, 2, 10))["month_end"].max() == date(2022, 1, 31)
    assert rolling_year(pd.Series([], dtype="object"), date(2022, 1, 1)).empty


def test_on_time_counts_only_done_stages_that_had_a_due_date():
    stages = pd.DataFrame(
        [
            (1, "complaint", "stage_1", date(2022, 1, 31), date(2022, 1, 30)),
            (2, "complaint", "stage_1", date(2022, 1, 31), date(2022, 2, 1)),
            (3, "complaint", "stage_1", date(2022, 1, 31), None),
            (4, "tribunal", "tribunal_hearing", None, date(2022, 5, 1)),
        ],
        columns=["case_id", "kind", "stage", "due_on", "completed_on"],
    )
    table = on_time(stages).to_dict("records")
    assert table == [{"kind": "complaint", "done": 2, "on_time": 1, "percent": 50.0}]


def test_top_themes_rank_within_each_kind():
    cases = _cases(
        [
            (1, "complaint", None, None, None),
            (2, "complaint", None, None, None),
            (3, "mediation", None, None, None),
        ]
    )
    themes = pd.DataFrame(
        [(1, "Waiting"), (2, "Waiting"), (2, "Transport"), (3, "Transport")], columns=["case_id", "theme"]
    )
    table = top_themes(themes, cases, limit=1).to_dict("records")
    assert table == [
        {"kind": "complaint", "theme": "Waiting", "count": 2},
        {"kind": "mediation", "theme": "Transport", "count": 1},
    ]

"""The measure page: a server-drawn chart with the same figures in a table, the survey questions it counts
with their intervals, and the cases linked to it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import CaseKind, Measure, Reading, Role
from feedback.services import analysis


def _measure_id(app, **where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Measure.id).filter_by(**where).limit(1))


def test_a_survey_measure_has_its_chart_interval_table_and_questions(app, client, login, demo):
    with app.app_context():
        analysis.analyse(db.session)
        heard = db.session.scalar(
            sa.select(Measure.id).where(Measure.text.startswith("Parent carers who agree"))
        )
    login(Role.STAFF)
    page = client.get(f"/measures/{heard}").text
    assert f'src="/measures/{heard}/chart.svg"' in page and "The table below gives the same figures" in page
    assert re.search(r"\d+–\d+%</td>", page)  # an interval beside a reading
    assert ">n</th>" in page and ">95% interval</th>" in page
    assert "Survey questions counted" in page and "Jan\u00a0to\u00a0Mar 2023" in page
    chart = client.get(f"/measures/{heard}/chart.svg")
    assert chart.mimetype == "image/svg+xml" and b"<svg" in chart.data[:500]


def test_a_phone_gets_the_chart_drawn_for_its_screen(app, client, login, demo):
    """Shrunk to a phone's 360 pixels, the 700-pixel chart's words were half their size: a phone is given
    one drawn as wide as its screen."""
    measure = _measure_id(app, id=1)
    login(Role.STAFF)
    page = client.get(f"/measures/{measure}").text
    assert f'srcset="/measures/{measure}/chart-narrow.svg"' in page
    assert 'media="(max-width: 40.0525em)"' in page
    assert f'<img src="/measures/{measure}/chart.svg"' in page  # every other screen, and the alt text

    def width_in_points(path: str) -> float:
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        return float(re.search(rb'<svg[^>]* width="([0-9.]+)pt"', response.data)[1])

    assert width_in_points(f"/measures/{measure}/chart-narrow.svg") == 3.6 * 72  # inches, at 72 points
    assert width_in_points(f"/measures/{measure}/chart.svg") == 7 * 72


def test_the_widget_measure_counts_its_yes_no_question_as_percent_yes(app, client, login, demo):
    with app.app_context():
        analysis.analyse(db.session)
        users_who_find = Measure.text.startswith("Users who can find what they are looking for")
        found = db.session.scalar(sa.select(Measure.id).where(users_who_find))
    login(Role.STAFF)
    page = " ".join(client.get(f"/measures/{found}").text.split())  # no-break spaces too
    assert "“Did you find what you were looking for?”" in page and "% yes</th>" in page
    assert "Jan to Mar 2023</th>" in page and "No answers yet" not in page


def test_a_measure_counting_cases_lists_them(app, client, login, demo):
    complaints = _measure_id(app, case_kind=CaseKind.COMPLAINT)
    login(Role.STAFF)
    page = client.get(f"/measures/{complaints}").text
    assert "Cases linked to this measure" in page and "186 cases; the newest 20" in page
    assert client.get(f"/measures/{complaints}/chart.svg").status_code == 200


def test_readings_without_a_count_leave_out_the_count_and_interval_columns(app, client, login, demo):
    """A measure whose readings staff enter has no n and no interval: on a phone, the two columns of dashes
    pushed its source and notes off the screen."""
    with app.app_context():
        entered = db.session.scalar(
            sa.select(Measure.id).where(Measure.readings.any(), ~Measure.readings.any(Reading.n.is_not(None)))
        )
    login(Role.STAFF)
    page = client.get(f"/measures/{entered}").text
    assert ">Source</th>" in page
    assert ">n</th>" not in page and ">95% interval</th>" not in page

"""Staff land on what is waiting for the team, each with a link to it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import (
    Action,
    AnalysisRun,
    ImpactStatus,
    Measure,
    Plan,
    QuestionKind,
    Response,
    ResponseContact,
    Role,
    RunStatus,
    Survey,
)
from feedback.models.types import utcnow
from feedback.services.report import NO_UPDATE_DUE, quarter_of
from tests.conftest import backdate, write_progress


def _text(client, path: str) -> str:
    return " ".join(client.get(path).text.split())


def test_staff_land_on_what_is_waiting_with_links_to_it(app, client, login, demo):
    assert client.get("/home").status_code == 302  # not for families
    with app.app_context():
        newest, older = db.session.scalars(sa.select(Response.id).order_by(Response.id.desc()).limit(2))
        db.session.add(ResponseContact(response_id=newest, email="jo@example.org"))  # sent in 2023: overdue
        db.session.add(ResponseContact(response_id=older, email="sam@example.org", replied_at=utcnow()))
        db.session.add(AnalysisRun(status=RunStatus.FAILED, finished_at=utcnow() - timedelta(hours=1)))
        measures = db.session.scalars(sa.select(Measure).order_by(Measure.id)).all()
        for measure in measures:  # as the lead reported, but for one
            measure.suggested_status = measure.reported_status
        measures[0].suggested_status, measures[0].reported_status = ImpactStatus.RED, ImpactStatus.GREEN
        db.session.commit()
    login(Role.STAFF)
    page = _text(client, "/home")
    assert "1 family is waiting for a reply" in page and "1 overdue" in page and 'href="/replies"' in page
    assert "The last run failed on" in page and 'href="/analysis"' in page
    assert 'href="/cases?state=' in page
    assert "1 measure has a reported status that differs from the suggested one" in page


def test_with_nothing_waiting_the_page_says_so(client, login):
    login(Role.STAFF)
    page = _text(client, "/home")
    assert "Nothing is waiting for anyone in the team." in page
    assert "Nobody is waiting for a reply" in page and "No run has finished yet" in page
    assert "0 open" in page and "No entry is waiting for approval" in page
    assert "No action is in progress" in page and 'href="/plans"' in page  # no plan yet
    # Before the analyser's first run nothing has been suggested, so nothing can be said to match.
    assert "No status has been suggested yet" in page and "matches the suggested one" not in page


def test_families_find_the_open_surveys_on_the_front_page_and_not_the_local_offer_box(app, client, demo):
    page = client.get("/").text
    assert '<a class="govuk-link" href="/s/live-feedback">Tell us how it feels</a>' in page
    assert "For parents and carers" in page
    assert "/s/local-offer-feedback" not in page and "Did you find what you were looking for?" not in page
    with app.app_context():  # a yes or no, then a question that is not free text: a survey like any other
        box = db.session.scalar(sa.select(Survey).where(Survey.slug == "local-offer-feedback"))
        box.questions[1].kind = QuestionKind.AGREEMENT
        db.session.commit()
    assert '<a class="govuk-link" href="/s/local-offer-feedback">' in client.get("/").text
    with app.app_context():
        for survey in db.session.scalars(sa.select(Survey)):
            survey.close()
        db.session.commit()
    page = client.get("/").text
    assert "/s/live-feedback" not in page and "No survey is open just now." in page


def test_reported_statuses_that_match_the_suggested_ones_are_called_so(app, client, login, demo):
    with app.app_context():
        for measure in db.session.scalars(sa.select(Measure)):
            measure.suggested_status = measure.reported_status
        unreported = db.session.scalars(sa.select(Measure)).first()
        unreported.suggested_status, unreported.reported_status = ImpactStatus.BLUE, None  # not a difference
        db.session.commit()
    login(Role.STAFF)
    assert "Every reported status matches the suggested one" in _text(client, "/home")


def test_families_and_the_public_find_what_changed_and_the_open_data_from_the_front_page(client):
    page = client.get("/")
    links = re.findall(r'href="([^"]+)"', page.text)
    for path in (
        "/you-said-we-did",
        "/you-said-we-did/young-people",
        "/api/v1/readings.csv",
        "/api/v1/you-said-we-did.csv",
        "/api/v1/openapi.yaml",
        "/login",
    ):
        assert path in links
        assert client.get(path).status_code == 200


def test_actions_whose_lead_wrote_no_update_this_quarter_are_counted(app, client, login, demo):
    """A coordinator chases the leads for their updates before the quarter's board report."""
    login(Role.COORDINATOR)
    with app.app_context():
        in_progress = db.session.scalars(
            sa.select(Action).where(Action.progress_status.not_in(NO_UPDATE_DUE))
        ).all()
        # The demo's plan came with most leads' updates, imported this quarter: three have none.
        without = [action.id for action in in_progress if not action.progress_narrative]
        total, waiting, action_id = len(in_progress), len(without), without[0]
        plan_id = db.session.scalar(sa.select(Plan.id))
    assert 0 < waiting < total
    since = f"{quarter_of(clock.today())[0]:%-d %B %Y}"
    page = _text(client, "/home")
    assert f"{waiting} of {total} actions in progress have no update from their lead since {since}" in page
    assert f'href="/plans/{plan_id}/report"' in page

    def write(narrative: str) -> str:
        write_progress(client, action_id, narrative, "green")
        return _text(client, "/home")

    assert f"{waiting - 1} of {total} actions in progress" in write("Two more clinicians started.")
    last_quarter = datetime.combine(quarter_of(clock.today())[0], time(), tzinfo=UTC) - timedelta(days=1)
    for operation in ("insert", "update"):  # as if written before the quarter began: last quarter's update
        backdate(app, "Action", action_id, operation, last_quarter)
    assert f"{waiting} of {total} actions in progress" in _text(client, "/home")
    assert f"{waiting - 1} of {total} actions in progress" in write("Recruitment is complete.")
    assert f"{waiting} of {total} actions in progress" in write("")  # emptied: no update after all

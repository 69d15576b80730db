"""A family answers the live feedback survey on the server side: every page kept, one response each."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback import clock, create_app
from feedback.database import SQLITE_PRAGMAS
from feedback.extensions import db
from feedback.models import (
    Agreement,
    Answer,
    Channel,
    Measure,
    Question,
    QuestionKind,
    QuestionWording,
    RespondentRole,
    Response,
    ResponseContact,
    Survey,
    SurveyDraft,
    SurveyStatus,
)
from feedback.models.types import utcnow
from feedback.services import respond, shapes
from feedback.views import respond as respond_views
from feedback.views.errors import NOT_ON_DISK_JSON
from tests.conftest import _load_demo as load_demo
from tests.conftest import csrf_token_from, fail_every_flush, sqlite_write_lock_is_free

PAGES = [
    {"q_heard": "agree", "q_valued": "strongly_agree", "q_involved": "dont_know"},
    {"q_outcomes": "disagree", "q_schools": "neither", "q_optimism": "agree"},
    {"q_comment": "The caseworker kept us informed."},
    {"district": "Rugby", "age_band": "5-10", "area_of_need": "Autism"},
    {"wants_reply": "no"},
]


def start(client, version: str | None = None) -> str:
    data = {"version": version} if version else {}
    response = client.post("/s/live-feedback", data=data)
    assert response.status_code == 302
    return response.location  # .../s/live-feedback/<token>/1


def base_of(first_page: str) -> str:
    return first_page.rsplit("/", 1)[0]


def complete(client, version: str | None = None) -> str:
    base = base_of(start(client, version))
    for number, data in enumerate(PAGES, start=1):
        response = client.post(f"{base}/{number}", data=data)
        assert response.status_code == 302, response.text
    assert response.location == f"{base}/done"
    return base


def count_new_responses(app) -> int:
    """Responses made through the pages, not the demo's synthetic ones."""
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.idempotency_key.not_like("synthetic-%"))
        )


def test_the_privacy_notice_says_what_is_kept_for_how_long_and_how_to_ask(app, client, demo):
    assert '<a class="govuk-link" href="/privacy">' in client.get("/s/live-feedback").text
    app.config.update(
        RESPONSE_RETENTION_YEARS=5, ACCESS_RETENTION_YEARS=7, PRIVACY_CONTACT="dpo@council.example"
    )
    notice = client.get("/privacy")
    assert notice.status_code == 200
    text = " ".join(notice.text.split())
    assert "deleted 60 days after you last saved them" in text and "deleted 5 years after" in text
    assert "who on the staff has seen them and when: deleted 7 years after each time" in text
    assert "data protection officer: dpo@council.example" in text and "Information Commissioner" in text
    assert "the details about your child and any names in your comments: deleted 5 years" in text
    app.config["PRIVACY_CONTACT"] = ""
    assert "contact the council for your area" in " ".join(client.get("/privacy").text.split())
    app.config["FORGOTTEN_COMMENTS"] = "delete"
    text = " ".join(client.get("/privacy").text.split())
    assert "the details about your child and your comments: deleted 5 years" in text
    assert "with the details about your child and your comments, at any time" in text
    app.config.update(RESPONSE_RETENTION_YEARS=1, ACCESS_RETENTION_YEARS=1)  # the least a council may set
    text = " ".join(client.get("/privacy").text.split())
    assert "your contact details: deleted 1 year after you sent your answers" in text
    assert "who on the staff has seen them and when: deleted 1 year after each time" in text


def test_the_accessibility_statement_says_how_to_ask_for_another_format(app, client, demo):
    assert '<a class="govuk-footer__link" href="/accessibility">' in client.get("/s/live-feedback").text
    app.config["ACCESSIBILITY_CONTACT"] = "0300 000 0000"
    statement = " ".join(client.get("/accessibility").text.split())
    assert "WCAG) version 2.2 at level AA" in statement and "on paper, in large print" in statement
    assert "contact: 0300 000 0000" in statement and "Equality Advisory and Support Service" in statement
    app.config["ACCESSIBILITY_CONTACT"] = ""
    assert "contact the council for your area" in " ".join(client.get("/accessibility").text.split())


def test_the_start_page_explains_privacy_and_offers_other_versions(client, demo):
    page = client.get("/s/live-feedback").text
    assert "Tell us how it feels" in page and "about 3 minutes" in page
    assert "anonymous" in page
    assert "/s/live-feedback?version=young-person" in page and "/s/live-feedback?version=easy-read" in page


def test_the_start_page_says_how_long_the_survey_takes_as_it_is_now(app, client, demo):
    """Six agreement questions, a comment and the two last pages: about 3 minutes. Two more comments to
    write make it about 5, whichever version is read."""
    assert "It takes about 3 minutes: 5 short pages" in " ".join(client.get("/s/live-feedback").text.split())
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        for position, key in ((97, "better"), (98, "worse")):
            question = Question(key=key, kind=QuestionKind.FREE_TEXT, required=False, position=position)
            survey.questions.append(question)
            for variant in survey.variants:
                question.wordings.append(QuestionWording(variant=variant, text=f"What got {key}?"))
        db.session.commit()
    standard = " ".join(client.get("/s/live-feedback").text.split())
    assert "It takes about 5 minutes: 7 short pages" in standard
    young = " ".join(client.get("/s/live-feedback?version=young-person").text.split())
    assert "It is 7 short pages and takes about 5 minutes." in young


def test_a_family_completes_the_survey_and_one_response_is_stored(app, client, demo):
    base = complete(client)
    done = client.get(f"{base}/done")
    assert done.status_code == 200 and "Thank you" in done.text and "/you-said-we-did" in done.text
    assert "You asked for a reply" not in done.text  # nobody promises a reply to a family who did not ask
    assert "Your council's Local Offer website says how to contact it." in done.text
    app.config["SENDIASS_CONTACT"] = "0300 000 0001 or sendiass@council.example"
    again = " ".join(client.get(f"{base}/done").text.split())
    assert "Information, Advice and Support Service (SENDIASS)" in again
    assert "Contact it: 0300 000 0001 or sendiass@council.example." in again
    with app.app_context():
        response = db.session.scalar(
            sa.select(Response).where(Response.idempotency_key.not_like("synthetic-%"))
        )
        answers = {a.question.key: a for a in response.answers}
        assert answers["heard"].agreement is Agreement.AGREE
        assert answers["involved"].agreement is Agreement.DONT_KNOW
        assert answers["comment"].text == "The caseworker kept us informed."
        assert (response.district, response.age_band, response.area_of_need) == ("Rugby", "5-10", "Autism")
        assert response.respondent_role is RespondentRole.PARENT_CARER
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseContact)) == 0
        draft = db.session.scalar(sa.select(SurveyDraft))
        assert draft.answers == {} and draft.response_id == response.id


def test_families_are_asked_where_they_live_only_among_the_areas_own_districts(app, client, demo):
    base = base_of(start(client))
    about_you = client.get(f"{base}/4").text
    assert '<option value="Rugby">Rugby</option>' in about_you
    assert '<option value="Outside the area">Outside the area</option>' in about_you
    refused = client.post(f"{base}/4", data={"district": "Telford"})  # no choice the page offered
    assert refused.status_code == 400 and "Choose from the list, or Prefer not to say" in refused.text
    with app.app_context():
        assert db.session.scalar(sa.select(SurveyDraft.answers)) == {}

    app.config["DISTRICTS"] = []  # an area that has not named its districts
    about_you = client.get(f"{base}/4").text
    assert "Where do you live?" not in about_you and "How old is the child" in about_you
    assert "where you live" not in client.get("/privacy").text
    assert client.post(f"{base}/4", data={"district": "Rugby", "age_band": "5-10"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(SurveyDraft.answers))["about-you"] == {
            "age_band": "5-10",
            "area_of_need": "",
        }


def test_pages_can_be_skipped_and_answers_changed_going_back(app, client, demo):
    base = base_of(start(client))
    client.post(f"{base}/1", data={"q_heard": "disagree"})
    client.post(f"{base}/1", data={"q_heard": "agree"})
    page = client.get(f"{base}/1").text
    assert re.search(r'name="q_heard" type="radio" value="agree" checked', page)
    assert not re.search(r'value="disagree" checked', page)
    for number in range(2, 6):
        client.post(f"{base}/{number}", data={"wants_reply": "no"} if number == 5 else {})
    assert count_new_responses(app) == 1


@pytest.mark.parametrize("attempts", [2, 3])
def test_double_taps_refreshes_and_back_and_resubmit_store_one_response(app, client, demo, attempts):
    base = complete(client)
    for _ in range(attempts):
        again = client.post(f"{base}/5", data=PAGES[4])
        assert again.location == f"{base}/done"
        back = client.post(f"{base}/1", data=PAGES[0])
        assert back.location == f"{base}/done"
    assert count_new_responses(app) == 1


def test_a_last_page_sent_twice_at_once_stores_one_response(app, demo):
    """Both requests read the draft before either saves; the second reads it again under the write lock,
    finds it submitted, and shows the same confirmation."""
    client = app.test_client()
    base = base_of(start(client))
    for number, data in enumerate(PAGES[:-1], start=1):
        client.post(f"{base}/{number}", data=data)
    both_ready = threading.Barrier(2)
    locations: list[str] = []

    def tap() -> None:
        tapper = app.test_client()
        both_ready.wait()
        locations.append(tapper.post(f"{base}/5", data=PAGES[4]).location)

    taps = [threading.Thread(target=tap, daemon=True) for _ in range(2)]
    for thread in taps:
        thread.start()
    for thread in taps:
        thread.join(30)
    assert locations == [f"{base}/done"] * 2
    assert count_new_responses(app) == 1
    with app.app_context():  # the second tap did not write the answers back into the submitted draft
        assert db.session.scalar(sa.select(SurveyDraft.answers)) == {}


@pytest.fixture
def sqlite_demo_app(tmp_path, demo_template):
    """The demo on SQLite, whatever database the run is for: the write lock below is SQLite's."""
    path = tmp_path / "demo.sqlite3"
    if demo_template is not None:
        shutil.copyfile(demo_template[0], path)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        if demo_template is None:
            db.create_all()
            load_demo()
        db.session.remove()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def test_a_page_holds_the_write_lock_only_to_save(sqlite_demo_app, monkeypatch):
    """Reading the survey and the draft, checking the answers and showing mistakes happen without the
    lock that every other family's save waits for."""
    app, path = sqlite_demo_app

    seen: dict[str, bool] = {}

    def noting(moment: str, function):
        def wrapped(*args, **kwargs):
            seen.setdefault(moment, sqlite_write_lock_is_free(path))
            return function(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(respond_views, "build_page_form", noting("checking", respond_views.build_page_form))
    monkeypatch.setattr(
        respond_views, "render_template", noting("showing mistakes", respond_views.render_template)
    )
    monkeypatch.setattr(respond, "save_page", noting("saving", respond.save_page))
    client = app.test_client()
    base = base_of(start(client))
    assert client.post(f"{base}/1", data={"q_heard": "maybe"}).status_code == 400
    assert client.post(f"{base}/1", data=PAGES[0]).status_code == 302
    assert seen == {"checking": True, "showing mistakes": True, "saving": False}


def test_a_save_the_database_is_too_busy_for_comes_back_with_the_answers(sqlite_demo_app, monkeypatch):
    """On SQLite, a writer that keeps the lock past the busy timeout (a big import on a busy server) makes
    a family's save give up. Nothing is half saved: the page comes back with their answers and a plain
    message, the JSON submission and the widget say 503 with Retry-After, and each works once the lock
    is free."""
    app, path = sqlite_demo_app
    monkeypatch.setitem(SQLITE_PRAGMAS, "busy_timeout", 100)
    with app.app_context():
        db.engine.dispose()  # connections made from now on give up after 0.1 s
    client = app.test_client()
    base = base_of(start(client))
    body = {"idempotency_key": "sent-while-the-lock-was-held", "answers": {"heard": "agree"}}
    widget = {"answer": "yes", "entry_key": "widget-while-the-lock-was-held"}
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        page = client.post(f"{base}/1", data=PAGES[0])
        assert page.status_code == 503
        assert "the service is busy" in page.text and 'id="page-notice"' in page.text
        assert re.search(r'name="q_valued" type="radio" value="strongly_agree" checked', page.text)
        sent = client.post("/s/live-feedback/responses", json=body)
        assert (
            sent.status_code == 503 and sent.headers["Retry-After"] == "60" and "busy" in sent.json["errors"]
        )
        tapped = client.post("/w/local-offer-feedback", data=widget)
        assert tapped.status_code == 503 and tapped.headers["Retry-After"] == "60"
        assert "Nothing you entered was saved" in tapped.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert count_new_responses(app) == 0
    assert client.post(f"{base}/1", data=PAGES[0]).location.endswith(f"{base}/2")
    assert client.post("/s/live-feedback/responses", json=body).status_code == 201
    assert client.post("/w/local-offer-feedback", data=widget).status_code == 200
    assert count_new_responses(app) == 2


def test_a_submission_raced_by_another_request_returns_the_first_response(app, demo):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        draft = respond.start_draft(db.session, survey, survey.variants[0])
        db.session.commit()
        # another worker stored this draft's response a moment ago
        winner = Response(
            survey_id=survey.id, respondent_role=RespondentRole.PARENT_CARER, idempotency_key=draft.token
        )
        db.session.add(winner)
        db.session.commit()
        result = respond.submit(db.session, draft, {q.key: q for q in survey.questions})
        db.session.commit()
        assert result.created is False and result.response_id == winner.id
        assert count_new_responses(app) == 1


def test_cleared_cookies_lose_nothing_the_resume_link_goes_back_to_where_you_were(app, client, demo):
    base = base_of(start(client))
    client.post(f"{base}/1", data=PAGES[0])
    client.post(f"{base}/2", data=PAGES[1])
    fresh = app.test_client()  # another browser, or this one with its cookies cleared
    resumed = fresh.get(base)
    assert resumed.location == f"{base}/3"
    first = fresh.get(f"{base}/1").text
    assert re.search(r'name="q_valued" type="radio" value="strongly_agree" checked', first)
    assert base in fresh.get(f"{base}/3").text  # the resume link is on the page


def test_a_resume_link_opened_after_submitting_shows_the_confirmation_not_the_survey(app, client, demo):
    """A family who saved the link and opens it again once they have sent their answers is told they
    were sent, and is not offered a survey to fill in again."""
    base = complete(client)
    again = app.test_client().get(base)
    assert again.status_code == 302 and again.location == f"{base}/done"
    assert count_new_responses(app) == 1


def test_the_resume_link_lasts_at_least_30_days(app, client, demo):
    base = base_of(start(client))
    client.post(f"{base}/1", data=PAGES[0])
    token = base.rsplit("/", 1)[1]
    with app.app_context():
        draft = db.session.scalar(sa.select(SurveyDraft).where(SurveyDraft.token == token))
        assert draft.expires_at - utcnow() >= timedelta(days=30)
        draft.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(base).status_code == 404
    assert client.get("/s/live-feedback/not-a-token").status_code == 404


@pytest.mark.parametrize(
    "number, data, message",
    [
        (3, {"q_comment": "x" * 1201}, "must be 1,200 characters or fewer"),
        (1, {"q_heard": "somewhat"}, "Not a valid choice"),
        (5, {}, "Select yes if you would like a reply"),
        (5, {"wants_reply": "yes"}, "Enter your name so we know who to reply to"),
        (5, {"wants_reply": "yes", "name": "Sam"}, "Enter an email address or a phone number"),
        (
            5,
            {"wants_reply": "yes", "name": "Sam", "email": "sam@"},
            "Enter an email address in the correct format",
        ),
        (5, {"wants_reply": "yes", "name": "Sam", "phone": "call me"}, "Enter a phone number"),
    ],
)
def test_bad_answers_are_shown_beside_the_question_and_nothing_is_saved(
    app, client, demo, number, data, message
):
    base = base_of(start(client))
    response = client.post(f"{base}/{number}", data=data)
    assert response.status_code == 400
    assert message in response.text and "govuk-error-summary" in response.text
    with app.app_context():
        draft = db.session.scalar(sa.select(SurveyDraft))
        assert draft.answers == {} and draft.page == 1


def test_a_reply_request_keeps_contact_details_apart_from_the_answers(app, client, demo):
    base = base_of(start(client))
    for number in range(1, 5):
        client.post(f"{base}/{number}", data=PAGES[number - 1])
    client.post(f"{base}/5", data={"wants_reply": "yes", "name": "Sam", "email": "sam@example.com"})
    with app.app_context():
        contact = db.session.scalar(sa.select(ResponseContact))
        assert (contact.name, contact.email) == ("Sam", "sam@example.com")
        response = db.session.get(Response, contact.response_id)
        assert "sam@example.com" not in repr([(a.text, a.choices) for a in response.answers])
        assert db.session.scalar(sa.select(SurveyDraft)).answers == {}


@pytest.mark.parametrize(
    "version, words, not_words",
    [
        ("young-person", "People listen to me and understand me.", "People are kind to me."),
        ("easy-read", "People are kind to me.", "People listen to me and understand me."),
    ],
)
def test_young_person_and_easy_read_versions_use_their_own_words_and_record_the_role(
    app, client, demo, version, words, not_words
):
    first = start(client, version)
    page = client.get(first).text
    assert words in page and not_words not in page and "I feel heard and understood" not in page
    base = base_of(first)
    for number, data in enumerate(PAGES, start=1):
        client.post(f"{base}/{number}", data=data)
    with app.app_context():
        response = db.session.scalar(
            sa.select(Response).where(Response.idempotency_key.not_like("synthetic-%"))
        )
        assert response.respondent_role is RespondentRole.YOUNG_PERSON
        assert response.variant.slug == version


def test_a_qr_start_is_recorded_as_the_qr_channel(app, client, demo):
    assert 'name="from" value="qr"' in client.get("/s/live-feedback?from=qr").text
    location = client.post("/s/live-feedback", data={"from": "qr"}).location
    with app.app_context():
        assert db.session.scalar(sa.select(SurveyDraft)).channel is Channel.QR
    assert location.endswith("/1")


def test_closed_and_unknown_surveys_say_so(app, client, demo):
    assert client.get("/s/no-such-survey").status_code == 404
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        survey.status = SurveyStatus.CLOSED
        db.session.commit()
    closed = client.get("/s/live-feedback")
    assert closed.status_code == 410 and "This survey is closed" in closed.text


def _live_feedback(session) -> Survey:
    return session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))


def test_a_family_who_began_before_the_survey_closed_can_finish_it_for_a_week(app, client, demo):
    first, second = base_of(start(client)), base_of(start(client))
    assert 'href="/s/live-feedback"' in client.get(f"{first}/1").text  # Back, to the start page
    for number, data in enumerate(PAGES[:2], start=1):
        assert client.post(f"{first}/{number}", data=data).status_code == 302
    with app.app_context():
        survey = _live_feedback(db.session)
        survey.close()
        db.session.commit()
        until = clock.uk_time(survey.closed_at + respond.FINISHING_TIME, "%-d %B %Y at %H:%M")
    assert client.get("/s/live-feedback").status_code == 410  # nobody begins it now
    resumed = client.get(first)
    assert resumed.status_code == 302 and resumed.location == f"{first}/3"
    page = " ".join(client.get(f"{first}/3").text.split())
    assert "This survey has closed since you began." in page
    assert f"You can still finish it and send your answers until {until}." in page
    assert f'href="{first}/2"' in page  # back a page, as before
    first_page = client.get(f"{first}/1").text
    assert 'href="/s/live-feedback"' not in first_page  # not back to a start page saying "closed"
    for number, data in enumerate(PAGES[2:], start=3):
        assert client.post(f"{first}/{number}", data=data).status_code == 302
    assert client.get(f"{first}/done").status_code == 200 and count_new_responses(app) == 1

    with app.app_context():  # a week and a minute after it closed
        survey = _live_feedback(db.session)
        survey.closed_at -= respond.FINISHING_TIME + timedelta(minutes=1)
        db.session.commit()
    assert client.get(second).status_code == 410
    assert client.post(f"{second}/1", data=PAGES[0]).status_code == 410
    assert client.get(f"{first}/done").status_code == 200  # a confirmation stays what it was

    with app.app_context():  # opened again, and then past the end of its dates a day ago
        survey = _live_feedback(db.session)
        survey.open()
        assert survey.closed_at is None
        survey.closes_at = utcnow() - timedelta(days=1)
        db.session.commit()
    assert client.get("/s/live-feedback").status_code == 410
    assert "This survey has closed since you began" in client.get(f"{second}/1").text
    with app.app_context():
        _live_feedback(db.session).closes_at = utcnow() - respond.FINISHING_TIME - timedelta(minutes=1)
        db.session.commit()
    assert client.get(f"{second}/1").status_code == 410


def test_unknown_pages_are_404(client, demo):
    base = base_of(start(client))
    assert client.get(f"{base}/0").status_code == 404
    assert client.get(f"{base}/99").status_code == 404


@pytest.fixture
def csrf_app(app, demo, database_url):
    """A second app on this test's database, with CSRF protection on, as in production."""
    second = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    yield second
    with second.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_expired_form_token_reshows_the_page_with_every_answer_and_saves_nothing(csrf_app):
    client = csrf_app.test_client()
    start_page = client.get("/s/live-feedback").text
    first = client.post("/s/live-feedback", data={"csrf_token": csrf_token_from(start_page)}).location
    base = base_of(first)
    page = client.get(first).text
    client.delete_cookie("feedback_session")  # the session, and with it the token, is gone
    response = client.post(first, data={**PAGES[0], "csrf_token": csrf_token_from(page)})
    assert response.status_code == 200
    assert "your cookies were cleared" in response.text
    for name, value in PAGES[0].items():
        assert re.search(rf'name="{name}" type="radio" value="{value}" checked', response.text)
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(SurveyDraft)).answers == {}
    again = client.post(first, data={**PAGES[0], "csrf_token": csrf_token_from(response.text)})
    assert again.location == f"{base}/2"
    missing = client.post(f"{base}/2", data=PAGES[1])  # no token at all
    assert missing.status_code == 200 and "your cookies were cleared" in missing.text


def test_public_posts_are_rate_limited_per_address(app, demo):
    app.config["FEEDBACK_PUBLIC_POST_LIMIT"] = (3, 600)
    client = app.test_client()
    for _ in range(3):
        assert client.post("/s/live-feedback").status_code == 302
    refused = client.post("/s/live-feedback")
    assert refused.status_code == 429 and "Please wait a few minutes" in refused.text
    other = app.test_client()
    assert other.post("/s/live-feedback", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 302
    assert client.get("/s/live-feedback").status_code == 200  # reading is never limited


def test_behind_a_proxy_each_family_is_limited_by_its_own_address_and_cannot_name_another(app, demo):
    """Behind a proxy every request comes from the proxy, and without FEEDBACK_TRUSTED_PROXIES every family
    would share one limit; with it, the address the proxy added counts, and one a client sent does not."""
    same = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "SESSION_COOKIE_SECURE")
    limit = {"FEEDBACK_PUBLIC_POST_LIMIT": (3, 600)}
    proxied = create_app({key: app.config[key] for key in same} | limit | {"TRUSTED_PROXIES": 1})
    app.config.update(limit)

    def post(to, forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        return to.test_client().post("/s/live-feedback", headers=headers).status_code

    try:
        for _ in range(3):
            assert post(proxied, "198.51.100.1") == 302
        assert post(proxied, "198.51.100.1") == 429
        assert post(proxied, "198.51.100.2") == 302  # another family behind the same proxy
        assert post(proxied, "198.51.100.2, 198.51.100.1") == 429  # the proxy appends the address it saw
        for family in range(3):  # no proxy trusted: the header is anyone's to send, and changes nothing
            assert post(app, f"203.0.113.{family}") == 302
        assert post(app, "203.0.113.99") == 429
    finally:
        with proxied.app_context():
            db.engine.dispose()  # or PostgreSQL would keep its connections past the test's cleaning up


def test_a_whole_response_in_one_json_request_is_stored_once_however_often_it_is_retried(app, client, demo):
    body = {
        "idempotency_key": "k" * 57,  # the longest a client may send
        "version": "young-person",
        "answers": {"heard": "agree", "comment": "Sent from the bus", "unknown": "ignored"},
    }
    first = client.post("/s/live-feedback/responses", json=body)
    assert first.status_code == 201 and first.json["created"] is True
    for _ in range(3):
        retry = client.post("/s/live-feedback/responses", json=body)
        assert retry.status_code == 200 and retry.json == {"id": first.json["id"], "created": False}
    with app.app_context():
        response = db.session.get(Response, first.json["id"])
        assert response.respondent_role is RespondentRole.YOUNG_PERSON
        assert {a.question.key: (a.agreement or a.text) for a in response.answers} == {
            "heard": Agreement.AGREE,
            "comment": "Sent from the bus",
        }


@pytest.mark.parametrize(
    "body, field",
    [
        ({"answers": {}}, "idempotency_key"),
        ({"idempotency_key": "short", "answers": {}}, "idempotency_key"),
        # Stored after "client-" in 64 characters: a longer key took PostgreSQL's insert down with a 500.
        ({"idempotency_key": "k" * 58, "answers": {}}, "idempotency_key"),
        ({"idempotency_key": "k" * 57 + "\n", "answers": {}}, "idempotency_key"),  # "$" let it through
        ({"idempotency_key": "k" * 20, "answers": {"heard": "sort of"}}, "heard"),
        ({"idempotency_key": "k" * 20, "answers": {"comment": "x" * 1201}}, "comment"),
        ({"idempotency_key": "k" * 20, "answers": ["not", "a", "dict"]}, "body"),
        ("not an object", "body"),
    ],
)
def test_bad_json_responses_are_refused_with_a_message_and_store_nothing(app, client, demo, body, field):
    response = client.post("/s/live-feedback/responses", json=body)
    assert response.status_code == 400 and field in response.json["errors"]
    assert count_new_responses(app) == 0


@pytest.mark.parametrize("body", ["[" * 100_000, '{"answers": ' * 50_000 + "{}" + "}" * 50_000])
def test_json_nested_deeper_than_the_parser_goes_is_refused_as_not_json(app, client, demo, body):
    app.testing = False  # an exception past the view is then a 500, as in production, not raised here
    response = client.post("/s/live-feedback/responses", data=body, content_type="application/json")
    assert response.status_code == 400 and "body" in response.json["errors"]
    assert count_new_responses(app) == 0


def test_a_json_client_refused_before_the_view_is_answered_in_json(app, client, demo):
    """A page's script that queued a survey offline reads every answer to it as JSON: one too large to
    read, or sent with the wrong method, is told so in JSON (and a 405 says what the address takes)."""
    too_large = client.post(
        "/s/live-feedback/responses",
        data=b'{"idempotency_key": "%s", "answers": {"comment": "%s"}}'
        % (b"t" * 20, b"x" * app.config["MAX_CONTENT_LENGTH"]),
        content_type="application/json",
    )
    assert too_large.status_code == 413 and "nothing was stored" in too_large.json["errors"]["request"]
    wrong_method = client.put("/s/live-feedback/responses", json={"idempotency_key": "t" * 20})
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
    assert wrong_method.json["errors"]["request"]
    assert count_new_responses(app) == 0
    page = client.put("/s/live-feedback/start")  # a person's browser still gets a page
    assert page.status_code == 405 and page.mimetype == "text/html" and "Allow" in page.headers


def test_a_json_client_is_answered_in_json_when_the_service_fails(app, client, demo, monkeypatch, caplog):
    """A fault of the service's own, not the request's: still JSON, which the script can read, saying
    nothing was stored; the log has the error."""
    app.testing = False  # an exception past the view is then a 500, as in production, not raised here

    def broken(slug):
        raise RuntimeError("a fault of ours")

    monkeypatch.setattr("feedback.views.respond.shapes.kept", broken)
    sent = client.post("/s/live-feedback/responses", json={"idempotency_key": "f" * 20, "answers": {}})
    assert sent.status_code == 500 and "nothing was stored" in sent.json["errors"]["server"]
    assert "Unhandled error" in caplog.text and "RuntimeError: a fault of ours" in caplog.text
    assert count_new_responses(app) == 0


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud83d", "\\ufffe", "\\uffff"])
def test_what_a_database_or_the_feed_cannot_hold_is_dropped_from_a_json_comment(app, client, demo, escape):
    """JSON can carry what nobody types: a NUL (PostgreSQL refuses it), half of an emoji, as from a client
    that cut a comment at a length counted in UTF-16 (UTF-8 cannot encode it), and U+FFFE or U+FFFF (XML
    cannot carry them, and a quote in the Atom feed would break it). The comment is stored without it."""
    app.testing = False  # an exception past the view is then a 500, as in production, not raised here
    body = '{"idempotency_key": "%s", "answers": {"heard": "agree", "comment": "Thank you %s"}}'
    sent = client.post(
        "/s/live-feedback/responses", data=body % ("e" * 20, escape), content_type="application/json"
    )
    assert sent.status_code == 201
    with app.app_context():
        texts = db.session.scalars(sa.select(Answer.text).where(Answer.response_id == sent.json["id"]))
        assert [text for text in texts if text] == ["Thank you "]


def test_an_optional_question_answered_with_spaces_is_left_unanswered_not_a_server_error(app, client, demo):
    """WTForms lets an optional field whose first value is only spaces through as left empty: it must be
    stored as no answer, through the JSON submission and through the pages alike."""
    body = {"idempotency_key": "s" * 20, "answers": {"heard": "  ", "valued": "agree"}}
    sent = client.post("/s/live-feedback/responses", json=body)
    assert sent.status_code == 201
    base = base_of(start(client))
    for number, data in enumerate([{**PAGES[0], "q_heard": " "}, *PAGES[1:]], start=1):
        assert client.post(f"{base}/{number}", data=data).status_code == 302
    with app.app_context():
        draft = db.session.scalar(sa.select(SurveyDraft).where(SurveyDraft.token == base.rsplit("/", 1)[1]))
        for response_id in (sent.json["id"], draft.response_id):
            answers = db.session.scalars(sa.select(Answer).where(Answer.response_id == response_id)).all()
            keys = {answer.question.key for answer in answers}
            assert "valued" in keys and "heard" not in keys


def test_a_required_comment_of_only_spaces_is_asked_for_again(app, client, demo):
    with app.app_context():
        db.session.scalar(sa.select(Question).where(Question.key == "comment")).required = True
        db.session.commit()
    body = {"idempotency_key": "r" * 20, "answers": {"comment": "   "}}
    refused = client.post("/s/live-feedback/responses", json=body)
    assert refused.status_code == 400 and refused.json["errors"]["comment"].startswith("Answer this question")
    base = base_of(start(client))
    for number, data in enumerate(PAGES[:2], start=1):
        assert client.post(f"{base}/{number}", data=data).status_code == 302
    page = client.post(f"{base}/3", data={"q_comment": " \n "})
    assert page.status_code == 400 and "Answer this question" in page.text
    assert count_new_responses(app) == 0


def test_json_posts_count_towards_the_limit_and_store_nothing_once_over_it(app, client, demo):
    app.config["FEEDBACK_PUBLIC_POST_LIMIT"] = (3, 600)
    good = {"idempotency_key": "a" * 20, "answers": {"heard": "agree"}}
    assert client.post("/s/live-feedback/responses", json=good).status_code == 201
    assert client.post("/s/live-feedback/responses", json={"answers": {}}).status_code == 400
    assert client.post("/s/nowhere/responses", json=good).status_code == 404
    refused = client.post("/s/live-feedback/responses", json={**good, "idempotency_key": "b" * 20})
    assert refused.status_code == 429 and "Wait 10 minutes" in refused.json["errors"]["rate"]
    assert count_new_responses(app) == 1
    assert client.post("/s/live-feedback", environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 302


def test_a_change_to_an_open_survey_reaches_the_very_next_submission(app, client, demo):
    """Each process keeps a survey's shape between submissions; a change must not wait for it."""
    assert client.post("/s/live-feedback/responses", json={"idempotency_key": "c" * 20}).status_code == 201
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        question = Question(
            key="used",
            kind=QuestionKind.MULTIPLE_CHOICE,
            required=True,
            position=99,
            choices=[{"value": "portage", "label": "Portage"}, {"value": "breaks", "label": "Short breaks"}],
        )
        survey.questions.append(question)
        question.wordings.append(QuestionWording(variant=survey.variants[0], text="Which have you used?"))
        db.session.commit()
    missing = client.post("/s/live-feedback/responses", json={"idempotency_key": "d" * 20})
    assert missing.status_code == 400 and "Which have you used?" in missing.json["errors"]["used"]
    body = {"idempotency_key": "e" * 20, "answers": {"used": ["portage", "breaks"], "heard": "agree"}}
    stored = client.post("/s/live-feedback/responses", json=body)
    assert stored.status_code == 201
    with app.app_context():
        answers = db.session.scalars(sa.select(Answer).where(Answer.response_id == stored.json["id"])).all()
        assert sorted((a.question.key, a.choices or a.agreement) for a in answers) == [
            ("heard", Agreement.AGREE),
            ("used", ["portage", "breaks"]),
        ]
        db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback")).close()
        db.session.commit()
    closed = client.post("/s/live-feedback/responses", json={"idempotency_key": "f" * 20})
    assert closed.status_code == 404 and count_new_responses(app) == 2


def test_what_a_kept_shape_refuses_is_checked_again_against_the_survey_as_it_is_now(app, client, demo):
    """A process keeps a survey's shape between submissions without reading it: a question made optional
    since must not turn away the next family who leaves it out."""
    with app.app_context():
        heard = db.session.scalar(sa.select(Question).where(Question.key == "heard"))
        heard.required = True
        db.session.commit()
    assert client.post("/s/live-feedback/responses", json={"idempotency_key": "g" * 20}).status_code == 400
    with app.app_context():
        db.session.scalar(sa.select(Question).where(Question.key == "heard")).required = False
        db.session.commit()
    left_out = client.post("/s/live-feedback/responses", json={"idempotency_key": "h" * 20})
    assert left_out.status_code == 201 and count_new_responses(app) == 1


def test_a_survey_closed_since_its_shape_was_kept_stores_nothing_more(app, client, demo):
    """A closed survey's kept shape still accepts an answer; the write transaction finds the survey
    closed and refuses it, so that closing takes effect with the very next submission."""
    first = {"idempotency_key": "j" * 20, "answers": {"heard": "agree"}}
    assert client.post("/s/live-feedback/responses", json=first).status_code == 201
    assert shapes.kept("live-feedback") is not None
    with app.app_context():
        db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback")).close()
        db.session.commit()
    late = client.post("/s/live-feedback/responses", json={**first, "idempotency_key": "k" * 20})
    assert late.status_code == 404 and late.json == {"errors": {"survey": "This survey is not open."}}
    assert count_new_responses(app) == 1


def test_a_survey_changed_under_every_try_gets_a_busy_answer_and_stores_nothing(
    app, client, demo, monkeypatch
):
    monkeypatch.setattr(shapes, "check_kept", lambda *args: shapes.Freshness.CHANGED)
    body = {"idempotency_key": "i" * 20, "answers": {"heard": "agree"}}
    busy = client.post("/s/live-feedback/responses", json=body)
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    assert "send the same request again" in busy.json["errors"]["busy"]
    assert count_new_responses(app) == 0


def test_the_kept_shape_is_read_again_only_when_what_families_answer_changes(app, demo):
    with app.app_context():
        kept = shapes.open_shape(db.engine, "live-feedback")
        assert shapes.open_shape(db.engine, "live-feedback") is kept
        question = db.session.scalar(sa.select(Question).where(Question.key == "heard"))
        question.measures.append(db.session.scalars(sa.select(Measure)).first())  # a tag, not the shape
        db.session.commit()
        assert shapes.open_shape(db.engine, "live-feedback") is kept
        standard = next(w for w in question.wordings if w.variant.slug == "standard")
        standard.text = "I feel listened to."
        question.required = True
        db.session.commit()
        changed = shapes.open_shape(db.engine, "live-feedback")
        assert changed is not kept and changed.revision != kept.revision
        heard = next(check for check in changed.version("standard").checks if check.key == "heard")
        assert heard.required == "Answer this question: I feel listened to."


def test_nothing_is_reported_saved_before_it_is_flushed_to_disk(sqlite_demo_app, monkeypatch):
    """With NORMAL, a power cut could take back what was acknowledged; the app flushes the WAL itself
    (feedback/database.py). Every answer that says a submission is saved comes after a flush: its own
    request's, or, for a retry or a confirmation that only reads it, one of their own."""
    app, path = sqlite_demo_app
    flushed: list[str] = []
    flush = os.fdatasync

    def fdatasync(fd: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        flush(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    client = app.test_client()
    wal = f"{path}-wal"
    body = {"idempotency_key": "flushed-before-the-answer", "answers": {"heard": "agree"}}
    assert client.post("/s/live-feedback/responses", json=body).status_code == 201
    assert flushed == [wal]
    changed = {**body, "answers": {"heard": "sort of"}}  # refused by the survey, so read without the lock
    assert client.post("/s/live-feedback/responses", json=changed).json["created"] is False
    assert flushed == [wal] * 2
    base = complete(client)
    flushed.clear()
    assert client.get(f"{base}/done").status_code == 200
    assert flushed == [wal]
    assert client.get("/s/live-feedback").status_code == 200  # a page that only reads waits for no disk
    assert flushed == [wal]


def test_a_save_whose_flush_fails_is_not_reported_saved_and_sending_it_again_stores_it_once(
    sqlite_demo_app, monkeypatch
):
    app, _ = sqlite_demo_app
    client = app.test_client()
    base = base_of(start(client))
    body = {"idempotency_key": "sent-as-the-disk-failed", "answers": {"heard": "agree"}}
    fail_every_flush(monkeypatch)
    sent = client.post("/s/live-feedback/responses", json=body)
    assert sent.status_code == 503 and sent.headers["Retry-After"] == "60"
    assert sent.json == {"errors": {"busy": NOT_ON_DISK_JSON}}
    page = client.post(f"{base}/1", data=PAGES[0])
    assert page.status_code == 503 and "Your answers may not have been saved" in page.text
    monkeypatch.undo()
    again = client.post("/s/live-feedback/responses", json=body)
    assert again.status_code == 200 and again.json["created"] is False
    assert client.post(f"{base}/1", data=PAGES[0]).location.endswith(f"{base}/2")
    assert count_new_responses(app) == 1


def test_expired_drafts_are_purged_with_what_they_held(app, client, runner, demo):
    stale = base_of(start(client))
    client.post(f"{stale}/3", data={"q_comment": "My son Oliver is still waiting."})
    fresh = base_of(start(client))
    with app.app_context():
        draft = db.session.scalar(sa.select(SurveyDraft).where(SurveyDraft.token == stale.rsplit("/", 1)[1]))
        assert draft.answers["comment"] == "My son Oliver is still waiting."
        draft.expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
    result = runner.invoke(args=["responses", "purge-drafts"])
    assert result.exit_code == 0 and "Deleted 1 expired drafts." in result.output
    with app.app_context():
        tokens = set(db.session.scalars(sa.select(SurveyDraft.token)))
    assert tokens == {fresh.rsplit("/", 1)[1]}


def test_erasing_someones_details_forgets_their_responses_and_keeps_the_answers(app, client, runner, demo):
    base = base_of(start(client))
    pages = [*PAGES[:2], {"q_comment": "My son Oliver is still waiting."}, PAGES[3]]
    for number, page in enumerate(pages, start=1):
        client.post(f"{base}/{number}", data=page)
    client.post(f"{base}/5", data={"wants_reply": "yes", "name": "Sam", "phone": "07700 900 982"})
    assert runner.invoke(args=["responses", "erase-contact"]).exit_code == 1
    result = runner.invoke(args=["responses", "erase-contact", "--phone", "07700900982"])
    assert result.exit_code == 0, result.output
    assert "Erased the contact details, profile and names in comments of 1 response;" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseContact)) == 0
        assert count_new_responses(app) == 1
        response = db.session.scalar(sa.select(Response).order_by(Response.id.desc()))
        assert (response.district, response.area_of_need) == (None, None) and response.forgotten_at
        answers = {answer.question.key: answer for answer in response.answers}
        assert answers["heard"].agreement is Agreement.AGREE
        assert "Oliver" not in answers["comment"].text and "still waiting" in answers["comment"].text

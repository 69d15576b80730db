"""Staff build surveys, open and close them, print QR codes, embed the widget and type in paper forms."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import (
    MOST_SURVEY_TITLE,
    Agreement,
    AuditEvent,
    Channel,
    Measure,
    Question,
    QuestionKind,
    QuestionWording,
    Response,
    Role,
    Survey,
    SurveyDraft,
    SurveyStateError,
    SurveyStatus,
    VariantKind,
)
from feedback.services import audit, respond, surveys


def _survey_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Survey.id).where(Survey.slug == slug))


def test_staff_see_surveys_with_response_counts(client, login, demo):
    login(Role.STAFF)
    page = client.get("/surveys").text
    assert "Tell us how it feels" in page and "/s/live-feedback" in page
    assert f"{demo['responses']:,}" in page
    assert "Create a survey" not in page


def test_a_coordinator_builds_a_survey_and_opens_it(app, client, login, demo):
    login(Role.COORDINATOR)
    created = client.post(
        "/surveys/new",
        data={
            "title": "Annual review experience",
            "slug": "annual-review",
            "audience": "parent_carer",
            "anonymous": "y",
            "consent_text": "Anonymous.",
        },
    )
    assert created.status_code == 302
    survey_id = _survey_id(app, "annual-review")
    refused = client.post(f"/surveys/{survey_id}/open", follow_redirects=True)
    assert "Add at least one question before opening the survey." in refused.text
    with app.app_context():
        measure_id = db.session.scalar(
            sa.select(Measure.id).where(Measure.text.startswith("Parent carers who agree they are involved"))
        )
        variants = db.session.get(Survey, survey_id).variants
    data = {"key": "involved", "kind": "agreement", "required": "y", "measures": [str(measure_id)]}
    for variant in variants:
        data[f"wording_{variant.id}"] = (
            "I was involved in my child's annual review." if variant.kind.value == "standard" else ""
        )
    assert client.post(f"/surveys/{survey_id}/questions/new", data=data).status_code == 302
    shown = " ".join(client.get(f"/surveys/{survey_id}").text.split())
    assert "3 pages; families are told it takes about 1 minute" in shown  # the question, about you, reply
    assert client.post(f"/surveys/{survey_id}/open").status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert survey.status is SurveyStatus.OPEN
        question = survey.questions[0]
        assert question.kind is QuestionKind.AGREEMENT and [m.id for m in question.measures] == [measure_id]
        assert question.areas[0].reference == "2"
        assert {w.text for w in question.wordings} == {"I was involved in my child's annual review."}
    assert "I was involved in my child" in client.get(client.post("/s/annual-review").location).text
    client.post(f"/surveys/{survey_id}/close")
    assert client.get("/s/annual-review").status_code == 410
    with app.app_context():
        until = db.session.get(Survey, survey_id).closed_at + respond.FINISHING_TIME
    shown = " ".join(client.get(f"/surveys/{survey_id}").text.split())
    when = clock.uk_time(until, "%-d %B %Y at %H:%M")
    assert f"Closed. Nobody new can begin it; families who had begun can finish it until {when}." in shown

    history = client.get(f"/surveys/{survey_id}").text.split('id="history"')[1]
    lines = re.findall(r"<li>[^<]*\d\d:\d\d, [^:]+: ([^<]*)</li>", history)
    assert lines == [
        "the survey: changed status from “Open” to “Closed”",
        "the survey: changed status from “Draft” to “Open”",
        "added question “involved”",  # with its measure and wordings, which are not listed apart from it
        "added the easy read version",
        "added the young person version",
        "added the standard version",
        "added the survey",
    ]


def test_the_history_names_an_audience_and_a_kind_of_answer_as_the_forms_offer_them(app, client, login, demo):
    """In words the coordinator chose from, "Professionals" and "Free text", not the trail's "professional"
    and "free_text"."""
    login(Role.COORDINATOR)
    survey = {"title": "Draft", "slug": "draft", "audience": "parent_carer", "consent_text": "Anonymous."}
    client.post("/surveys/new", data=survey)
    survey_id = _survey_id(app, "draft")
    retold = client.post(f"/surveys/{survey_id}/edit", data={**survey, "audience": "professional"})
    assert retold.status_code == 302
    with app.app_context():
        standard = db.session.get(Survey, survey_id).variants[0].id
    question = {"key": "said", "kind": "free_text", f"wording_{standard}": "What would you change?"}
    client.post(f"/surveys/{survey_id}/questions/new", data=question)
    with app.app_context():
        question_id = db.session.get(Survey, survey_id).questions[0].id
    edited = client.post(
        f"/surveys/{survey_id}/questions/{question_id}/edit", data={**question, "kind": "yes_no"}
    )
    assert edited.status_code == 302
    history = client.get(f"/surveys/{survey_id}").text.split('id="history"')[1]
    assert "the survey: changed audience from “Parents and carers” to “Professionals”" in history
    assert "question “said”: changed kind from “Free text” to “Yes or no”" in history


def test_a_survey_keeps_its_web_address_once_it_has_opened(app, client, login, demo):
    """Posters' QR codes, the widget's links and families' resume links all name the address."""
    login(Role.COORDINATOR)
    details = {"title": "Short breaks", "slug": "short-breaks", "audience": "parent_carer", "anonymous": "y"}
    assert client.post("/surveys/new", data=details).status_code == 302
    draft_id = _survey_id(app, "short-breaks")
    moved = client.post(f"/surveys/{draft_id}/edit", data={**details, "slug": "short-breaks-2026"})
    assert moved.status_code == 302 and _survey_id(app, "short-breaks-2026") == draft_id  # nobody uses it yet

    open_id = _survey_id(app, "live-feedback")
    page = " ".join(client.get(f"/surveys/{open_id}/edit").text.split())
    assert "/s/live-feedback" in page and "cannot change once the survey has opened" in page
    assert 'name="slug"' not in page
    edited = {**details, "title": "Tell us how it feels now", "slug": "elsewhere"}
    assert client.post(f"/surveys/{open_id}/edit", data=edited).status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, open_id)
        assert (survey.title, survey.slug) == ("Tell us how it feels now", "live-feedback")
        with pytest.raises(SurveyStateError, match="cannot change once the survey has opened"):
            surveys.save_survey(db.session, survey, **{**edited, "anonymous": True, "consent_text": ""})


def test_a_survey_with_the_longest_title_gets_versions_whose_titles_fit(app, client, login, demo):
    """Each version is titled after the survey, with what it is added: a title of the most characters
    allowed made titles too long for their column, which PostgreSQL refused with a 500."""
    login(Role.COORDINATOR)
    title = ("How did the annual review of your child's plan go " * 4)[: MOST_SURVEY_TITLE - 1] + "?"
    details = {"title": title, "slug": "annual-review", "audience": "parent_carer", "anonymous": "y"}
    assert client.post("/surveys/new", data=details).status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, _survey_id(app, "annual-review"))
        titles = {variant.kind: variant.title for variant in survey.variants}
    assert survey.title == titles[VariantKind.STANDARD] == title
    assert len(title) == MOST_SURVEY_TITLE >= max(len(text) for text in titles.values())
    assert titles[VariantKind.EASY_READ].endswith("…: easy read")
    assert titles[VariantKind.YOUNG_PERSON].startswith(title[:150])
    assert titles[VariantKind.YOUNG_PERSON].endswith("…: young people's version")

    short = {**details, "title": "Short breaks", "slug": "short-breaks"}
    assert client.post("/surveys/new", data=short).status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, _survey_id(app, "short-breaks"))
        assert sorted(variant.title for variant in survey.variants) == [
            "Short breaks",
            "Short breaks: easy read",
            "Short breaks: young people's version",
        ]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"title": "", "slug": "x", "audience": "parent_carer"}, "Enter the survey&#39;s title"),
        ({"title": "T", "slug": "Not A Slug", "audience": "parent_carer"}, "lower case letters"),
        ({"title": "T", "slug": "live-feedback", "audience": "parent_carer"}, "Another survey already uses"),
        ({"title": "T", "slug": "ok", "audience": "martians"}, "Not a valid choice"),
    ],
)
def test_bad_survey_details_are_refused(app, client, login, demo, data, message):
    login(Role.COORDINATOR)
    response = client.post("/surveys/new", data=data)
    assert response.status_code == 400 and message in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 2


def test_question_rules(app, client, login, demo):
    login(Role.COORDINATOR)
    survey_id = _survey_id(app, "live-feedback")
    with app.app_context():
        variants = db.session.get(Survey, survey_id).variants
    base = {f"wording_{v.id}": "Which services have you used?" for v in variants}
    taken = client.post(
        f"/surveys/{survey_id}/questions/new", data={**base, "key": "heard", "kind": "free_text"}
    )
    assert taken.status_code == 400 and "Another question in this survey has this short name" in taken.text
    few = client.post(
        f"/surveys/{survey_id}/questions/new",
        data={**base, "key": "used", "kind": "single_choice", "choices": "Only one"},
    )
    assert "Enter at least two choices" in few.text
    ok = client.post(
        f"/surveys/{survey_id}/questions/new",
        data={
            **base,
            "key": "used",
            "kind": "multiple_choice",
            "choices": "Portage\nSpeech therapy\n\nShort breaks",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        question = db.session.scalar(sa.select(Question).where(Question.key == "used"))
        assert [c["label"] for c in question.choices] == ["Portage", "Speech therapy", "Short breaks"]


def test_qr_codes_come_as_svg_and_png_and_lead_to_the_survey(app, client, login, demo):
    login(Role.STAFF)
    survey_id = _survey_id(app, "live-feedback")
    svg = client.get(f"/surveys/{survey_id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = client.get(f"/surveys/{survey_id}/qr.png")
    assert png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/surveys/{survey_id}/qr.gif").status_code == 404


def test_the_qr_code_encodes_the_survey_address(app, client, login, demo):
    import segno

    login(Role.STAFF)
    survey_id = _survey_id(app, "live-feedback")
    expected = segno.make("http://localhost/s/live-feedback?from=qr", error="m")
    import io

    buffer = io.BytesIO()
    expected.save(buffer, kind="png", scale=12, border=4)
    assert client.get(f"/surveys/{survey_id}/qr.png").data == buffer.getvalue()


def test_links_for_posters_and_other_sites_use_the_public_host_name_whatever_the_proxy_sends(
    app, client, login, demo
):
    """A proxy that does not pass the Host header on sends the app's own address (127.0.0.1:8000): a poster's
    QR code, or the widget's code pasted into the Local Offer, would point there, not at the service."""
    import io

    import segno

    login(Role.STAFF)
    survey_id, widget_id = _survey_id(app, "live-feedback"), _survey_id(app, "local-offer-feedback")
    app.config["SERVER_NAME"] = "feedback.council.gov.uk"  # as FEEDBACK_SERVER_NAME sets it
    proxy = {"base_url": "http://127.0.0.1:8000"}  # and the session cookie, as the proxy passes it on
    client.set_cookie("feedback_session", client.get_cookie("feedback_session").value, domain="127.0.0.1")
    page = client.get(f"/surveys/{survey_id}", **proxy).text
    assert "http://feedback.council.gov.uk/s/live-feedback" in page and "127.0.0.1" not in page
    widget = client.get(f"/surveys/{widget_id}", **proxy).text
    assert 'src="http://feedback.council.gov.uk/w/local-offer-feedback"' in widget
    assert "height:480px" in widget  # room for "what were you looking for?" under the question
    assert "The box asks the first question and, under it, the second, which may be left empty." in widget
    expected = io.BytesIO()
    segno.make("http://feedback.council.gov.uk/s/live-feedback?from=qr", error="m").save(
        expected, kind="png", scale=12, border=4
    )
    assert client.get(f"/surveys/{survey_id}/qr.png", **proxy).data == expected.getvalue()


def test_the_local_offer_widget_feeds_its_measure_once_per_entry(app, client, demo):
    page = client.get("/w/local-offer-feedback")
    assert page.status_code == 200 and "Did you find what you were looking for?" in page.text
    key = re.search(r'name="entry_key" value="([^"]+)"', page.text).group(1)
    for _ in range(2):  # a double tap
        thanks = client.post("/w/local-offer-feedback", data={"answer": "no", "entry_key": key})
        assert thanks.status_code == 200 and "Thank you" in thanks.text
    bad = client.post("/w/local-offer-feedback", data={"answer": "maybe", "entry_key": key})
    assert bad.status_code == 400 and "Select yes or no" in bad.text
    broken = client.post("/w/local-offer-feedback", data={"answer": "yes", "entry_key": key + "\n"})
    assert broken.status_code == 400  # a line break after the key is no key
    with app.app_context():
        responses = db.session.scalars(
            sa.select(Response).where(
                Response.channel == Channel.WIDGET, Response.idempotency_key.not_like("synthetic-%")
            )
        ).all()
        assert len(responses) == 1 and responses[0].answers[0].text == "no"
        assert (
            responses[0]
            .answers[0]
            .question.measures[0]
            .text.startswith("Users who can find what they are looking for")
        )
    assert client.get("/w/live-feedback").status_code == 404  # not a yes/no box


def _widget_entries(app) -> list[tuple[str, list]]:
    """Each widget entry made in the test: its key, and its answers as (question, text)."""
    with app.app_context():
        found = db.session.scalars(
            sa.select(Response)
            .where(Response.channel == Channel.WIDGET, Response.idempotency_key.not_like("synthetic-%"))
            .order_by(Response.id)
        ).all()
        return [(r.idempotency_key, sorted((a.question.key, a.text) for a in r.answers)) for r in found]


def _entry_key(page: str) -> str:
    return re.search(r'name="entry_key" value="([^"]+)"', page).group(1)


def test_whoever_did_not_find_it_can_say_what_they_were_looking_for(app, client, demo):
    page = client.get("/w/local-offer-feedback").text
    assert "If not, what were you looking for? (optional)" in page
    assert "Do not write your name or anyone else&#39;s." in page
    assert 'href="/privacy" target="_blank" rel="noopener">How we use your answer (opens in new tab)' in page
    key, said = _entry_key(page), "  Short breaks near Nuneaton\x07 for a 12-year-old.  "
    for _ in range(2):  # a double tap
        thanks = client.post(
            "/w/local-offer-feedback", data={"answer": "no", "entry_key": key, "details": said}
        )
        assert thanks.status_code == 200 and "Sorry you did not find it" in thanks.text
    assert _widget_entries(app) == [
        (key, [("found", "no"), ("looking_for", "Short breaks near Nuneaton for a 12-year-old.")])
    ]
    second = _entry_key(client.get("/w/local-offer-feedback").text)
    sent = client.post("/w/local-offer-feedback", data={"answer": "yes", "entry_key": second, "details": " "})
    assert sent.status_code == 200
    assert _widget_entries(app)[1] == (second, [("found", "yes")])  # a box left empty is no answer


def test_a_widget_box_sent_wrong_keeps_what_was_typed_and_stores_nothing(app, client, demo):
    key = _entry_key(client.get("/w/local-offer-feedback").text)
    unanswered = client.post("/w/local-offer-feedback", data={"entry_key": key, "details": "Respite care"})
    assert unanswered.status_code == 400 and "Select yes or no" in unanswered.text
    assert '<a href="#answer">Select yes or no</a>' in unanswered.text  # in the error summary too
    assert ">Respite care</textarea>" in unanswered.text and _entry_key(unanswered.text) == key
    long = "x" * (respond.FREE_TEXT_LIMIT + 1)
    too_long = client.post(
        "/w/local-offer-feedback", data={"answer": "no", "entry_key": key, "details": long}
    )
    assert too_long.status_code == 400 and "1,200 characters or fewer" in too_long.text
    assert '<a href="#details">Your answer must be 1,200 characters or fewer</a>' in too_long.text
    assert 'value="no" checked' in too_long.text and f">{long}</textarea>" in too_long.text
    broken = client.post(
        "/w/local-offer-feedback", data={"answer": "yes", "entry_key": "widget-", "details": "Respite"}
    )
    assert broken.status_code == 400 and "Send your answer again" in broken.text
    assert 'value="yes" checked' in broken.text and _entry_key(broken.text) != "widget-"
    assert _widget_entries(app) == []


def test_a_widget_box_asks_only_yes_or_no_when_its_survey_has_no_free_text_second_question(
    app, client, login, demo
):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "local-offer-feedback"))
        survey.questions[1].kind = QuestionKind.NUMBER
        db.session.commit()
    page = client.get("/w/local-offer-feedback").text
    assert "Did you find what you were looking for?" in page and "<textarea" not in page
    key = _entry_key(page)
    sent = client.post("/w/local-offer-feedback", data={"answer": "no", "entry_key": key, "details": "7"})
    assert sent.status_code == 200 and _widget_entries(app) == [(key, [("found", "no")])]
    login(Role.STAFF)
    staff_page = client.get(f"/surveys/{_survey_id(app, 'local-offer-feedback')}").text
    assert "height:280px" in staff_page and "A second question in free text would be asked" in staff_page


@pytest.mark.parametrize("round_", range(3))
def test_a_widget_answer_tapped_twice_at_once_is_stored_once_and_thanked_twice(app, demo, round_):
    """Both taps find no draft under the key; on PostgreSQL the second made one too and failed on the
    unique token. Now the second waits for the first and finds its response."""
    key = re.search(
        r'name="entry_key" value="([^"]+)"', app.test_client().get("/w/local-offer-feedback").text
    )
    both_ready, statuses = threading.Barrier(2), []

    def tap() -> None:
        tapper = app.test_client()
        both_ready.wait()
        sent = tapper.post("/w/local-offer-feedback", data={"answer": "yes", "entry_key": key.group(1)})
        statuses.append(sent.status_code)

    taps = [threading.Thread(target=tap, daemon=True) for _ in range(2)]
    for thread in taps:
        thread.start()
    for thread in taps:
        thread.join(30)
    assert statuses == [200, 200]
    with app.app_context():
        stored = db.session.scalar(
            sa.select(sa.func.count()).select_from(Response).where(Response.idempotency_key == key.group(1))
        )
        assert stored == 1


def test_staff_type_in_a_paper_response_once(app, client, login, demo):
    login(Role.STAFF)
    survey_id = _survey_id(app, "live-feedback")
    form = client.get(f"/surveys/{survey_id}/paper").text
    key = re.search(r'name="entry_key" value="([^"]+)"', form).group(1)
    data = {"entry_key": key, "q_heard": "agree", "q_comment": "Written on the back of the form."}
    assert client.post(f"/surveys/{survey_id}/paper", data=data).status_code == 302
    again = client.post(f"/surveys/{survey_id}/paper", data=data, follow_redirects=True)
    assert "That paper response was already saved." in again.text
    with app.app_context():
        paper = db.session.scalars(sa.select(Response).where(Response.idempotency_key.like("paper-%"))).all()
        assert len(paper) == 1
        answers = {a.question.key: a for a in paper[0].answers}
        assert answers["heard"].agreement is Agreement.AGREE
    assert client.post(f"/surveys/{survey_id}/paper", data={"entry_key": "forged"}).status_code == 400
    broken = {"entry_key": key + "\n", "q_heard": "agree"}
    assert client.post(f"/surveys/{survey_id}/paper", data=broken).status_code == 400


def test_a_paper_response_counts_in_the_month_it_was_filled_in(app, client, login, demo):
    login(Role.STAFF)
    survey_id = _survey_id(app, "live-feedback")

    def post(filled_in: list[str]):
        key = re.search(r'name="entry_key" value="([^"]+)"', client.get(f"/surveys/{survey_id}/paper").text)
        data = {"entry_key": key.group(1), "q_heard": "agree", "filled_in": filled_in}
        return client.post(f"/surveys/{survey_id}/paper", data=data)

    def paper_dates() -> list:
        with app.app_context():
            paper = Response.idempotency_key.like("paper-%")
            return [
                clock.in_uk(at) for at in db.session.scalars(sa.select(Response.submitted_at).where(paper))
            ]

    future = clock.today() + timedelta(days=1)
    for filled_in, message in [
        (["31", "9", "2026"], "Date on the form must be a real date, like 27 9 2026"),
        (
            [str(future.day), str(future.month), str(future.year)],
            "Date on the form must be today or in the past",
        ),
    ]:
        refused = post(filled_in)
        assert refused.status_code == 400 and message in refused.text
        assert 'value="agree" checked' in refused.text  # the answers typed stay
    assert paper_dates() == []
    saved = post(["30", "9", "2025"])
    assert saved.status_code == 302
    assert [(at.date(), at.hour) for at in paper_dates()] == [(date(2025, 9, 30), 12)]  # September's, midday
    # The next form of the pile starts with the same date, and says so.
    following = client.get(saved.headers["Location"]).text
    assert re.findall(r'name="filled_in" type="text" value="(\d+)"', following) == ["30", "09", "2025"]
    assert "the date of the last form you saved" in following
    for written in ("2025-02-30", "nonsense", (clock.today() + timedelta(days=1)).isoformat()):
        fresh = client.get(f"/surveys/{survey_id}/paper?filled_in={written}").text
        assert 'name="filled_in" type="text" value=' not in fresh and "last form you saved" not in fresh
    assert post(["", "", ""]).status_code == 302  # no date on the form: today
    assert sorted(at.date() for at in paper_dates())[-1] == clock.today()


def test_staff_cannot_change_surveys(app, client, login, demo):
    login(Role.STAFF)
    survey_id = _survey_id(app, "live-feedback")
    assert client.post(f"/surveys/{survey_id}/close").status_code == 403
    assert client.get("/surveys/new").status_code == 403


def test_a_coordinator_adds_a_language_version_which_families_can_choose(app, client, login, demo):
    login(Role.COORDINATOR)
    survey_id = _survey_id(app, "live-feedback")
    with app.app_context():
        variants = db.session.get(Survey, survey_id).variants
    titles = {f"title_{v.id}": v.title for v in variants}
    refused = client.post(f"/surveys/{survey_id}/versions", data={**titles, "new_language": "Polish"})
    assert refused.status_code == 400 and "Enter a language code like pl" in refused.text
    saved = client.post(
        f"/surveys/{survey_id}/versions",
        data={**titles, "new_language": "pl", "new_title": "Powiedz nam, jak się czujesz"},
    )
    assert saved.status_code == 302
    again = client.post(
        f"/surveys/{survey_id}/versions", data={**titles, "new_language": "pl", "new_title": "x"}
    )
    assert "already has a version in that language" in again.text
    start_page = client.get("/s/live-feedback?version=pl").text
    assert '<html lang="pl"' in start_page and "Powiedz nam, jak się czujesz" in start_page
    assert 'href="/s/live-feedback?version=pl" lang="pl"' in client.get("/s/live-feedback").text


def test_a_coordinator_uploads_a_forms_export_and_sees_every_problem(
    app, client, login, demo, tmp_path, monkeypatch
):
    from io import BytesIO

    from feedback.services import plan_import
    from tests.services.test_response_import import HEADER, ROWS

    login(Role.COORDINATOR)
    survey_id = _survey_id(app, "live-feedback")

    def upload(rows, name="export.csv", mapping=""):
        lines = [",".join(f'"{cell}"' for cell in row) for row in [HEADER, *rows]]
        data = {"file": (BytesIO("\n".join(lines).encode()), name), "mapping": mapping}
        return client.post(f"/surveys/{survey_id}/import", data=data, content_type="multipart/form-data")

    bad = [list(row) for row in ROWS]
    bad[1][5] = "Perhaps"
    refused = upload(bad)
    assert refused.status_code == 400 and "Nothing was imported: 1 problem to fix" in refused.text
    assert "must be Strongly agree" in refused.text
    assert "The file must be a CSV or an Excel .xlsx file" in upload(ROWS, name="export.pdf").text
    assert "is mapped to nothing_here" in upload(ROWS, mapping="Which school?=nothing_here").text
    assert "with up to 5,000 responses" in client.get(f"/surveys/{survey_id}/import").text
    with monkeypatch.context() as patch:
        patch.setattr(plan_import, "MAX_ROWS", 2)
        too_long = upload(ROWS)
    assert too_long.status_code == 400
    assert "has more than 2 rows: split it into files of 2 or fewer" in too_long.text
    done = upload(ROWS)
    assert done.status_code == 302
    assert "Imported 3 responses; 0 were already there." in client.get(done.location).text
    with app.app_context():
        imported = db.session.scalar(
            sa.select(sa.func.count()).select_from(Response).where(Response.channel == Channel.IMPORT)
        )
        assert imported == 3


def _question_form(question: Question, **changes) -> dict:
    data = {
        "key": question.key,
        "kind": question.kind.value,
        "required": "y" if question.required else "",
        "measures": [str(m.id) for m in question.measures],
    }
    for wording in question.wordings:
        data[f"wording_{wording.variant_id}"] = wording.text
        data[f"hint_{wording.variant_id}"] = wording.hint
    return {**data, **changes}


def test_what_a_question_s_answers_mean_stays_once_anyone_has_answered_it(app, client, login, demo):
    """Answers are kept by the question's short name and each choice's place in its list: a new name,
    kind or order would make answers already given, or saved on a family's unsent page, read as others."""
    login(Role.COORDINATOR)
    survey_id = _survey_id(app, "live-feedback")
    with app.app_context():
        variants = db.session.get(Survey, survey_id).variants
        heard_id = db.session.scalar(sa.select(Question.id).where(Question.key == "heard"))
    wording = {f"wording_{v.id}": "How did you get here?" for v in variants}
    travel = {**wording, "key": "travel", "kind": "single_choice", "choices": "Bus\nTaxi\nWalk"}
    assert client.post(f"/surveys/{survey_id}/questions/new", data=travel).status_code == 302
    with app.app_context():
        question_id = db.session.scalar(sa.select(Question.id).where(Question.key == "travel"))
    edit = f"/surveys/{survey_id}/questions/{question_id}/edit"
    travel["key"] = "getting_here"  # nobody has answered it yet: anything may change
    assert client.post(edit, data=travel).status_code == 302

    with app.app_context():  # a family has chosen Taxi on a page they have not sent yet
        expires = datetime.now(UTC) + timedelta(days=60)
        unsent = {"getting_here": "2"}
        db.session.add(SurveyDraft(token="t" * 32, survey_id=survey_id, answers=unsent, expires_at=expires))
        db.session.commit()
    page = " ".join(client.get(edit).text.split())
    assert "Short name: <code" in page and "Kind of answer: One choice" in page and 'name="key"' not in page
    fewer = client.post(edit, data={**travel, "choices": "Bus\nWalk"})
    assert fewer.status_code == 400 and "Keep all 3 choices people have answered with" in fewer.text
    # Swapped, the family's "2" would read as Bus; inserted at the top, every answer would move down one.
    for moved, named in (("Bus\nWalk\nTaxi", "“Taxi” back as choice 2"), ("Car\nbus\nTaxi\nWalk", "“Bus”")):
        refused = client.post(edit, data={**travel, "choices": moved})
        assert refused.status_code == 400 and f"Put {named}" in refused.text
    reworded = {**travel, "key": "how", "kind": "free_text", "choices": "Bus or coach\nTaxi\nWalk\nCycle"}
    assert client.post(edit, data=reworded).status_code == 302
    with app.app_context():
        question = db.session.get(Question, question_id)
        assert (question.key, question.kind) == ("getting_here", QuestionKind.SINGLE_CHOICE)
        labels = ["Bus or coach", "Taxi", "Walk", "Cycle"]
        assert question.choices == [{"value": str(n), "label": label} for n, label in enumerate(labels, 1)]
        with pytest.raises(SurveyStateError, match="People have answered this question"):
            surveys.save_question(
                db.session, question.survey, question, key="how", kind="single_choice", required=False,
                choices=["Bus", "Taxi", "Walk"], measure_ids=[], wordings={},
            )  # fmt: skip
        with pytest.raises(SurveyStateError, match="People have answered this question"):
            surveys.save_question(
                db.session, question.survey, question, key="getting_here", kind="single_choice",
                required=False, choices=["Taxi", "Bus or coach", "Walk", "Cycle"], measure_ids=[],
                wordings={},
            )  # fmt: skip

    assert (
        "People have answered this question"
        in client.get(  # answered in stored responses
            f"/surveys/{survey_id}/questions/{heard_id}/edit"
        ).text
    )


def test_retagging_a_question_is_in_the_survey_and_measure_histories(app, client, login, demo):
    """Which questions count towards a measure decides its figures: who changed that, and when, is on the
    survey's page and on each measure's."""
    email = login(Role.COORDINATOR)
    survey_id = _survey_id(app, "live-feedback")
    with app.app_context():
        question = db.session.scalar(
            sa.select(Question).where(Question.survey_id == survey_id, Question.key == "heard")
        )
        question_id = question.id
        kept, dropped = sorted(question.measures, key=lambda m: m.id)
        added = db.session.scalar(sa.select(Measure).where(Measure.id.not_in([kept.id, dropped.id])))
        references = {m.id: f"{m.action.reference}/{m.reference}" for m in (kept, dropped, added)}
        standard = next(w for w in question.wordings if w.variant.kind.value == "standard")
        data = _question_form(question, measures=[str(kept.id), str(added.id)])
        wording = f"wording_{standard.variant_id}"
        data[wording] = "I feel listened to."
        ids = {"kept": kept.id, "dropped": dropped.id, "added": added.id}

    refused = client.post(f"/surveys/{survey_id}/questions/{question_id}/edit", data={**data, wording: ""})
    assert refused.status_code == 400
    with app.app_context():
        assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.actor == email)).all(), (
            "a refused edit records nothing"
        )

    saved = client.post(f"/surveys/{survey_id}/questions/{question_id}/edit", data=data)
    assert saved.status_code == 302
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "Question",
                AuditEvent.entity_id == question_id,
                AuditEvent.actor == email,
            )
        )
        assert event.before == {"measures": sorted([kept.id, dropped.id])}
        assert event.after == {"measures": sorted([kept.id, added.id])}
        wording = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "QuestionWording", AuditEvent.actor == email
            )
        )
        assert wording.after == {"text": "I feel listened to."}
        survey_events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "Survey", AuditEvent.actor == email)
        ).all()
        assert survey_events == [], "the survey's revision mark is bookkeeping, not a change to record"

    page = client.get(f"/surveys/{survey_id}").text
    before = ", ".join(references[i] for i in sorted([ids["kept"], ids["dropped"]]))
    after = ", ".join(references[i] for i in sorted([ids["kept"], ids["added"]]))
    assert f", {email}: question “heard”: changed measures from “{before}” to “{after}”" in page
    assert f"{email}: the standard wording of question “heard”: changed text from" in page
    assert "to “I feel listened to.”" in page

    def measure_page(measure_id: int) -> str:
        return client.get(f"/measures/{measure_id}").text

    assert (
        f"{email}: question “heard” of Tell us how it feels now counts towards this measure"
        in measure_page(ids["added"])
    )
    assert f"{email}: question “heard” of Tell us how it feels no longer counts towards this measure" in (
        measure_page(ids["dropped"])
    )
    assert f"{email}: question “heard”" not in measure_page(ids["kept"])
    history = measure_page(ids["dropped"]).split("History</h2>")[1]
    assert re.findall(r"<li>[^<]*\d\d:\d\d, ([^<]*)</li>", history) == [
        f"{email}: question “heard” of Tell us how it feels no longer counts towards this measure",
        "demo: question “heard” of Tell us how it feels now counts towards this measure",
        "demo: added the measure",  # a moment before the question that counts towards it
    ]


def test_retagging_is_recorded_when_the_tags_were_never_read_first(app, demo):
    """save_question replaces the measures without reading them: the trail still says what they were."""
    from feedback.services import surveys

    with app.app_context():
        question = db.session.scalar(sa.select(Question).where(Question.key == "heard"))
        survey, question_id = question.survey, question.id
        old = sorted(m.id for m in question.measures)
        db.session.expire(question, ["measures"])
        audit.set_actor(db.session, None, "a test")
        surveys.save_question(
            db.session,
            survey,
            question,
            key="heard",
            kind="agreement",
            required=question.required,
            choices=[],
            measure_ids=old[:1],
            wordings={w.variant_id: (w.text, w.hint) for w in question.wordings},
        )
        db.session.commit()
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity_id == question_id, AuditEvent.actor == "a test")
        )
        assert (event.entity_type, event.before, event.after) == (
            "Question",
            {"measures": old},
            {"measures": old[:1]},
        )


def _new_survey_with_questions(app, client, slug: str, keys: list[str]) -> int:
    client.post(
        "/surveys/new", data={"title": "Annual review experience", "slug": slug, "audience": "parent_carer"}
    )
    survey_id = _survey_id(app, slug)
    for key in keys:
        _add_question(app, client, survey_id, key)
    return survey_id


def _add_question(app, client, survey_id: int, key: str, measures: tuple[int, ...] = ()) -> None:
    with app.app_context():
        variants = db.session.get(Survey, survey_id).variants
    data = {"key": key, "kind": "free_text", **{f"wording_{v.id}": f"Tell us about {key}." for v in variants}}
    data["measures"] = [str(m) for m in measures]
    assert client.post(f"/surveys/{survey_id}/questions/new", data=data).status_code == 302


def _order(app, survey_id: int) -> list[tuple[str, int]]:
    with app.app_context():
        return [(q.key, q.position) for q in db.session.get(Survey, survey_id).questions]


def _question_id(app, survey_id: int, key: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(Question.id).where(Question.survey_id == survey_id, Question.key == key)
        )


def test_a_coordinator_moves_and_removes_questions_before_the_survey_opens(app, client, login, demo):
    login(Role.COORDINATOR)
    survey_id = _new_survey_with_questions(app, client, "annual-review", ["first", "second", "third"])
    url = f"/surveys/{survey_id}/questions"
    page = client.get(f"/surveys/{survey_id}").text
    assert 'Move up<span class="govuk-visually-hidden"> question 2' in page and "Remove<span" in page

    assert client.post(f"{url}/{_question_id(app, survey_id, 'third')}/move-up").status_code == 302
    assert _order(app, survey_id) == [("first", 0), ("third", 1), ("second", 2)]
    client.post(f"{url}/{_question_id(app, survey_id, 'first')}/move-up")  # at the top already
    assert _order(app, survey_id) == [("first", 0), ("third", 1), ("second", 2)]

    third = _question_id(app, survey_id, "third")
    asked = client.get(f"{url}/{third}/remove")
    assert asked.status_code == 200 and "Remove question “third”?" in asked.text
    assert "Tell us about third." in asked.text and "govuk-button--warning" in asked.text
    assert _order(app, survey_id) == [("first", 0), ("third", 1), ("second", 2)], "asking removes nothing"
    removed = client.post(f"{url}/{third}/remove", follow_redirects=True)
    assert "Question “third” removed." in removed.text
    assert _order(app, survey_id) == [("first", 0), ("second", 1)]
    with app.app_context():
        left = db.session.scalars(sa.select(QuestionWording.question_id).distinct()).all()
        assert third not in left, "its wordings went with it"

    # On SQLite the next question may be given the removed one's id: its history is its own.
    _add_question(app, client, survey_id, "fourth")
    history = client.get(f"/surveys/{survey_id}").text.split('id="history"')[1]
    lines = re.findall(r"<li>[^<]*\d\d:\d\d, [^:]+: ([^<]*)</li>", history)
    assert lines[:3] == [
        "added question “fourth”",
        "question “second”: changed position from “3” to “2”",
        "deleted question “third”",
    ]
    assert set(lines[3:5]) == {  # one move, two questions, in one moment
        "question “second”: changed position from “2” to “3”",
        "question “third”: changed position from “3” to “2”",
    }
    assert sum("“fourth”" in line for line in lines) == 1


def test_questions_stay_where_they_are_once_the_survey_has_opened(app, client, login, demo):
    login(Role.COORDINATOR)
    survey_id = _new_survey_with_questions(app, client, "annual-review", ["first", "second"])
    client.post(f"/surveys/{survey_id}/open")
    assert "Move up" not in client.get(f"/surveys/{survey_id}").text
    second = _question_id(app, survey_id, "second")
    moved = client.post(f"/surveys/{survey_id}/questions/{second}/move-up")
    assert moved.location == f"/surveys/{survey_id}", (
        "the refusal is at the top of the page, not the question"
    )
    assert (
        "Questions can be moved or removed only before the survey first opens"
        in client.get(moved.location).text
    )
    asked = client.get(f"/surveys/{survey_id}/questions/{second}/remove")
    assert asked.status_code == 200 and "only before the survey first opens" in asked.text
    assert "govuk-button--warning" not in asked.text
    refused = client.post(f"/surveys/{survey_id}/questions/{second}/remove", follow_redirects=True)
    assert "only before the survey first opens" in refused.text
    assert _order(app, survey_id) == [("first", 0), ("second", 1)]


def test_a_question_with_answers_is_not_removed(app, client, login, demo):
    login(Role.COORDINATOR)
    survey_id = _survey_id(app, "live-feedback")
    with app.app_context():
        db.session.get(Survey, survey_id).status = SurveyStatus.DRAFT
        db.session.commit()
    heard = _question_id(app, survey_id, "heard")
    refused = client.post(f"/surveys/{survey_id}/questions/{heard}/remove", follow_redirects=True)
    assert "This question has answers, so it cannot be removed." in refused.text
    assert _question_id(app, survey_id, "heard") == heard


def test_moving_and_removing_need_a_coordinator_and_a_question_of_that_survey(app, client, login, demo):
    survey_id = _survey_id(app, "live-feedback")
    other = _question_id(app, _survey_id(app, "local-offer-feedback"), "found")
    heard = _question_id(app, survey_id, "heard")
    login(Role.STAFF)
    assert client.post(f"/surveys/{survey_id}/questions/{heard}/move-up").status_code == 403
    assert client.post(f"/surveys/{survey_id}/questions/{heard}/remove").status_code == 403
    login(Role.COORDINATOR)
    assert client.post(f"/surveys/{survey_id}/questions/{other}/move-up").status_code == 404
    assert client.get(f"/surveys/{survey_id}/questions/{other}/remove").status_code == 404
    assert client.post(f"/surveys/{survey_id}/questions/{heard}/move-sideways").status_code == 404
    assert client.post(f"/surveys/{survey_id}/questions/999999/remove").status_code == 404


def test_a_removed_question_no_longer_counts_and_its_id_brings_no_history(app, client, login, demo):
    """SQLite gives the next row the id of a deleted row that had the highest: the measure page and the
    question's own history tell the two apart."""
    email = login(Role.COORDINATOR)
    with app.app_context():
        measure_id = db.session.scalar(sa.select(Measure.id).order_by(Measure.id.desc()).limit(1))
    survey_id = _new_survey_with_questions(app, client, "annual-review", [])
    _add_question(app, client, survey_id, "third", measures=(measure_id,))
    third = _question_id(app, survey_id, "third")
    client.post(f"/surveys/{survey_id}/questions/{third}/remove")
    _add_question(app, client, survey_id, "fourth")

    page = client.get(f"/measures/{measure_id}").text.split("History</h2>")[1]
    mine = [line for line in re.findall(r"<li>[^<]*\d\d:\d\d, ([^<]*)</li>", page) if line.startswith(email)]
    assert mine == [
        f"{email}: question “third” of Annual review experience no longer counts towards this measure",
        f"{email}: question “third” of Annual review experience now counts towards this measure",
    ]
    with app.app_context():
        fourth = db.session.get(Question, _question_id(app, survey_id, "fourth"))
        assert [(e.operation, e.after["key"]) for e in audit.history_of(db.session, fourth)] == [
            ("insert", "fourth")
        ]

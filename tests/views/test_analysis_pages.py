"""Staff read the analyser's runs, survey results broken down, themes with trends and redacted quotes,
and the plan's summary; coordinators keep the lexicon."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import (
    Action,
    Answer,
    Area,
    AuditEvent,
    CommentAnalysis,
    NounChunk,
    Plan,
    Question,
    QuestionKind,
    Response,
    Role,
    Survey,
    Theme,
)
from feedback.models.response import comment_theme
from feedback.services import analysis

from ..conftest import csrf_token_from


def _analysed(app) -> None:
    with app.app_context():
        analysis.analyse(db.session)


def _id(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(model.id).filter_by(**where))


def test_staff_see_each_run_with_its_counts(app, client, login, demo):
    login(Role.STAFF)
    assert "has not run yet" in client.get("/analysis").text
    _analysed(app)
    page = client.get("/analysis").text
    with app.app_context():
        comments = db.session.scalar(sa.select(sa.func.count()).select_from(CommentAnalysis))
    assert "Succeeded" in page and f"{comments:,}</td>" in page  # the demo's comments, read once


def test_results_break_agreement_down_with_intervals_and_significance(app, client, login, demo):
    login(Role.STAFF)
    survey_id = _id(app, Survey, slug="live-feedback")
    quarterly = client.get(f"/surveys/{survey_id}/results").text
    assert (
        "Apr\u00a0to\u00a0Jun 2022" in quarterly
        and "Jan\u00a0to\u00a0Mar 2023" in quarterly
        and "significant" in quarterly
    )
    assert "95% range" in quarterly
    for by, expected in [("version", "Young person"), ("role", "Parent carer"), ("month", "Apr 2022")]:
        assert expected in client.get(f"/surveys/{survey_id}/results?by={by}").text
    offered = re.findall(r"results\?by=(\w+)", quarterly)
    assert offered == ["month", "version", "role", "district", "need"]  # every way, the one shown aside
    assert client.get(f"/surveys/{survey_id}/results?by=nonsense").status_code == 200


def test_a_yes_no_question_shows_the_share_answering_yes(app, client, login, demo):
    for number, answer in enumerate(["yes", "no", "no", "no"]):
        entry = {"answer": answer, "entry_key": f"widget-page-{number:012d}"}
        assert client.post("/w/local-offer-feedback", data=entry).status_code == 200
    login(Role.STAFF)
    survey_id = _id(app, Survey, slug="local-offer-feedback")
    page = " ".join(client.get(f"/surveys/{survey_id}/results?by=month").text.split())
    assert "Did you find what you were looking for?" in page and "share answering yes" in page
    assert "% yes</th>" in page and "% agree</th>" not in page
    this_month = f"{clock.today():%b %Y}"  # 1 yes in 4, marked as fewer than 10
    # One version, parents and carers only, nobody asked where they live or about their child's needs.
    assert re.findall(r"results\?by=(\w+)", page) == ["quarter"]
    with app.app_context():
        db.session.execute(
            sa.update(Response).where(Response.survey_id == survey_id).values(district="Rugby")
        )
        db.session.commit()
    assert re.findall(r"results\?by=(\w+)", client.get(f"/surveys/{survey_id}/results").text) == [
        "month",
        "district",
    ]
    assert f'{this_month}</th> <td class="govuk-table__cell govuk-table__cell--numeric">25% <span' in page


def test_before_the_analyser_has_run_the_themes_page_says_nothing_is_counted(client, login, demo):
    login(Role.STAFF)
    page = " ".join(client.get("/themes").text.split())
    assert "No comment has been counted yet: the analyser counts them when it runs." in page
    themes = page.count('<th scope="row"')
    assert themes > 0 and page.count('colspan="4">Not counted yet</td>') == themes
    assert "None this quarter" not in page


def test_themes_show_trends_candidates_and_redacted_quotes(app, client, login, demo):
    _analysed(app)
    login(Role.STAFF)
    page = client.get("/themes").text
    with app.app_context():
        candidate = db.session.scalar(sa.select(Theme.name).where(Theme.candidate.is_(True)).limit(1))
    assert "Waiting times" in page and "Candidate themes" in page and candidate in page
    assert "/accept" not in page  # staff read; coordinators decide
    assert "Figures are for January to March 2023, the newest quarter with comments." in page
    assert "Figures are for March 2023, the newest month" in client.get("/themes?period=month").text
    ehcp = _id(app, Theme, slug="ehc-plan-process")
    theme_page = client.get(f"/themes/{ehcp}?period=month").text
    assert "Mar 2023" in theme_page and "Oliver" not in theme_page and "parent.example" not in theme_page


def test_a_coordinator_edits_the_lexicon_and_bad_input_changes_nothing(app, client, login, demo):
    email = login(Role.COORDINATOR)
    transport = _id(app, Theme, slug="transport")
    form = client.get(f"/themes/{transport}/edit").text
    bad = client.post(
        f"/themes/{transport}/edit",
        data={"csrf_token": csrf_token_from(form), "name": "Waiting times", "keywords": "bus"},
    )
    assert bad.status_code == 400 and "already called Waiting times" in bad.text
    saved = client.post(
        f"/themes/{transport}/edit",
        data={
            "csrf_token": csrf_token_from(form),
            "name": "Travel to school",
            "keywords": "bus\ntaxi\nminibus",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        theme = db.session.get(Theme, transport)
        assert (theme.name, theme.keyword_list) == ("Travel to school", ["bus", "taxi", "minibus"])
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "Theme",
                AuditEvent.entity_id == transport,
                AuditEvent.operation == "update",
            )
        )
        assert event.actor == email and event.after["name"] == "Travel to school"


def test_a_coordinator_accepts_one_candidate_and_dismisses_another(app, client, login, demo):
    _analysed(app)
    login(Role.COORDINATOR)
    token = csrf_token_from(client.get("/themes").text)
    with app.app_context():
        first, second = db.session.scalars(sa.select(Theme).where(Theme.candidate.is_(True)).limit(2)).all()
        first_id, second_id = first.id, second.id
    assert client.post(f"/themes/{first_id}/accept", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/themes/{second_id}/dismiss", data={"csrf_token": token}).status_code == 302
    again = client.post(f"/themes/{first_id}/dismiss", data={"csrf_token": token}, follow_redirects=True)
    assert "Only a candidate theme can be dismissed" in again.text
    with app.app_context():
        assert not db.session.get(Theme, first_id).candidate
        assert db.session.get(Theme, second_id).dismissed


def test_the_plan_page_summarises_statuses_per_area_and_overall(app, client, login, demo):
    with app.app_context():  # an area with an action and no measure yet: one row in the summary
        plan = db.session.get(Plan, 1)
        plan.areas.append(Area(reference="6", position=6, title="Transitions to adult services"))
        plan.areas[-1].actions.append(Action(reference="6.1", description="Map the transitions pathway"))
        db.session.commit()
    login(Role.STAFF)
    page = client.get("/plans/1").text
    assert "All areas" in page and "Not rated" in page
    summary = page[page.index('id="summary"') : page.index('aria-label="Areas of the plan"')]
    rows = summary.count('<td class="govuk-table__cell">Actions</td>'), summary.count(">Measures</td>")
    assert rows == (7, 6)  # 6 areas and all of them; the new area has no measures
    # An area's title heads both its rows, actions and measures, from one cell: the table is half as long.
    # On a phone only "Area 6" shows, so that the statuses fit beside it; the area's section has the title.
    headers = re.findall(
        r'<th scope="row" class="govuk-table__header"( rowspan="2")?>([^<]*)'
        r'(?:<span class="app-wide-only">([^<]*)</span>)?</th>',
        summary,
    )
    spans = {name + title: rowspan for rowspan, name, title in headers}
    assert len(headers) == len(spans) == 7
    assert spans.pop("Area 6: Transitions to adult services") == ""
    assert spans.pop("All areas") == ' rowspan="2"'
    assert '>Area 6<span class="app-wide-only">: Transitions to adult services</span></th>' in summary
    assert set(spans.values()) == {' rowspan="2"'}


def _comments(app, survey_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Answer)
            .join(Question)
            .where(Question.survey_id == survey_id, Question.kind == QuestionKind.FREE_TEXT)
        )


def _tell_the_box(client, said: str) -> None:
    """Answer no in the Local Offer box, saying ``said`` under it."""
    page = client.get("/w/local-offer-feedback").text
    key = re.search(r'name="entry_key" value="([^"]+)"', page).group(1)
    client.post("/w/local-offer-feedback", data={"answer": "no", "entry_key": key, "details": said})


def test_staff_read_a_surveys_comments_redacted_newest_first(app, client, login, demo):
    widget_id = _id(app, Survey, slug="local-offer-feedback")
    _tell_the_box(client, "Short breaks in the summer holidays. Please call me on 07700 900123.")
    assert client.get(f"/surveys/{widget_id}/comments").status_code == 302  # staff only

    login(Role.STAFF)
    assert f'href="/surveys/{widget_id}/comments">Comments</a>' in client.get(f"/surveys/{widget_id}").text
    page = " ".join(client.get(f"/surveys/{widget_id}/comments").text.split())
    written = _comments(app, widget_id)
    assert f"{written:,} comments, newest first." in page and "Page 1 of" not in page  # one page
    first = page.index("<blockquote")
    assert page.index("“Short breaks in the summer holidays. Please call me on [phone].”") < page.index(
        "<blockquote", first + 1
    )
    assert "07700" not in page and "Not read by the analyser yet. Redacted: phone." in page

    _analysed(app)
    page = " ".join(client.get(f"/surveys/{widget_id}/comments").text.split())
    assert "Not read by the analyser yet" not in page
    assert re.search(
        r"(Negative|Neutral|Positive)\. Themes: [^<]*Short breaks and respite[^<]*\. Redacted: phone\.", page
    )


def test_a_surveys_comments_come_a_page_at_a_time(app, client, login, demo):
    login(Role.STAFF)
    survey_id = _id(app, Survey, slug="live-feedback")
    pages = -(-_comments(app, survey_id) // analysis.COMMENTS_A_PAGE)
    assert pages > 2
    first = client.get(f"/surveys/{survey_id}/comments").text
    assert first.count("<blockquote") == analysis.COMMENTS_A_PAGE and f"Page 1 of {pages}" in first
    assert f"/surveys/{survey_id}/comments?page=2" in first
    second = client.get(f"/surveys/{survey_id}/comments?page=2").text
    dates = re.compile(r'<p class="govuk-body-s govuk-!-margin-bottom-1">(\d+ \w+ \d{4})')
    on_first, on_second = dates.findall(first), dates.findall(second)
    newest_first = [datetime.strptime(d, "%d %B %Y").replace(tzinfo=UTC) for d in on_first + on_second]
    assert len(on_second) == analysis.COMMENTS_A_PAGE and newest_first == sorted(newest_first, reverse=True)
    assert f"Page {pages} of {pages}" in client.get(f"/surveys/{survey_id}/comments?page=99999").text
    assert f"Page 1 of {pages}" in client.get(f"/surveys/{survey_id}/comments?page=x").text


def test_a_survey_without_comments_says_so(app, client, login, demo):
    widget_id = _id(app, Survey, slug="local-offer-feedback")
    with app.app_context():
        db.session.scalar(sa.select(Survey).where(Survey.id == widget_id)).questions[
            1
        ].kind = QuestionKind.NUMBER
        db.session.commit()
    login(Role.STAFF)
    assert f"/surveys/{widget_id}/comments" not in client.get(f"/surveys/{widget_id}").text
    page = client.get(f"/surveys/{widget_id}/comments")
    assert page.status_code == 200 and "Nobody has written a comment in this survey yet." in page.text


def test_a_surveys_comments_can_be_narrowed_to_a_theme(app, client, login, demo):
    _analysed(app)
    login(Role.STAFF)
    survey_id = _id(app, Survey, slug="live-feedback")
    theme_id = _id(app, Theme, slug="waiting-times")
    with app.app_context():
        on_theme = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(comment_theme)
            .join(Answer, Answer.id == comment_theme.c.answer_id)
            .join(Question)
            .where(comment_theme.c.theme_id == theme_id, Question.survey_id == survey_id)
        )
    assert analysis.COMMENTS_A_PAGE < on_theme < _comments(app, survey_id)
    theme_page = client.get(f"/themes/{theme_id}").text  # leads to them, survey by survey
    link = f'href="/surveys/{survey_id}/comments?theme={theme_id}">Tell us how it feels</a> ({on_theme:,})'
    assert link in theme_page
    page = client.get(f"/surveys/{survey_id}/comments?theme={theme_id}").text
    assert f"{on_theme:,} comments on “Waiting times”, newest first." in page
    assert f'<option value="{theme_id}" selected>Waiting times</option>' in page
    shown = re.findall(r"Themes: ([^.<]*)\.", page)
    assert shown and all("Waiting times" in themes for themes in shown)
    assert f"/surveys/{survey_id}/comments?page=2&amp;theme={theme_id}" in page  # the next page keeps it
    unknown = client.get(f"/surveys/{survey_id}/comments?theme=999999").text  # as good as none
    assert f"{_comments(app, survey_id):,} comments, newest first." in unknown
    with app.app_context():  # a theme put out of use: not one to filter by, until its comments are read again
        db.session.get(Theme, theme_id).dismissed = True
        db.session.commit()
    assert "/comments?theme=" not in client.get(f"/themes/{theme_id}").text
    assert (
        f"{_comments(app, survey_id):,} comments, newest first."
        in client.get(f"/surveys/{survey_id}/comments?theme={theme_id}").text
    )


def test_a_candidate_themes_page_shows_what_it_would_match_before_anyone_decides(app, client, login, demo):
    """A coordinator deciding on "Speech therapy" reads what families wrote with it first: the analyser
    matches nothing against a candidate, so its page looks for the comments it would match."""
    _analysed(app)
    login(Role.COORDINATOR)
    with app.app_context():
        candidate = db.session.scalar(
            sa.select(Theme).where(Theme.candidate.is_(True), Theme.dismissed.is_(False)).order_by(Theme.id)
        )
        theme_id, phrase = candidate.id, candidate.keywords
        used = db.session.scalar(sa.select(NounChunk.comments).where(NounChunk.phrase == phrase))
        assert not db.session.scalar(
            sa.select(comment_theme.c.answer_id).where(comment_theme.c.theme_id == theme_id)
        )

    index = " ".join(client.get("/themes").text.split())
    row = f'<a class="govuk-link" href="/themes/{theme_id}">{candidate.name}</a></dt>'
    assert row + f' <dd class="govuk-summary-list__value">In {used:,} comments</dd>' in index
    page = client.get(f"/themes/{theme_id}").text
    quotes = [
        html.unescape(q)
        for q in re.findall(r'<blockquote class="app-quote">\s*<p class="govuk-body">“(.*?)”', page)
    ]
    assert quotes and all(phrase.split()[0] in quote.lower() for quote in quotes), (phrase, quotes)
    assert f"The analyser found this phrase in {used:,} comments" in page
    assert f"/themes/{theme_id}/accept" in page and f"/themes/{theme_id}/dismiss" in page
    assert "Trend by" not in page  # nothing is counted under it until it is accepted

    token = csrf_token_from(page)
    assert client.post(f"/themes/{theme_id}/dismiss", data={"csrf_token": token}).status_code == 302
    dismissed = " ".join(client.get(f"/themes/{theme_id}").text.split())  # Back, after dismissing it here
    assert "Dismissed candidate theme" in dismissed and "so it is not offered again" in dismissed
    assert '<blockquote class="app-quote">' in dismissed and "Trend by" not in dismissed
    assert f"/themes/{theme_id}/accept" in dismissed and f"/themes/{theme_id}/dismiss" not in dismissed

    login(Role.STAFF)
    assert "/accept" not in client.get(f"/themes/{theme_id}").text  # staff read; coordinators decide


def _downloaded(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="comments-')
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_staff_download_a_surveys_comments_redacted_as_a_spreadsheet(app, client, login, demo, monkeypatch):
    """For a board paper: the comments as the page shows them, narrowed to a theme if one is chosen,
    every cell inert in a spreadsheet."""
    widget_id = _id(app, Survey, slug="local-offer-feedback")
    _tell_the_box(client, '=HYPERLINK("x") Short breaks, please. Call me on 07700 900123.')
    assert client.get(f"/surveys/{widget_id}/comments.csv").status_code == 302  # staff only

    login(Role.STAFF)
    page = client.get(f"/surveys/{widget_id}/comments").text
    assert f'href="/surveys/{widget_id}/comments.csv" download>Download these comments as' in page
    rows = _downloaded(client.get(f"/surveys/{widget_id}/comments.csv"))
    assert len(rows) == _comments(app, widget_id)
    newest = rows[0]
    assert newest["Comment"] == '\'=HYPERLINK("x") Short breaks, please. Call me on [phone].'  # inert
    assert newest["Taken out"] == "phone" and newest["Tone"] == "Not read yet" and newest["Themes"] == ""
    assert newest["Question"] == "If not, what were you looking for?"
    assert newest["Submitted"].startswith(clock.uk_time(datetime.now(UTC), "%Y-%m-%d "))  # in UK time

    _analysed(app)
    survey_id = _id(app, Survey, slug="live-feedback")
    theme_id = _id(app, Theme, slug="waiting-times")
    everything = _downloaded(client.get(f"/surveys/{survey_id}/comments.csv"))
    assert len(everything) == _comments(app, survey_id) and all(
        row["Tone"] != "Not read yet" for row in everything
    )
    dates = [row["Submitted"] for row in everything]
    assert dates == sorted(dates, reverse=True)  # newest first, as on the page
    on_theme = _downloaded(client.get(f"/surveys/{survey_id}/comments.csv?theme={theme_id}"))
    assert 0 < len(on_theme) < len(everything) and all("Waiting times" in row["Themes"] for row in on_theme)

    monkeypatch.setattr(analysis, "COMMENTS_DOWNLOADED", 10)  # more than a download holds: the newest
    page = " ".join(client.get(f"/surveys/{survey_id}/comments").text.split())
    assert "Download the newest 10 comments of these as a spreadsheet (CSV)" in page
    assert _downloaded(client.get(f"/surveys/{survey_id}/comments.csv")) == everything[:10]

"""An admin answers a subject access or erasure request in the browser, as the commands do."""

from __future__ import annotations

import json

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import (
    Answer,
    Case,
    CaseContact,
    Question,
    QuestionKind,
    Response,
    ResponseContact,
    Role,
)

from ..conftest import csrf_token_from


def _someone(app) -> tuple[int, int]:
    """A response and a case where Jo Bloggs left their details; their ids."""
    with app.app_context():
        response = db.session.scalar(sa.select(Response).order_by(Response.id.desc()).limit(1))
        response.district = "Warwick"
        db.session.add(ResponseContact(response_id=response.id, name="Jo Bloggs", email="jo@example.org"))
        case = db.session.scalar(sa.select(Case).order_by(Case.id).limit(1))
        case.contact = CaseContact(name="Jo Bloggs", phone="07700 900461")
        case.summary = "Mrs Bloggs says the plan for Oliver is late."
        db.session.commit()
        return response.id, case.id


def test_only_admins_reach_it_and_the_person_never_sits_in_a_url(client, login, demo):
    assert client.get("/data-protection").status_code == 302
    login(Role.COORDINATOR)
    assert client.get("/data-protection").status_code == 403
    login(Role.ADMIN)
    page = client.get("/data-protection").text
    assert 'method="post"' in page and "Find what we hold about someone" in page


def test_an_admin_finds_downloads_and_erases_what_we_hold(app, client, login, demo):
    response_id, case_id = _someone(app)
    login(Role.ADMIN)
    token = csrf_token_from(client.get("/data-protection").text)
    person = {"csrf_token": token, "email": "JO@example.org", "phone": "07700900461"}
    found = " ".join(client.post("/data-protection", data=person).text.split())
    with app.app_context():
        reference = db.session.get(Case, case_id).reference
    assert "1 where they asked for a reply" in found and reference in found

    download = client.post("/data-protection/export", data=person)
    assert download.headers["Content-Disposition"] == 'attachment; filename="subject-access.json"'
    held = json.loads(download.text)
    assert held["survey_responses"][0]["profile"]["district"] == "Warwick"
    assert held["cases"][0]["contact"]["phone"] == "07700 900461"

    refused = client.post("/data-protection/erase", data=person)
    assert refused.status_code == 400 and "Confirm that you have checked the request" in refused.text
    assert "<title>Error: What we hold about them" in refused.text
    with app.app_context():
        assert db.session.get(Case, case_id).contact is not None  # nothing changed

    erased = client.post("/data-protection/erase", data={**person, "confirmed": "y"}, follow_redirects=True)
    assert f"Erased their details from 1 survey response and 1 case: {reference}." in erased.text
    assert "and names come out of their comments and of the cases' text" in found
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseContact)) == 0
        assert db.session.get(Response, response_id).district is None
        case = db.session.get(Case, case_id)
        assert case.contact is None and "Oliver" not in case.summary


def test_looking_for_nobody_gets_a_message_beside_the_field(client, login, demo):
    login(Role.ADMIN)
    token = csrf_token_from(client.get("/data-protection").text)
    for data in ({}, {"email": "  ", "phone": "no digits"}):
        refused = client.post("/data-protection", data={"csrf_token": token, **data})
        assert refused.status_code == 400
        assert "Enter the email address or the phone number they gave" in refused.text
    only_email = client.post("/data-protection", data={"csrf_token": token, "email": "nobody@example.org"})
    assert only_email.status_code == 200 and "0 where they asked for a reply" in only_email.text
    too_long = client.post("/data-protection", data={"csrf_token": token, "email": "a" * 300})
    assert too_long.status_code == 400 and "Email address must be 254 characters or fewer" in too_long.text
    assert client.post("/data-protection/export", data={"csrf_token": token}).status_code == 400


def test_erasing_deletes_their_comments_whole_when_the_council_says_so(app, client, login, demo):
    app.config["FORGOTTEN_COMMENTS"] = "delete"
    with app.app_context():
        comment = db.session.scalar(
            sa.select(Answer).join(Question).where(Question.kind == QuestionKind.FREE_TEXT).limit(1)
        )
        response_id = comment.response_id
        db.session.add(ResponseContact(response_id=response_id, name="Jo Bloggs", email="jo@example.org"))
        db.session.commit()
    login(Role.ADMIN)
    token = csrf_token_from(client.get("/data-protection").text)
    found = " ".join(
        client.post("/data-protection", data={"csrf_token": token, "email": "jo@example.org"}).text.split()
    )
    assert "their comments are deleted, and names come out of the cases' text" in found
    person = {"csrf_token": token, "email": "jo@example.org", "confirmed": "y"}
    assert client.post("/data-protection/erase", data=person).status_code == 302
    with app.app_context():
        answers = db.session.get(Response, response_id).answers
        assert [a.text for a in answers if a.text is not None] == [""]

"""A family who asks for a reply is on the staff's list until someone records that they replied."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import Response, ResponseContact, Role
from feedback.services import replies
from feedback.services.working_days import add_working_days

from ..conftest import csrf_token_from
from .test_respond import PAGES, base_of, start


def _ask_for_a_reply(client, name: str, email: str) -> str:
    """The confirmation page's address."""
    base = base_of(start(client))
    pages = [*PAGES[:2], {"q_comment": "Nobody has answered my emails about transport."}, PAGES[3]]
    for number, page in enumerate(pages, start=1):
        client.post(f"{base}/{number}", data=page)
    done = client.post(f"{base}/5", data={"wants_reply": "yes", "name": name, "email": email})
    promise = "You asked for a reply: we will contact you within 10 working days."
    assert promise in client.get(done.location).text
    return done.location


def test_staff_see_who_is_waiting_and_record_a_reply_once(app, client, login, demo):
    done = _ask_for_a_reply(client, "Jo Bloggs", "jo@example.org")
    assert client.get("/replies").status_code == 302  # families never see it
    email = login(Role.STAFF)
    waiting = client.get("/replies").text
    reply_by = add_working_days(clock.today(), 10)
    assert f"Reply by {reply_by:%-d %B %Y}" in waiting and "Waiting for a reply (1)" in waiting
    assert "Jo Bloggs" in waiting and 'href="mailto:jo%40example.org"' in waiting
    assert "Nobody has answered my emails about transport." in waiting
    with app.app_context():
        contact_id = db.session.scalar(sa.select(ResponseContact.id))

    token = csrf_token_from(waiting)
    marked = client.post(f"/replies/{contact_id}/replied", data={"csrf_token": token}, follow_redirects=True)
    assert "Recorded that you replied to Jo Bloggs (jo@example.org)." in marked.text
    assert "Nobody is waiting for a reply." in marked.text and "Waiting for a reply (0)" in marked.text
    assert "You asked for a reply" not in client.get(done).text  # the promise is kept: it is not made again
    answered = client.get("/replies?show=replied").text
    assert f"Replied {clock.today():%-d %B %Y} by {email}" in answered and "Jo Bloggs" in answered

    login(Role.STAFF)  # a colleague who tries to record it again changes nothing
    again = client.post(f"/replies/{contact_id}/replied", data={"csrf_token": token}, follow_redirects=True)
    assert f"{email} had already recorded a reply to Jo Bloggs" in again.text
    with app.app_context():
        assert replies.requests(db.session, replied=True)[0].replied_by == email


def test_a_request_that_is_gone_or_a_post_without_a_token_changes_nothing(app, client, login, demo):
    _ask_for_a_reply(client, "Sam", "sam@example.org")
    login(Role.STAFF)
    token = csrf_token_from(client.get("/replies").text)
    assert client.post("/replies/999999/replied", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        contact_id = db.session.scalar(sa.select(ResponseContact.id))
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(f"/replies/{contact_id}/replied")
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(ResponseContact, contact_id).replied_at is None


def test_a_long_list_says_it_shows_the_longest_waiting(app, client, login, demo, monkeypatch):
    with app.app_context():
        for response_id in db.session.scalars(sa.select(Response.id).order_by(Response.id).limit(3)):
            db.session.add(ResponseContact(response_id=response_id, phone="07700 900461"))
        db.session.commit()
    monkeypatch.setattr(replies, "requests", functools.partial(replies.requests, limit=2))
    login(Role.STAFF)
    page = client.get("/replies").text
    assert "Waiting for a reply (3)" in page and "Showing the 2 who have waited longest." in page


def test_what_a_family_typed_is_shown_as_text_never_as_markup(app, client, login, demo):
    with app.app_context():
        response_id = db.session.scalar(sa.select(Response.id).order_by(Response.id.desc()).limit(1))
        db.session.add(
            ResponseContact(
                response_id=response_id, name="<script>alert(1)</script>", email='x"><b>@example.org'
            )
        )
        db.session.commit()
    login(Role.STAFF)
    page = client.get("/replies").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '"><b>' not in page and 'href="mailto:x%22%3E%3Cb%3E%40example.org"' in page

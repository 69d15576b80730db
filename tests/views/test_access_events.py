"""Every page that shows a family's contact details records who saw them first, and the subject access
export says who, when and where (OWASP ASVS 8.3.5)."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace

import sqlalchemy as sa

from feedback import clock
from feedback.database import SQLITE_PRAGMAS
from feedback.extensions import db
from feedback.models import AccessEvent, Case, Role
from feedback.services import cases, users

from ..conftest import PASSWORD, csrf_token_from
from .test_data_protection_pages import _someone
from .test_respond import sqlite_demo_app  # noqa: F401 - a fixture this module's last test uses


def _events(app) -> list[tuple[str, int, str, str]]:
    with app.app_context():
        return [
            (e.subject_type, e.subject_id, e.page, e.actor)
            for e in db.session.scalars(sa.select(AccessEvent).order_by(AccessEvent.id))
        ]


def test_each_page_that_shows_a_familys_details_records_who_was_shown_them(app, client, login, demo):
    response_id, case_id = _someone(app)
    with app.app_context():
        other_case = db.session.scalar(sa.select(Case.id).where(~Case.contact.has()).limit(1))
    staff = login(Role.COORDINATOR)
    assert "Jo Bloggs" in client.get(f"/cases/{case_id}").text
    assert "07700 900461" in client.get(f"/cases/{case_id}/edit").text
    assert "jo@example.org" in client.get("/replies").text
    assert "07700 900461" in client.get("/cases/export.csv?contacts=1").text
    assert client.get("/cases/export.csv").status_code == 200  # no details in it: nothing to record
    assert client.get(f"/cases/{other_case}").status_code == 200  # no details on it either
    assert _events(app) == [
        ("case", case_id, "cases.show", staff),
        ("case", case_id, "cases.edit", staff),
        ("response", response_id, "replies.index", staff),
        ("case", case_id, "cases.export", staff),
    ]
    with app.app_context():
        row = db.session.scalars(sa.select(AccessEvent)).first()
        kept = [getattr(row, column.key) for column in AccessEvent.__table__.columns]
    assert not any("Jo Bloggs" in str(value) or "07700" in str(value) for value in kept)

    admin = login(Role.ADMIN)
    token = csrf_token_from(client.get("/data-protection").text)
    person = {"csrf_token": token, "email": "jo@example.org", "phone": "07700900461"}
    found = " ".join(client.post("/data-protection", data=person).text.split())
    assert re.search(r"Shown to staff </dt> <dd [^>]*> 6 times, counting this search </dd>", found)
    held = json.loads(client.post("/data-protection/export", data=person).text)
    assert [(seen["who"], seen["where"]) for seen in held["cases"][0]["seen_by"]] == [
        (staff, "the case's page"),
        (staff, "the form to change the case"),
        (staff, "a spreadsheet of cases with the families' details"),
        (admin, "a data protection search"),
        (admin, "a subject access export"),
    ]
    assert [(seen["who"], seen["where"]) for seen in held["survey_responses"][0]["seen_by"]] == [
        (staff, "the list of replies families asked for"),
        (admin, "a data protection search"),
        (admin, "a subject access export"),
    ]


def test_details_that_cannot_be_recorded_as_seen_are_not_shown(sqlite_demo_app, monkeypatch):  # noqa: F811
    """On SQLite, with the write lock held past the busy timeout by another writer, the case page says
    the service is busy instead of showing the family's details unrecorded."""
    app, path = sqlite_demo_app
    app.config["SESSION_COOKIE_SECURE"] = False
    _, case_id = _someone(app)
    with app.app_context():
        users.create_user(db.session, "lead@example.org", Role.STAFF, PASSWORD)
        db.session.commit()
        db.engine.dispose()  # connections made from now on give up after 0.1 s
    monkeypatch.setitem(SQLITE_PRAGMAS, "busy_timeout", 100)
    client = app.test_client()
    client.post("/login", data={"email": "lead@example.org", "password": PASSWORD})
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        busy = client.get(f"/cases/{case_id}")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert busy.status_code == 503 and "Jo Bloggs" not in busy.text
    assert _events(app) == []
    assert "Jo Bloggs" in client.get(f"/cases/{case_id}").text
    assert [event[:3] for event in _events(app)] == [("case", case_id, "cases.show")]


def test_a_cases_new_contact_is_told_only_who_was_shown_their_own_details(app, client, login, demo):
    """When a case's contact changes to someone else (the other parent takes the complaint on), who was
    shown the first person's details is not the new contact's to know. New details that keep the name,
    email address or phone number are still the same person's."""
    _, case_id = _someone(app)

    def contact_becomes(**details) -> None:
        with app.app_context():
            case = db.session.get(Case, case_id)
            kept = cases.CaseDetails(case.kind, case.received_on, case.reference, case.summary, case.learning)
            cases.save_case(db.session, case, replace(kept, contact=cases.Contact(**details)), clock.today())
            db.session.commit()

    def export(**person) -> list[tuple[str, str]]:
        """Who the subject access export says was shown this person's case details, and where; the
        export is made by a new admin, and records itself last."""
        admin = login(Role.ADMIN)
        token = csrf_token_from(client.get("/data-protection").text)
        held = json.loads(client.post("/data-protection/export", data={"csrf_token": token, **person}).text)
        seen = [(event["who"], event["where"]) for case in held["cases"] for event in case["seen_by"]]
        assert not held["cases"] or seen[-1] == (admin, "a subject access export")
        return seen[:-1]

    first = login(Role.COORDINATOR)
    client.get(f"/cases/{case_id}")
    contact_becomes(name=" jo  BLOGGS ", phone="07700900461")  # written differently
    second = login(Role.COORDINATOR)
    client.get(f"/cases/{case_id}")
    contact_becomes(name="Jo Bloggs", email="jo@example.net")  # her new email address instead of her phone
    assert export(email="jo@example.net") == [(first, "the case's page"), (second, "the case's page")]

    contact_becomes(name="Sam Bloggs", email="sam@example.org", phone="07700 900999")
    third = login(Role.COORDINATOR)
    assert "Sam Bloggs" in client.get(f"/cases/{case_id}").text
    assert export(email="sam@example.org") == [(third, "the case's page")]
    assert export(email="jo@example.net") == []  # Jo's details are no longer held

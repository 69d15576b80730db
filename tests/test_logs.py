"""No personal data in the logs: not from the pages families and staff use, and not from an error whose
database message would carry the row's values."""

from __future__ import annotations

import logging
import sqlite3

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from feedback import create_app
from feedback.extensions import db

EMAIL, PHONE, NAME = "jo.bloggs@example.org", "07700 900461", "Oliver Bloggs"


def test_a_reply_request_a_case_and_a_failed_sign_in_leave_nothing_personal_in_the_logs(
    app, client, login, demo, caplog
):
    caplog.set_level(logging.DEBUG)
    client.post("/login", data={"email": EMAIL, "password": "wrong wrong wrong"})
    client.post(
        "/s/live-feedback/responses",
        json={
            "idempotency_key": "logs-test-0001",
            "answers": {"heard": "agree", "comment": f"Call {NAME} on {PHONE}"},
            "contact": {"name": NAME, "email": EMAIL, "phone": PHONE},
        },
    )
    login()
    client.post(
        "/cases/new",
        data={
            "kind": "complaint",
            "received_on": ["3", "6", "2024"],
            "summary": f"{NAME}'s plan",
            "contact_name": NAME,
            "contact_email": EMAIL,
            "contact_phone": PHONE,
        },
    )
    logged = caplog.text
    assert EMAIL not in logged and PHONE not in logged and NAME not in logged


def test_an_unexpected_database_error_is_logged_without_the_rows_values(tmp_path, caplog):
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'logs.sqlite3'}"})

    @app.get("/boom")
    def boom():
        db.session.execute(
            sa.text("INSERT INTO user (id, email) VALUES (:id, :email)"), {"id": 1, "email": EMAIL}
        )
        return "not reached"

    boom.access = "public"
    with app.app_context():
        db.create_all()
    caplog.set_level(logging.DEBUG)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Unhandled error" in caplog.text and "IntegrityError" in caplog.text  # the error itself is there
    assert EMAIL not in caplog.text


def test_a_busy_database_is_logged_by_the_page_not_its_address(tmp_path, caplog):
    """A survey page's address holds the family's resume token, which opens their unsent answers."""
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'logs.sqlite3'}"})

    @app.get("/s/<slug>/<token>/busy")
    def busy(slug, token):
        locked = sqlite3.OperationalError("database is locked")
        locked.sqlite_errorcode = sqlite3.SQLITE_BUSY
        raise OperationalError("BEGIN IMMEDIATE", {}, locked)

    busy.access = "public"
    caplog.set_level(logging.DEBUG)
    response = app.test_client().get("/s/live-feedback/SECRET-RESUME-TOKEN/busy")
    assert response.status_code == 503
    assert "write lock: GET /s/<slug>/<token>/busy" in caplog.text
    assert "SECRET-RESUME-TOKEN" not in caplog.text

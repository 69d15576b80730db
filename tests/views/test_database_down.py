"""The database out of reach (PostgreSQL restarting, its host down, a disk gone) is no fault of the
request: every page says to try again in a few minutes with a 503, never a 500, a page's script that queued
a survey is told in JSON to send it again, and a monitor's health check sees 503."""

from __future__ import annotations

import logging
import sqlite3

import pytest
import sqlalchemy as sa
from flask import flash, get_flashed_messages
from sqlalchemy import event

from feedback import create_app
from feedback.extensions import csrf, db
from feedback.models import Case, Role
from tests.views.test_respond import count_new_responses


class Outage:
    """The database taken away and given back: its pool's connections are closed, as a restart closes
    them, and every new one is refused until it is back."""

    def __init__(self, app) -> None:
        self.app = app

    @staticmethod
    def _refuse(dialect, record, arguments, options):
        # For SQLite, the database's folder gone, or unreadable.
        raise _driver_error(
            dialect,
            ("unable to open database file", sqlite3.SQLITE_CANTOPEN),
            "connection failed: Connection refused",
        )

    def __call__(self) -> None:
        self.app.testing = False  # an exception past the view is then answered as in production, not raised
        with self.app.app_context():
            db.engine.dispose()
            event.listen(db.engine, "do_connect", self._refuse)

    def end(self) -> None:
        with self.app.app_context():
            if event.contains(db.engine, "do_connect", self._refuse):
                event.remove(db.engine, "do_connect", self._refuse)


@pytest.fixture
def database_down(app):
    """Call it to take the database away; its ``end`` gives it back."""
    outage = Outage(app)
    yield outage
    outage.end()


def test_a_family_is_told_to_try_again_later(app, client, demo, database_down, caplog):
    database_down()

    page = client.get("/s/live-feedback")

    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "Sorry, the service is unavailable" in page.text and "Try again in a few minutes" in page.text
    assert "cannot be used" not in page.text  # the log's words stay in the log
    assert "The database cannot be used: GET /s/<slug>" in caplog.text
    assert "unable to open database file" in caplog.text or "Connection refused" in caplog.text


def test_a_queued_survey_is_told_in_json_to_send_it_again(app, client, demo, database_down):
    database_down()
    body = {"idempotency_key": "d" * 20, "answers": {"heard": "agree"}}

    sent = client.post("/s/live-feedback/responses", json=body)

    assert sent.status_code == 503 and sent.headers["Retry-After"] == "60"
    assert "send the same request again" in sent.json["errors"]["busy"]


def test_a_signed_in_member_of_staff_gets_the_same_page(app, client, demo, login, database_down):
    """Their session's user is looked up in the database too, on the page and again on the error page."""
    login(Role.COORDINATOR)
    database_down()

    page = client.get("/home")

    assert page.status_code == 503 and "Sorry, the service is unavailable" in page.text


def test_the_health_check_says_the_database_is_unavailable_in_a_line(app, client, database_down, caplog):
    assert client.get("/healthz").json == {"status": "ok"}
    database_down()
    caplog.set_level(logging.WARNING)

    checked = client.get("/healthz")

    assert checked.status_code == 503 and checked.json == {"status": "database unavailable"}
    assert "Health check: the database cannot be reached" in caplog.text
    assert "Traceback" not in caplog.text


def test_nothing_is_stored_twice_once_it_is_back(app, client, demo, database_down):
    """The queued survey sent again once the database is back is stored once."""
    body = {"idempotency_key": "b" * 20, "answers": {"heard": "agree"}}
    first = client.post("/s/live-feedback/responses", json=body)
    database_down()
    assert client.post("/s/live-feedback/responses", json=body).status_code == 503
    database_down.end()
    again = client.post("/s/live-feedback/responses", json=body)
    assert again.status_code == 200 and again.json == {"id": first.json["id"], "created": False}
    assert count_new_responses(app) == 1


def test_a_statement_the_database_cannot_run_is_a_fault_of_ours_not_an_outage(app, client, caplog):
    """SQLite calls a statement it cannot run an OperationalError too: it is a 500, not a 503 that would
    have a client send it again and again."""
    app.testing = False

    @app.get("/broken")
    def broken():
        db.session.execute(sa.text("SELECT no_such_column FROM survey"))
        return "not reached"

    broken.access = "public"

    page = client.get("/broken")

    assert page.status_code == 500 and "Retry-After" not in page.headers
    assert "Unhandled error" in caplog.text


def _driver_error(dialect, sqlite: tuple[str, int], other: str) -> Exception:
    """The OperationalError the dialect's driver raises: SQLite's with its result code, which the app
    reads, or PostgreSQL's with its message."""
    if dialect.name == "sqlite":
        message, code = sqlite
        error = sqlite3.OperationalError(message)
        error.sqlite_errorcode = code
        return error
    return dialect.loaded_dbapi.OperationalError(other)


def _lost(dialect) -> Exception:
    """What the driver raises when the connection goes while it waits for COMMIT's answer."""
    return _driver_error(
        dialect, ("disk I/O error", sqlite3.SQLITE_IOERR), "server closed the connection unexpectedly"
    )


def test_a_form_whose_commit_went_unanswered_may_have_been_saved(app, client, login, monkeypatch, caplog):
    """The commit reached the database and its answer never came back: the page must not say that nothing
    was saved, or a case officer enters the case again."""
    login(Role.STAFF)
    app.testing = False
    with app.app_context():
        engine = db.engine
    dialect = engine.dialect
    commit = dialect.do_commit
    gone = []

    def saved_but_unanswered(dbapi_connection) -> None:
        commit(dbapi_connection)
        gone.append(True)
        raise _lost(dialect)

    def nothing_more(*args) -> None:  # the page that says so asks the database nothing: it is gone
        if gone:
            raise RuntimeError("asked the database after it went")

    monkeypatch.setattr(dialect, "do_commit", saved_but_unanswered)
    event.listen(engine, "before_cursor_execute", nothing_more)
    sent = client.post(
        "/cases/new", data={"kind": "complaint", "received_on": ["3", "6", "2024"], "summary": "Lost answer."}
    )
    event.remove(engine, "before_cursor_execute", nothing_more)
    monkeypatch.undo()

    assert sent.status_code == 503 and sent.headers["Retry-After"] == "60"
    assert "Your changes may not have been saved" in sent.text  # not "answers": those are a family's
    assert "Nothing you entered was saved" not in sent.text
    # The view's "Case ... saved." is not shown above it, nor on the next page.
    assert "COM-2024-0001 saved" not in sent.text and "COM-2024-0001 saved" not in client.get("/cases").text
    assert "POST /cases/new" in caplog.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


@pytest.mark.parametrize(
    ("refusal", "code"),
    [("database is locked", sqlite3.SQLITE_BUSY), ("database or disk is full", sqlite3.SQLITE_FULL)],
)
def test_a_saved_message_is_taken_back_when_the_database_refuses_after_it(tmp_path, refusal, code):
    """A view says "saved" before the request's database work is done; when the database then refuses
    (its write lock held too long, its disk full), the message is shown neither above the page that says
    so nor on the next one. SQLite's own errors, on a SQLite app of the test's own, whatever the suite's
    database."""
    app = create_app(
        {"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'refused.sqlite3'}"}
    )

    @app.post("/cases/refused")
    def refused():
        flash("Case COM-2024-0001 saved.", "success")
        flash("Check the family's address.", "warning")  # not a claim that anything was saved: shown
        error = sqlite3.OperationalError(refusal)
        error.sqlite_errorcode = code
        raise sa.exc.OperationalError("COMMIT", {}, error)

    @app.get("/cases/said")
    def said():
        return {"messages": get_flashed_messages()}

    refused.access = said.access = "public"
    csrf.exempt(refused)
    client = app.test_client()
    page = client.post("/cases/refused")
    assert page.status_code == 503 and "COM-2024-0001 saved" not in page.text
    assert "Check the family&#39;s address." in page.text
    assert client.get("/cases/said").json == {"messages": []}  # nor is it left for the next page

"""Error pages a person can act on; never a stack trace, never a bare 400."""

from __future__ import annotations

from flask import Flask, g, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ..database import CommitUnanswered, NotOnDisk, is_busy, is_unavailable
from ..extensions import db, login_manager
from . import api
from .access import needs_a_role

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, check what you entered and try again."),
    403: (
        "You cannot see this page",
        "Your account does not have access to it. Ask an administrator if you need it.",
    ),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("That cannot be done here", "Go back and try again from the page you were on."),
    410: (
        "This survey is closed",
        "Thank you for wanting to help. Look out for our next survey on the Local Offer.",
    ),
    413: ("That file is too large", "Files must be smaller than 10 MB."),
    429: (
        "Please wait a few minutes",
        "There have been a lot of requests from your connection. Try again in 10 minutes.",
    ),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered was saved."),
    503: ("The service is busy", "Nothing you entered was saved. Wait a minute, then go back and try again."),
}
RETRY_AFTER_SECONDS = 60
NOT_ON_DISK = (
    "Your answers may not have been saved",
    "The service could not confirm that what you sent was saved. Wait a minute, then go back and check "
    "before you send it again.",
)
NOT_ON_DISK_STAFF_TITLE = "Your changes may not have been saved"  # "answers" are a family's
UNAVAILABLE = (
    "Sorry, the service is unavailable",
    "Try again in a few minutes. Nothing you entered was saved.",
)
UNAVAILABLE_JSON = "The service cannot reach its records just now: send the same request again later."
UNEXPECTED_JSON = "Something went wrong in the service and nothing was stored."
NOT_ON_DISK_JSON = "The service could not finish saving: send the same request again later."
JSON_MESSAGES = {
    400: "The request could not be read.",
    404: "Nothing is at this address.",
    405: "This address does not take that method: the Allow header names the ones it takes.",
    413: "The request is too large: nothing was stored.",
}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
        if error.description and "referrer does not match" in error.description:
            # Over HTTPS, Flask-WTF refuses a form sent from a page whose host is not the request's Host
            # header: behind a proxy that does not pass the header on, every staff form, which only the
            # log can tell the person who set the proxy up.
            app.logger.warning(
                "Refused a form sent to %s from another host than its Host header (%s): behind a proxy,"
                " pass the Host header on (nginx: proxy_set_header Host $host;)",
                _page(),
                request.host,
            )
        return render_template(
            "errors/error.html",
            title="Your page timed out",
            message="For your security, forms expire. Go back, reload the page and try again. "
            "Nothing was saved.",
        ), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        db.session.rollback()
        code = error.code or 500
        # What werkzeug says must go with the status, such as a 405's Allow, goes with our answer too.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        if _wants_json():
            message = JSON_MESSAGES.get(code, error.description or error.name)
            return {"errors": {"request": message}}, code, headers
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        return render_template("errors/error.html", title=title, message=message), code, headers

    @app.errorhandler(OperationalError)
    def _database(error: OperationalError):
        """SQLite's write lock held by another writer for longer than the busy timeout (a long import on
        a busy server) is not a fault: nothing was written, and the same request will work in a moment.
        Nor is a database out of reach (PostgreSQL down or restarting, a full disk): that is logged whole,
        and the person is told to try again later; a page's script that queued a survey keeps it and
        sends it again, as a 503 asks. Any other error is a fault of ours."""
        busy = is_busy(error)
        if not busy and (not is_unavailable(error) or app.testing):
            return _unexpected(error)  # in tests, raised: a test fails on the real exception
        _unsay_saved()
        db.session.rollback()
        if busy:
            app.logger.warning(
                "Gave up waiting for the database's write lock: %s %s", request.method, _page()
            )
            return _try_again_later(*MESSAGES[503])
        app.logger.exception("The database cannot be used: %s %s", request.method, _page())
        if _wants_json():
            return try_again_json(UNAVAILABLE_JSON)
        _as_nobody()
        return _try_again_later(*UNAVAILABLE)

    @app.errorhandler(NotOnDisk)
    def _not_on_disk(error: NotOnDisk):
        """The request's commit could not be flushed to disk (database.py logs it as critical), or the
        database never answered it. A survey sent again is found stored and flushed once more: its key
        keeps it to one response, as a staff form's keeps it to one case (views/once.py)."""
        app.logger.error("Told %s %s to try again: its commit may not be on disk", request.method, _page())
        _unsay_saved()
        if _wants_json():
            return try_again_json(NOT_ON_DISK_JSON)
        title, message = NOT_ON_DISK
        if needs_a_role():
            title = NOT_ON_DISK_STAFF_TITLE
        if isinstance(error, CommitUnanswered):
            _as_nobody()  # the database that did not answer may not answer the page's questions either
        return _try_again_later(title, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        _unsay_saved()
        if app.testing:
            raise error  # a test should fail on the real exception, not on a polite page
        app.logger.exception("Unhandled error")
        if _wants_json():
            return {"errors": {"server": UNEXPECTED_JSON}}, 500
        title, message = MESSAGES[500]
        return render_template("errors/error.html", title=title, message=message), 500


def _wants_json() -> bool:
    """The open data API's readers, and a client that sent JSON (a page's script posting a queued
    survey), read every answer as JSON, a refusal included."""
    return request.is_json or api.is_api(request.path)


def _page() -> str:
    """The page by its route, not its address, for the log: a survey page's address holds a family's
    resume token."""
    return request.url_rule.rule if request.url_rule else "(no page)"


def _unsay_saved() -> None:
    """Take back what the view said it saved ("Case COM-2024-0001 saved."), a message for the next page,
    when the commit after it failed: it would stand above a page that says nothing, or maybe nothing, was
    saved, or on the page after it. Flask keeps the messages waiting to be shown in the session, under
    "_flashes"."""
    flashes = session.get("_flashes")
    if flashes:
        session["_flashes"] = [(category, message) for category, message in flashes if category != "success"]


def _as_nobody() -> None:
    """Show the page as to someone not signed in. Flask-Login looks up the signed-in user for every page
    (its template context), in the database that has just failed, or the user it found has expired with
    the rollback. This page only; the session is kept."""
    g._login_user = login_manager.anonymous_user()


def _try_again_later(title: str, message: str):
    page = render_template("errors/error.html", title=title, message=message)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def try_again_json(message: str):
    """Nothing was stored, or it may not be on disk, and the same request may succeed in a moment."""
    return {"errors": {"busy": message}}, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}

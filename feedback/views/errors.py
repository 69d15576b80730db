"""Error pages a person can act on; never a stack trace, never a bare 400."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db

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
}


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
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
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        return render_template("errors/error.html", title=title, message=message), code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        if app.testing:
            raise error  # a test should fail on the real exception, not on a polite page
        app.logger.exception("Unhandled error")
        title, message = MESSAGES[500]
        return render_template("errors/error.html", title=title, message=message), 500

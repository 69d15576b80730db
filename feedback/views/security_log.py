"""Security events for whoever runs the service: sign-ins and their refusals, sign-outs, password and
second-step changes, and pages refused for want of a role (OWASP ASVS 7.1.3 and 7.2.1).

One line an event on the ``feedback.security`` logger, written to the server's error stream (gunicorn's,
or the terminal's) unless a deployment sends that logger elsewhere::

    ... WARNING in security_log: event=sign_in.refused user=12 address=3f9a0c1b2d4e reason=wrong_password

A refusal is a WARNING, anything else INFO. No email, name or network address is written. Staff are
named by their account id, which an admin turns into a name at /users/<id>. An address is a keyed hash,
the same for the same address, so that attempts from one place can be told from others without saying
where it is. A typed email is never written, even a wrong one: people type their password into the
email box.
"""

from __future__ import annotations

import logging

from flask import Flask, has_request_context

from .guards import client_bucket

_log = logging.getLogger("feedback.security")


def init_app(app: Flask) -> None:
    """Let INFO events through unless the deployment set the logger's level itself, and make sure a
    handler writes them: Flask adds its own to the app's logger, the parent of this one, when first asked."""
    if _log.level == logging.NOTSET:
        _log.setLevel(logging.INFO)
    app.logger  # noqa: B018 - asking for it gives it Flask's handler, if nothing else handles it


def event(name: str, user_id: int | None = None, **details: str) -> None:
    """Something that went as it should: a sign-in, a sign-out, a password changed."""
    _log.info(_line(name, user_id, details))


def refused(name: str, user_id: int | None = None, **details: str) -> None:
    """Something refused: a wrong password or code, a lock, a page the person's role does not open."""
    _log.warning(_line(f"{name}.refused", user_id, details))


def _line(name: str, user_id: int | None, details: dict[str, str]) -> str:
    user = "-" if user_id is None else str(user_id)
    fields = {"event": name, "user": user, "address": _address(), **details}
    return " ".join(f"{key}={value}" for key, value in fields.items())


def _address() -> str:
    if not has_request_context():
        return "-"
    return client_bucket("security-log")[:12]

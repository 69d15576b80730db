"""Checks that run before every request, ahead of anything that reads the database."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from ..extensions import db
from ..services import ratelimit
from ..services.text import CONTROL_CHARACTERS

LIMITED_BLUEPRINTS = {"respond", "widget"}


def refuse_control_characters_in_the_address():
    """A slug or token from the address goes into queries; PostgreSQL refuses NUL in text, so an address
    with control characters in it is simply not found."""
    if CONTROL_CHARACTERS.search(request.path) or any(
        CONTROL_CHARACTERS.search(value) for value in request.args.values()
    ):
        abort(404)


def limit_public_posts():
    """Runs before the request reads anything, so that its own short write transaction never interleaves
    with the request's: on SQLite a request that had already read would be refused its first write once
    another connection had committed."""
    if request.method != "POST" or request.blueprint not in LIMITED_BLUEPRINTS:
        return None
    limit, window = current_app.config["FEEDBACK_PUBLIC_POST_LIMIT"]
    key = ratelimit.bucket(current_app.secret_key, request.remote_addr or "", request.blueprint)
    if ratelimit.hit(db.engine, key, limit, window):
        return None
    return render_template(
        "errors/error.html",
        title="Please wait a few minutes",
        message="We have had a lot of answers from your connection in a short time. "
        "Wait 10 minutes, then go back and continue: the pages you finished are saved.",
    ), 429

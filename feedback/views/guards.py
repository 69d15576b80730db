"""Checks that run before every request, ahead of anything that reads the database."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from sqlalchemy.exc import OperationalError

from ..database import is_busy
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


def counts_its_own_posts(view):
    """Marks a public view that counts its posts itself, in the transaction that stores what it was sent,
    so that a submission costs one commit and not two (views/respond.py, submit_json)."""
    view.counts_its_own_posts = True
    return view


def client_bucket(action: str) -> str:
    """This client's network address as a keyed hash, a different one for each action: what counters and
    the security log keep instead of the address."""
    return ratelimit.bucket(current_app.config["SECRET_KEY"], request.remote_addr or "", action)


def public_post_limit() -> tuple[str, int, int]:
    """This client's bucket for public posts, and the limit and window it is held to."""
    limit, window = current_app.config["FEEDBACK_PUBLIC_POST_LIMIT"]
    return client_bucket(request.blueprint or ""), limit, window


def limit_public_posts():
    """Runs before the request reads anything, so that its own short write transaction never interleaves
    with the request's: on SQLite a request that had already read would be refused its first write once
    another connection had committed."""
    if request.method != "POST" or request.blueprint not in LIMITED_BLUEPRINTS:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "counts_its_own_posts", False):
        return None
    key, limit, window = public_post_limit()
    try:
        if ratelimit.hit(db.engine, key, limit, window):
            return None
    except OperationalError as error:
        if not is_busy(error):
            raise
        # Another writer has kept SQLite's lock past the busy timeout. The post goes on uncounted: nothing
        # can be saved just now, and a survey page then comes back with its answers (views/respond.py).
        return None
    return render_template(
        "errors/error.html",
        title="Please wait a few minutes",
        message=TOO_MANY,
    ), 429


TOO_MANY = (
    "We have had a lot of answers from your connection in a short time. "
    "Wait 10 minutes, then go back and continue: the pages you finished are saved."
)

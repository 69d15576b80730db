"""A form that makes something new, sent twice, makes it once.

A second click on Save while the first is still being saved (on a slow connection the browser gives up
on the first answer and sends the form again), or a post sent again by the browser or a proxy, would
otherwise log one complaint as two cases, which the dashboard then counts twice, or make two drafts of
one entry. The page carries a key issued when it was shown (``EditForm.once``, or the template global
``once_field()`` in a button's form). The first post with the key claims it in the request's transaction
and records where what it made can be seen; both commit with the thing itself. A later post with the key
is taken there, told that nothing more was saved. A post refused for bad input rolls its claim back, so
the corrected form still makes its thing.

A post without a key, or with what no page sends, is handled as before: a page shown before keys were
issued still works, unprotected. Pages that edit something carry no key: saving an edit twice changes
nothing the second time. Back to the form and Save again is caught by the page's script: staff pages are
not stored by the browser (Cache-Control: no-store), so Back fetches the form again, with a new key, and
the browser does not put back a hidden field's value as it puts back what was typed; static/sent-once.js
sends the key the form was sent with before if nothing was changed since. Without JavaScript it is not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import flash, g, redirect, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..extensions import db
from ..services import sent_forms

P = ParamSpec("P")
R = TypeVar("R")
FIELD = "once"
ALREADY_SAVED = "That form was sent twice: what it saved the first time is here, and nothing was saved again."


def makes_once(view: Callable[P, R]) -> Callable[P, R | Response]:
    """For a view that makes something: a post with a key that made something before is taken to it,
    before the form is checked (a second post of a new survey would be told its address is taken);
    otherwise the view runs, and says what it made with ``made``."""

    @wraps(view)
    def once_only(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        key = _key()
        earlier = sent_forms.claim(db.session, current_user.id, key) if key is not None else None
        if earlier is None:
            g.makes_once = True  # its page carries the form's key (plans/_form_page.html)
            g.once_claimed = key  # what ``made`` records against; None without a key
            return view(*args, **kwargs)
        flash(ALREADY_SAVED, "success")
        return redirect(earlier)

    return once_only


def made(address: str) -> str:
    """Where what this post made can be seen: where a second post of the form is taken. Returns
    ``address``, for the view to redirect to."""
    key = g.get("once_claimed")
    if key is not None:
        sent_forms.made(db.session, current_user.id, key, address)
    return address


def hidden_field() -> Markup:
    """The key of a page whose button's own form makes something (a template global, ``once_field()``):
    a form built with EditForm carries its own (``form.once``)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, sent_forms.new_key())


def _key() -> str | None:
    sent = request.form.get(FIELD, "")
    return sent if sent_forms.KEY.fullmatch(sent) else None

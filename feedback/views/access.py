"""Who may see what: every view is either marked public or requires a role; and a record of who was shown
a family's contact details."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request, session
from flask_login import current_user

from ..database import WRITES
from ..extensions import db, login_manager
from ..models import Role, User
from ..services import access_events, sign_ins
from . import security_log

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as open to anyone; the access test refuses any view that is neither this nor role-bound."""
    view.access = "public"  # type: ignore[attr-defined]
    return view


def require_role(role: Role | str) -> Callable[[F], F]:
    needed = Role(role)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(needed):
                page = request.endpoint or "-"
                security_log.refused("page", current_user.id, needs=needed.value, page=page)
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = needed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def needs_a_role() -> bool:
    """Whether the request is for a view that needs a role, not one marked public (or no view at all)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and getattr(view, "access", "public") != "public"


def record_shown(cases: Iterable[int] = (), responses: Iterable[int] = ()) -> None:
    """Record that the signed-in user is about to be shown the contact details of these cases and survey
    responses, before the page shows them. A GET reads in a transaction that takes no write lock (on
    SQLite), so it records in a short transaction of its own. Any other request is already writing, and
    records in that transaction, committed here, so that a form shown again with its errors is recorded
    as well. Either way, if it cannot be recorded, the page is not shown."""
    events = access_events.rows(current_user, request.endpoint or "-", cases, responses)
    if not events:
        return
    if request.method in ("GET", "HEAD"):
        with db.engine.connect() as connection:
            connection.execution_options(**WRITES)
            with connection.begin():
                access_events.insert(connection, events)
    else:
        access_events.insert(db.session, events)
        db.session.commit()


def session_account(session_id: str) -> tuple[int, str] | None:
    """The account id and password mark a session keeps, as User.get_id made them; None if it is not that."""
    user_id, _, mark = str(session_id).partition(":")
    return (int(user_id), mark) if user_id.isdigit() else None


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user, unless an admin has turned the account off, its password has changed since the
    session began (User.get_id), or its sign-in has ended: signed out, ended from another browser, or
    begun before sign-ins were kept (services/sign_ins.py). Any of these ends the session at its next
    request, whoever holds a copy of the cookie."""
    account = session_account(session_id)
    if account is None:
        return None
    user_id, mark = account
    user = db.session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(mark, user.password_mark):
        return None
    if sign_ins.find(db.session, user.id, session.get("sign_in")) is None:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
# A stolen session cookie used from a different browser is refused.
login_manager.session_protection = "strong"

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..forms.auth import LoginForm
from ..models import Role
from ..services import ratelimit, users
from .access import public, require_role

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site; never an absolute or protocol-relative URL from the query string."""
    if not target:
        return url_for("plans.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("plans.index")
    return target


# Wrong passwords for one email address before it is locked, and sign-in attempts from one network
# address, in a window of this many seconds. The lock ends with the window: at most 15 minutes.
FAILURES_BEFORE_LOCK = 5
ATTEMPTS_PER_ADDRESS = 30
LOCK_WINDOW = 15 * 60


def _email_bucket(email: str) -> str:
    return ratelimit.bucket(current_app.secret_key, email.strip().lower(), "login-failures")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET" and request.args.get("timeout"):
        flash("You were signed out after a time without activity. Sign in again to carry on.", "success")
    if form.validate_on_submit():
        # Counted before anything reads the database: on SQLite the request's own write transaction must
        # not be open while the counter's short one runs.
        address = ratelimit.bucket(current_app.secret_key, request.remote_addr or "", "login-address")
        if not ratelimit.hit(db.engine, address, ATTEMPTS_PER_ADDRESS, LOCK_WINDOW):
            form.email.errors.append(
                "Too many attempts to sign in from your network. Wait 15 minutes and try again."
            )
            return render_template("auth/login.html", form=form), 429
        failures = _email_bucket(form.email.data)
        if ratelimit.count(db.engine, failures, LOCK_WINDOW) >= FAILURES_BEFORE_LOCK:
            # The same words whether or not the account exists, so the lock tells nobody which do.
            form.email.errors.append(
                "This account is locked for up to 15 minutes after 5 wrong passwords. Try again later,"
                " or ask an administrator to reset your password."
            )
            return render_template("auth/login.html", form=form), 429
        user = users.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            db.session.rollback()  # end the request's transaction before the counter writes
            ratelimit.hit(db.engine, failures, FAILURES_BEFORE_LOCK, LOCK_WINDOW)
            form.email.errors.append("Enter a correct email address and password")
        else:
            session.clear()
            login_user(user, remember=False)
            session.permanent = True
            session["seen"] = int(time.time())
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
@public
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


def end_idle_sessions():
    """Sign out a staff session that has been idle longer than SESSION_IDLE_SECONDS. Runs before every
    request; the page's script warns two minutes ahead and lets the person stay signed in."""
    if request.endpoint in ("static", "auth.login", "auth.logout") or "_user_id" not in session:
        return None
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_SECONDS"]
    seen = session.get("seen", now)
    if now - seen > idle:
        logout_user()
        session.clear()
        if request.endpoint == "auth.session_status":  # the warning's script asking: it moves the page
            return {"seconds_left": 0}, 401
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target, timeout=1))
    if request.endpoint != "auth.session_status":
        session["seen"] = now
    return None


@bp.post("/session/keep-alive")
@require_role(Role.STAFF)
def keep_alive():
    """The "Stay signed in" button of the timeout warning."""
    session["seen"] = int(time.time())
    return ("", 204)


@bp.get("/session/status")
@require_role(Role.STAFF)
def session_status():
    """Seconds left before the idle sign-out, without counting as activity."""
    left = current_app.config["SESSION_IDLE_SECONDS"] - (
        int(time.time()) - session.get("seen", int(time.time()))
    )
    return {"seconds_left": max(left, 0)}

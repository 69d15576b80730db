from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from wtforms import Field

from ..database import WRITES
from ..extensions import db
from ..forms.auth import CodeForm, LoginForm
from ..forms.users import ChangePasswordForm, ConfirmPasswordForm
from ..models import Role, SignIn, User
from ..models.types import utcnow
from ..services import ratelimit, sign_ins, two_factor, users
from . import security_log
from .access import needs_a_role, public, require_role, session_account
from .guards import client_bucket

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site; never an absolute or protocol-relative URL from the query string."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


# Wrong passwords for one email address before it is locked, and sign-in attempts from one network
# address, in a window of this many seconds. The lock ends with the window: at most 15 minutes.
FAILURES_BEFORE_LOCK = 5
ATTEMPTS_PER_ADDRESS = 30
LOCK_WINDOW = 15 * 60
# Said where a signed-in person gives their password again and the lock is on.
LOCKED_OUT = (
    f"After {FAILURES_BEFORE_LOCK} wrong passwords, yours cannot be checked for up to {LOCK_WINDOW // 60}"
    " minutes. Try again after that."
)


def _email_bucket(email: str) -> str:
    return ratelimit.bucket(current_app.config["SECRET_KEY"], email.strip().lower(), "login-failures")


def _locked(email: str) -> bool:
    """Whether wrong passwords and codes for this email address have locked it for now."""
    return ratelimit.count(db.engine, _email_bucket(email), LOCK_WINDOW) >= FAILURES_BEFORE_LOCK


def _count_wrong(email: str) -> None:
    """One more wrong password or code for this email address. The request's transaction ends first: on
    SQLite it must not be open while the counter's short one runs."""
    db.session.rollback()
    ratelimit.hit(db.engine, _email_bucket(email), FAILURES_BEFORE_LOCK, LOCK_WINDOW)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET" and (request.args.get("timeout") or request.args.get("expired")):
        why = (
            "after a time without activity"
            if request.args.get("timeout")
            else f"because you signed in {lifetime_hours()} hours ago"
        )
        unsaved = (
            " What you sent after that was not saved: enter it again." if request.args.get("unsaved") else ""
        )
        flash(
            f"You were signed out {why}.{unsaved} Sign in again to carry on.",
            "info" if unsaved else "success",
        )
    if form.validate_on_submit():
        # Counted before anything reads the database: on SQLite the request's own write transaction must
        # not be open while the counter's short one runs.
        address = client_bucket("login-address")
        if not ratelimit.hit(db.engine, address, ATTEMPTS_PER_ADDRESS, LOCK_WINDOW):
            security_log.refused("sign_in", reason="too_many_from_address")
            form.email.errors.append(
                "Too many attempts to sign in from your network. Wait 15 minutes and try again."
            )
            return render_template("auth/login.html", form=form), 429
        if _locked(form.email.data):
            security_log.refused("sign_in", reason="account_locked")
            # The same words whether or not the account exists, so the lock tells nobody which do.
            form.email.errors.append(
                "This account is locked for up to 15 minutes after 5 wrong passwords. Try again after that."
            )
            return render_template("auth/login.html", form=form), 429
        user = users.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            known = users.find_by_email(db.session, form.email.data)
            reason = "no_such_account" if not known else "wrong_password" if known.active else "account_off"
            security_log.refused("sign_in", known.id if known else None, reason=reason)
            _count_wrong(form.email.data)
            form.email.errors.append("Enter a correct email address and password")
        elif user.totp_secret:
            # The password was right; the second step still stands between it and a session.
            session.clear()
            session["pending_user"] = user.id
            session["pending_since"] = int(time.time())
            security_log.event("sign_in.password_right", user.id, next="code")
            return redirect(url_for("auth.code", next=request.args.get("next")))
        else:
            _start_session(user)
            security_log.event("sign_in", user.id, second_step="off")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


def _start_session(user) -> None:
    """A new session for ``user`` in this browser, with a sign-in of its own (services/sign_ins.py)."""
    session.clear()
    login_user(user, remember=False)
    session.permanent = True
    session["seen"] = session["started"] = session["seen_kept"] = int(time.time())
    session["sign_in"] = sign_ins.start(db.session, user, request.headers.get("User-Agent", ""))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def code():
    """The second step for accounts that turned it on: a code from an authenticator app, within five
    minutes of the password. Wrong codes count towards the same lock as wrong passwords."""
    if "_user_id" in session:  # already signed in: nothing to do here, and nothing to undo
        return redirect(_safe_next(request.args.get("next")))
    user = db.session.get(User, session.get("pending_user", 0)) if session.get("pending_user") else None
    if user is None or not user.totp_secret or int(time.time()) - session.get("pending_since", 0) > 300:
        session.clear()
        flash("Sign in again: the code must follow the password within five minutes.", "success")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        user_id, email = user.id, user.email
        db.session.rollback()
        if _locked(email):
            security_log.refused("sign_in", user_id, reason="account_locked", step="code")
            session.clear()
            flash("This account is locked for up to 15 minutes after 5 wrong attempts.", "success")
            return redirect(url_for("auth.login"))
        user = db.session.get_one(User, user_id)
        if two_factor.use_code(db.session, user, form.code.data):
            _start_session(user)
            security_log.event("sign_in", user_id, second_step="on")
            return redirect(_safe_next(request.args.get("next")))
        security_log.refused("sign_in", user_id, reason="wrong_code")
        _count_wrong(email)
        form.code.errors.append("That code is not right. Enter the code your app shows now")
    return render_template("auth/code.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
@public
def logout():
    if current_user.is_authenticated:
        security_log.event("sign_out", current_user.id, reason="asked")
    sign_ins.end_this(db.session, session.get("sign_in"))  # a copy of the cookie ends with it
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


def end_expired_sessions():
    """Sign out a staff session idle for longer than SESSION_IDLE_SECONDS, or begun longer ago than
    PERMANENT_SESSION_LIFETIME however busy it has been (a session from before sign-ins were kept has
    no start, and ends too). Runs before every request, before anything else reads the database; the
    page's script warns two minutes ahead of the idle limit and lets the person stay signed in. At most
    once a minute, the sign-in's "last active" time is written, for the list of where they are signed in."""
    if request.endpoint in ("static", "auth.login", "auth.code", "auth.logout") or "_user_id" not in session:
        return None
    now = int(time.time())
    idle_left, lifetime_left = _time_left(now)
    if idle_left < 0:
        return _sign_out_expired("idle", timeout=1)
    if lifetime_left < 0:
        return _sign_out_expired("lifetime", expired=1)
    if request.endpoint != "auth.session_status":
        session["seen"] = now
        if now - session.get("seen_kept", 0) >= sign_ins.SEEN_EVERY_SECONDS:
            _keep_last_seen(session.get("sign_in"))
            session["seen_kept"] = now
    return None


def _sign_out_expired(reason: str, **login_args):
    """End the session; its sign-in row, which no request can use any more, goes at the daily housekeeping."""
    account = session_account(session["_user_id"])  # no need to load the user to name them
    security_log.event("sign_out", account[0] if account else None, reason=reason)
    logout_user()
    session.clear()
    if request.endpoint == "auth.session_status":  # the warning's script asking: it moves the page
        return {"seconds_left": 0}, 401
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?"), **login_args))
    # A form sent after the session ended (without the page's script, which would have moved the page
    # first and kept what was typed): nothing was saved, and the sign-in page says so, then leads back to
    # the form's page: the same address, if it shows one, or else the page the form was on ("Reopen case"
    # is sent from the case's page).
    rule = request.url_rule
    page: str | None
    if rule is not None and "GET" in (rule.methods or ()):
        page = request.full_path.rstrip("?")
    else:
        page = _page_on_this_site(request.referrer)
    return redirect(url_for("auth.login", next=page, unsaved=1, **login_args))


def _page_on_this_site(address: str | None) -> str | None:
    """The path and query of ``address`` if it is on this site, as the Referer of a form of ours is."""
    if not address:
        return None
    parts = urlsplit(address)
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _keep_last_seen(token: object) -> None:
    """Write the sign-in's "last active" time, in a short transaction of its own: before the request has
    read anything, so that on SQLite it takes its turn as a writer as any other would."""
    with db.engine.connect() as connection:
        connection.execution_options(**WRITES)
        with connection.begin():
            sign_ins.seen(connection, token, utcnow())


# Where someone who must still turn on the second step may go: its page, signing out, and what the idle
# warning asks. Public pages need no account, so they are not held back either.
_BEFORE_THE_SECOND_STEP = {"auth.two_factor_setup", "auth.logout", "auth.session_status", "auth.keep_alive"}


def second_step_needed() -> bool:
    """Whether the signed-in user's role must have the second sign-in step (SECOND_STEP_REQUIRED_FOR) and
    they have not turned it on yet."""
    required = current_app.config["SECOND_STEP_REQUIRED_FOR"]
    if required == "none" or not current_user.is_authenticated or current_user.totp_secret:
        return False
    return current_user.has_role(Role(required))


def require_second_step():
    """Runs before every request: an admin (by default) turns on the second sign-in step before using
    anything else, because their account reaches every family's details (OWASP ASVS 4.3.1)."""
    if "_user_id" not in session or request.endpoint in _BEFORE_THE_SECOND_STEP or not needs_a_role():
        return None
    return redirect(url_for("auth.two_factor_setup")) if second_step_needed() else None


@bp.post("/session/keep-alive")
@require_role(Role.STAFF)
def keep_alive():
    """The "Stay signed in" button of the timeout warning."""
    session["seen"] = int(time.time())
    return ("", 204)


@bp.get("/session/status")
@require_role(Role.STAFF)
def session_status():
    """Seconds left before the session ends, without counting as activity, and whether "Stay signed in"
    can put that off: not once the end of the session's lifetime comes before the idle limit."""
    left, renewable = seconds_left()
    return {"seconds_left": left, "renewable": renewable}


def held_forms_key() -> str:
    """The key with which the timeout warning's script encrypts what it keeps of unsaved forms in the tab's
    storage (session-timeout.js), which a browser may write to disk, as it does not write the staff pages
    themselves (Cache-Control: no-store). Made from the app's secret key and the account: only that
    account's pages carry it, and it is the same when they sign in again."""
    secret = current_app.secret_key
    secret_bytes = secret if isinstance(secret, bytes) else str(secret).encode()
    digest = hmac.new(secret_bytes, f"held-forms:{current_user.id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


def seconds_left() -> tuple[int, bool]:
    """Seconds before this session ends, and whether activity would put that off (it is the idle limit
    that ends it, not the lifetime). Pages give it to the timeout warning's script (base.html)."""
    idle_left, lifetime_left = _time_left(int(time.time()))
    return max(min(idle_left, lifetime_left), 0), idle_left < lifetime_left


def _time_left(now: int) -> tuple[int, int]:
    """Seconds until the session's idle limit and until the end of its lifetime, below nought once past;
    a session without a start (from before sign-ins were kept) is past its lifetime."""
    idle_left = current_app.config["SESSION_IDLE_SECONDS"] - (now - session.get("seen", now))
    lifetime = int(current_app.permanent_session_lifetime.total_seconds())
    lifetime_left = lifetime - (now - session.get("started", 0))
    return idle_left, lifetime_left


def lifetime_hours() -> int:
    """How many hours a session lasts from signing in, however busy (PERMANENT_SESSION_LIFETIME)."""
    return round(current_app.permanent_session_lifetime.total_seconds() / 3600)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def two_factor_setup():
    """Turn the second sign-in step on (scan, then prove it with a code) or off (prove it once more)."""
    form = CodeForm()
    user = db.session.get_one(User, current_user.id)
    secret = None
    if user.totp_secret is None:
        secret = session.get("new_totp_secret") or two_factor.new_secret()
        session["new_totp_secret"] = secret
    if form.validate_on_submit():
        try:
            if secret is not None:  # turning it on, with the new secret the code proves
                two_factor.turn_on(db.session, user, secret, form.code.data)
                security_log.event("second_step.on", user.id)
                session.pop("new_totp_secret", None)
                flash("The second step is on. You will be asked for a code each time you sign in.", "success")
            else:
                two_factor.turn_off(db.session, user, form.code.data)
                security_log.event("second_step.off", user.id)
                flash("The second step is off.", "success")
        except two_factor.TwoFactorError as error:
            form.code.errors.append(str(error))
        else:
            return redirect(url_for(".two_factor_setup"))
    return render_template(
        "auth/two_factor.html",
        form=form,
        enabled=user.totp_secret is not None,
        needed=second_step_needed(),
        secret=secret,
        qr=two_factor.provisioning_qr(user, secret) if secret else None,
    ), 200 if not form.errors else 400


@bp.get("/account/sessions")
@require_role(Role.STAFF)
def sessions():
    """Where the person is signed in: each browser, when it signed in and when it was last used, with a
    button to sign it out (OWASP ASVS 3.3.4)."""
    user, this_one = _this_browser()
    return render_template(
        "auth/sessions.html",
        sign_ins=sorted(live_sign_ins(user), key=lambda sign_in: sign_in != this_one),  # this browser first
        this_one=this_one,
        idle_minutes=current_app.config["SESSION_IDLE_SECONDS"] // 60,
        lifetime_hours=lifetime_hours(),
    )


def live_sign_ins(user: User) -> list[SignIn]:
    """``user``'s sessions that have not ended, by this deployment's lifetime and idle limit."""
    return sign_ins.live(db.session, user, *sign_ins.limits(current_app))


def _this_browser() -> tuple[User, SignIn | None]:
    """The signed-in person, and the sign-in of this browser's session."""
    user = db.session.get_one(User, current_user.id)
    return user, sign_ins.find(db.session, user.id, session.get("sign_in"))


@bp.route("/account/sessions/<int:sign_in_id>/end", methods=["GET", "POST"])
@require_role(Role.STAFF)
def end_session(sign_in_id: int):
    """Sign out one other browser: a shared computer left signed in, a phone given back. Only the
    person's own sessions, not this one (signing out is for that), and only with their password."""
    user, this_one = _this_browser()
    if this_one is not None and this_one.id == sign_in_id:
        abort(404)  # the page offers no button for it
    other = next((sign_in for sign_in in live_sign_ins(user) if sign_in.id == sign_in_id), None)
    if other is None:  # a second press, a page left open while it ended some other way, or not theirs
        flash("That browser was already signed out.", "success")
        return redirect(url_for(".sessions"))
    # Plain values: checking the password ends this transaction, and the row may go meanwhile.
    user_id, shown = user.id, {key: getattr(other, key) for key in ("browser", "started_at", "last_seen_at")}
    form = ConfirmPasswordForm()
    status = _unless_password_given(form, "sign_out_other")
    if status is None:
        if sign_ins.end(db.session, db.session.get_one(User, user_id), sign_in_id):
            security_log.event("sign_out", user_id, reason="ended_from_another_browser")
        flash("That browser is signed out.", "success")
        return redirect(url_for(".sessions"))
    return render_template("auth/end_session.html", form=form, sign_in=shown), status


@bp.route("/account/sign-out-elsewhere", methods=["GET", "POST"])
@require_role(Role.STAFF)
def sign_out_elsewhere():
    """Every other session of the account ends (a laptop left signed in, a browser that is not yours any
    more), once the person gives their password; this one carries on, with a new sign-in."""
    form = ConfirmPasswordForm()
    status = _unless_password_given(form, "sign_out_elsewhere")
    if status is None:
        user = db.session.get_one(User, current_user.id)
        users.end_sessions(db.session, user)
        _start_session(user)
        security_log.event("sessions_ended", user.id, kept="this_one")
        flash("Anywhere else you were signed in, you are now signed out.", "success")
        return redirect(url_for(".sessions"))
    user, this_one = _this_browser()
    others = [sign_in for sign_in in live_sign_ins(user) if this_one is None or sign_in.id != this_one.id]
    return render_template("auth/sign_out_elsewhere.html", form=form, others=others), status


def _unless_password_given(form: ConfirmPasswordForm, action: str) -> int | None:
    """None once ``form`` has been sent with the signed-in person's password; otherwise the status to show
    the form with: 200 before it is sent, or 400 or 429 with the form saying why."""
    if not form.validate_on_submit():
        return 400 if form.errors else 200
    user_id, email = current_user.id, current_user.email
    if _lock_is_on(form.password, user_id, email, action):
        return 429
    if not db.session.get_one(User, user_id).check_password(form.password.data, rehash=False):
        _wrong_password(form.password, user_id, email, action, "Your password is not right")
        return 400
    return None


def _lock_is_on(field: Field, user_id: int, email: str, action: str) -> bool:
    """Whether wrong passwords have locked the signed-in person's account for now, as at sign-in; if so,
    ``field`` says so. A signed-in person who gives their password again meets the same lock, so that a
    session left open is no way to guess it. The request's transaction ends first, before the counter's."""
    db.session.rollback()
    if not _locked(email):
        return False
    security_log.refused(action, user_id, reason="account_locked")
    field.errors.append(LOCKED_OUT)
    return True


def _wrong_password(field: Field, user_id: int, email: str, action: str, message: str) -> None:
    """The password given in ``field`` is not theirs: it counts towards the lock, and ``field`` says so."""
    security_log.refused(action, user_id, reason="wrong_password")
    _count_wrong(email)
    field.errors.append(message)


@bp.route("/account/password", methods=["GET", "POST"])
@require_role(Role.STAFF)
def change_password():
    """Anyone signed in changes their own password, proving the current one first; wrong ones count
    towards the same lock as at sign-in, so a session left open is no way to guess it. Their other
    sessions end (User.get_id); this one carries on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user_id, email = current_user.id, current_user.email
        if _lock_is_on(form.current, user_id, email, "password_change"):
            return render_template("auth/password.html", form=form), 429
        user = db.session.get_one(User, user_id)
        try:
            users.change_own_password(db.session, user, form.current.data, form.password.data)
        except users.UserError as error:
            if error.field == "current":
                _wrong_password(form.current, user_id, email, "password_change", str(error))
            else:
                form[error.field or "password"].errors.append(str(error))
        else:
            _start_session(user)
            security_log.event("password_change", user_id)
            flash(
                "Your password has changed. Anywhere else you were signed in, you are now signed out.",
                "success",
            )
            return redirect(url_for(".change_password"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200

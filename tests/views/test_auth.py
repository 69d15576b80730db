from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, Type, extract_parameters

from feedback import create_app
from feedback.extensions import db
from feedback.models import AuditEvent, Case, Role, User
from feedback.models.user import make_password_hasher
from feedback.services import two_factor, users
from tests.conftest import PASSWORD, csrf_token_from

ROOT = Path(__file__).resolve().parents[2]


def test_sign_in_with_the_right_password(client, make_user):
    _, email = make_user(Role.COORDINATOR)
    response = client.post("/login", data={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/home"
    assert client.get("/plans").status_code == 200


def test_a_wrong_password_or_unknown_email_gets_one_message_and_no_session(client, make_user):
    _, email = make_user()
    for data in (
        {"email": email, "password": "wrong password here"},
        {"email": "nobody@example.org", "password": PASSWORD},
    ):
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert "Enter a correct email address and password" in response.text
        assert "govuk-error-summary" in response.text
        assert client.get("/plans").status_code == 302


def test_empty_fields_are_named_in_the_error_summary(client):
    response = client.post("/login", data={})
    assert response.status_code == 400
    assert "Enter your email address" in response.text and "Enter your password" in response.text
    assert "<title>Error: Sign in" in response.text


def test_next_only_redirects_within_the_site(client, make_user):
    _, email = make_user()
    for target, expected in (
        ("/plans/1", "/plans/1"),
        ("https://evil.example/", "/home"),
        ("//evil.example/x", "/home"),
        ("javascript:alert(1)", "/home"),
    ):
        client.post("/logout")
        response = client.post(f"/login?next={target}", data={"email": email, "password": PASSWORD})
        assert response.location == expected, target


def _app_with_one_user(tmp_path, **settings):
    """An app configured as in production but for ``settings``, with a@example.org as staff."""
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}", **settings}
    )
    with app.app_context():
        db.create_all()
        user = User(email="a@example.org", role=Role.STAFF)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return app


def test_session_cookie_is_secure_httponly_and_lax_and_not_long_lived(tmp_path):
    app = _app_with_one_user(tmp_path, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "a@example.org", "password": PASSWORD}, base_url="https://localhost"
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Only this host over HTTPS may set it: no Domain, and the path the __Host- prefix requires.
    assert cookie.startswith("__Host-feedback_session=") and "Domain" not in cookie and "Path=/;" in cookie
    assert app.permanent_session_lifetime.total_seconds() <= 12 * 3600
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_sign_out_needs_a_post_with_a_csrf_token(tmp_path):
    client = _app_with_one_user(tmp_path, SESSION_COOKIE_SECURE=False).test_client()
    token = csrf_token_from(client.get("/login").text)
    client.post("/login", data={"email": "a@example.org", "password": PASSWORD, "csrf_token": token})
    assert client.get("/plans").status_code == 200
    assert client.get("/logout").status_code == 405
    refused = client.post("/logout")
    assert refused.status_code == 400 and "timed out" in refused.text
    assert client.get("/plans").status_code == 200
    page = client.get("/plans").text
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    assert client.get("/plans").status_code == 302


def test_a_proxy_that_does_not_pass_the_host_on_is_named_in_the_log_when_it_costs_a_form(tmp_path, caplog):
    """Over HTTPS a form is refused when the page it came from names another host than the request: behind
    a proxy that sends the app its own address as Host, every staff form. The person sees "timed out";
    the log tells whoever set the proxy up what to change."""
    client = _app_with_one_user(tmp_path).test_client()
    proxied = {"base_url": "https://127.0.0.1:8000", "headers": {"Referer": "https://feedback.example/login"}}
    token = csrf_token_from(client.get("/login", base_url="https://127.0.0.1:8000").text)
    with caplog.at_level(logging.WARNING):
        refused = client.post("/login", data={"csrf_token": token, "email": "a@example.org"}, **proxied)
    assert refused.status_code == 400 and "timed out" in refused.text
    assert "/login from another host than its Host header (127.0.0.1:8000)" in caplog.text
    assert "proxy_set_header Host $host;" in caplog.text
    caplog.clear()
    same_host = {"base_url": "https://127.0.0.1:8000", "headers": {"Referer": "https://127.0.0.1:8000/login"}}
    with caplog.at_level(logging.WARNING):  # a form without its token is no set-up's fault
        assert client.post("/login", data={"email": "a@example.org"}, **same_host).status_code == 400
    assert "Host header" not in caplog.text


def test_passwords_are_hashed_with_argon2id_above_owasp_minimums():
    production_hash = make_password_hasher().hash(PASSWORD)
    parameters = extract_parameters(production_hash)
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19 * 1024 and parameters.time_cost >= 2 and parameters.parallelism >= 1
    assert PASSWORD not in production_hash


def test_a_hash_made_with_older_parameters_is_upgraded_at_sign_in(app, client):
    with app.app_context():
        user = User(
            email="old@example.org",
            role=Role.STAFF,
            password_hash=PasswordHasher(time_cost=1, memory_cost=128, parallelism=1).hash(PASSWORD),
        )
        db.session.add(user)
        db.session.commit()
        old_hash = user.password_hash
    assert client.post("/login", data={"email": "old@example.org", "password": PASSWORD}).status_code == 302
    with app.app_context():
        new_hash = db.session.scalar(sa.select(User.password_hash).where(User.email == "old@example.org"))
    assert new_hash != old_hash and extract_parameters(new_hash).memory_cost == 256


def test_sign_in_decisions_and_refused_pages_are_logged_by_account_id_alone(client, make_user, caplog):
    """Each sign-in decision, each sign-out and each page refused for want of a role is a line on the
    feedback.security logger that names the account by its id: never the email typed, the password or
    the network address."""
    caplog.set_level(logging.INFO, logger="feedback.security")
    user_id, email = make_user(Role.STAFF)
    client.post("/login", data={"email": email, "password": "not the password at all"})
    client.post("/login", data={"email": "nobody@example.org", "password": "guess guess guess"})
    client.post("/login", data={"email": email, "password": PASSWORD})
    assert client.get("/users").status_code == 403
    client.post("/logout")
    lines = [
        (record.levelname, re.sub(r"address=[0-9a-f]{12}", "address=#", record.getMessage()))
        for record in caplog.records
        if record.name == "feedback.security"
    ]
    assert lines == [
        ("WARNING", f"event=sign_in.refused user={user_id} address=# reason=wrong_password"),
        ("WARNING", "event=sign_in.refused user=- address=# reason=no_such_account"),
        ("INFO", f"event=sign_in user={user_id} address=# second_step=off"),
        ("WARNING", f"event=page.refused user={user_id} address=# needs=admin page=users.index"),
        ("INFO", f"event=sign_out user={user_id} address=# reason=asked"),
    ]
    for secret in (email, "nobody@example.org", "password at all", "guess", "127.0.0.1"):
        assert secret not in caplog.text


def test_security_events_reach_the_error_stream_when_nothing_else_is_set_up(tmp_path):
    """As under gunicorn, where nothing configures logging: the INFO lines are written, not dropped as
    Python drops INFO from a logger nobody set up."""
    script = f"""
from feedback import create_app
from feedback.extensions import db
from feedback.services import users
app = create_app({{"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / "d.db"}",
                   "WTF_CSRF_ENABLED": False}})
with app.app_context():
    db.create_all()
    users.create_user(db.session, "lead@example.org", "staff", "{PASSWORD}")
    db.session.commit()
app.test_client().post("/login", data={{"email": "lead@example.org", "password": "{PASSWORD}"}})
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "INFO in security_log: event=sign_in user=1 address=" in result.stderr
    assert "lead@example.org" not in result.stderr


def test_five_wrong_passwords_lock_the_account_and_say_the_same_for_unknown_ones(client, make_user):
    _, email = make_user()
    for _ in range(5):
        wrong = client.post("/login", data={"email": email, "password": "not the password at all"})
        assert wrong.status_code == 400 and "Enter a correct email address and password" in wrong.text
    locked = client.post("/login", data={"email": email.upper(), "password": PASSWORD})
    assert locked.status_code == 429 and "locked for up to 15 minutes" in locked.text
    for _ in range(5):
        client.post("/login", data={"email": "nobody@example.org", "password": "guess guess guess"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "guess guess guess"})
    assert unknown.status_code == 429 and unknown.text.count(
        "locked for up to 15 minutes"
    ) == locked.text.count("locked for up to 15 minutes")


def test_one_network_address_gets_a_limited_number_of_attempts(client, make_user, monkeypatch):
    from feedback.views import auth

    monkeypatch.setattr(auth, "ATTEMPTS_PER_ADDRESS", 3)
    _, email = make_user()
    for n in range(3):
        client.post("/login", data={"email": f"someone{n}@example.org", "password": "wrong wrong wrong"})
    refused = client.post("/login", data={"email": email, "password": PASSWORD})
    assert refused.status_code == 429 and "from your network" in refused.text


def test_an_idle_session_ends_and_activity_or_the_warning_button_keeps_it(app, client, login, monkeypatch):
    from feedback.views import auth

    login(Role.STAFF)
    idle = app.config["SESSION_IDLE_SECONDS"]
    start = int(auth.time.time())
    monkeypatch.setattr(auth.time, "time", lambda: start)
    assert client.get("/plans").status_code == 200  # activity: the clock starts here
    monkeypatch.setattr(auth.time, "time", lambda: start + idle - 60)
    assert client.get("/session/status").get_json() == {"seconds_left": 60, "renewable": True}
    assert client.post("/session/keep-alive").status_code == 204  # "Stay signed in"
    monkeypatch.setattr(auth.time, "time", lambda: start + 2 * idle - 70)
    status = client.get("/session/status").get_json()  # asking is not activity
    assert status == {"seconds_left": 10, "renewable": True}
    monkeypatch.setattr(auth.time, "time", lambda: start + 2 * idle)
    ended = client.get("/plans")
    assert ended.status_code == 302 and "/login?next=/plans&timeout=1" in ended.headers["Location"]
    page = client.get(ended.headers["Location"]).text
    assert "signed out after a time without activity" in page
    assert client.get("/plans").status_code == 302  # and it stays ended


def test_a_form_sent_after_the_session_ended_is_not_saved_and_the_sign_in_page_says_so(
    app, client, login, monkeypatch
):
    from feedback.views import auth

    login(Role.STAFF)
    start = int(auth.time.time())
    monkeypatch.setattr(auth.time, "time", lambda: start)
    form = client.get("/cases/new").text
    monkeypatch.setattr(auth.time, "time", lambda: start + app.config["SESSION_IDLE_SECONDS"] + 1)
    sent = {"csrf_token": csrf_token_from(form), "kind": "complaint", "summary": "Typed, then left"}
    ended = client.post("/cases/new", data=sent)
    assert ended.status_code == 302
    assert ended.headers["Location"] == "/login?next=/cases/new&unsaved=1&timeout=1"  # back to the form after
    page = client.get(ended.headers["Location"]).text
    assert "What you sent after that was not saved: enter it again." in page
    assert "govuk-notification-banner--success" not in page  # nothing went well
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(
    ("referrer", "location"),
    [
        ("http://localhost/cases/1?tab=stages", "/login?next=/cases/1?tab%3Dstages&unsaved=1&timeout=1"),
        ("https://elsewhere.example/cases/1", "/login?unsaved=1&timeout=1"),
        (None, "/login?unsaved=1&timeout=1"),
    ],
)
def test_a_form_whose_address_shows_no_page_leads_back_to_the_page_it_was_sent_from(
    app, client, login, monkeypatch, referrer, location
):
    from feedback.views import auth

    login(Role.STAFF)
    start = int(auth.time.time())
    monkeypatch.setattr(auth.time, "time", lambda: start)
    token = csrf_token_from(client.get("/plans").text)
    monkeypatch.setattr(auth.time, "time", lambda: start + app.config["SESSION_IDLE_SECONDS"] + 1)
    headers = {"Referer": referrer} if referrer else {}
    ended = client.post("/cases/1/reopen", data={"csrf_token": token}, headers=headers)
    assert ended.status_code == 302 and ended.headers["Location"] == location


def test_a_coordinator_turns_on_a_second_step_and_then_needs_a_code(app, client, make_user):
    import pyotp

    _, email = make_user(Role.COORDINATOR)
    client.post("/login", data={"email": email, "password": PASSWORD})
    page = client.get("/account/two-factor").text
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'<code class="app-code-inline">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post(
        "/account/two-factor", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "not right" in wrong.text
    first_code = pyotp.TOTP(secret).now()
    assert client.post("/account/two-factor", data={"code": first_code}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == email)).totp_secret == secret
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "User", AuditEvent.operation == "update")
        ).all()
        assert [e.after["totp_secret"] for e in events if "totp_secret" in e.after] == ["[redacted]"]
    client.post("/logout")

    step = client.post("/login", data={"email": email, "password": PASSWORD})
    assert step.status_code == 302 and "/login/code" in step.headers["Location"]
    assert client.get("/plans").status_code == 302  # the password alone is not a session
    refused = client.post("/login/code", data={"code": "12345x"})
    assert refused.status_code == 400
    again = client.post("/login/code", data={"code": first_code})  # right, but used already
    assert again.status_code == 400 and "not right" in again.text
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the app's next code, still within the window
    signed_in = client.post("/login/code", data={"code": next_code})
    assert signed_in.status_code == 302 and client.get("/plans").status_code == 200

    client.post("/logout")  # someone who saw that code over a shoulder cannot use it
    client.post("/login", data={"email": email, "password": PASSWORD})
    assert client.post("/login/code", data={"code": next_code}).status_code == 400
    assert client.get("/plans").status_code == 302


def test_an_admin_turns_on_the_second_step_before_anything_else(app, client, login):
    """By default an admin's account, which reaches every family's details, is sent to turn on the second
    step from every staff page until it is on; coordinators and staff go on as they were, and turning it
    off (to move to a new phone) sends the admin back to turn it on again."""
    import pyotp

    app.config["SECOND_STEP_REQUIRED_FOR"] = "admin"
    login(Role.COORDINATOR)
    assert client.get("/plans").status_code == 200
    login(Role.ADMIN)
    for path in ("/home", "/users", "/data-protection", "/cases/export.csv?contacts=1"):
        sent = client.get(path)
        assert sent.status_code == 302 and sent.location == "/account/two-factor", path
    assert client.get("/you-said-we-did").status_code == 200  # public pages need no account
    page = client.get("/account/two-factor").text
    assert "needs a second sign-in step before you can use the service" in page
    secret = re.search(r'<code class="app-code-inline">([A-Z2-7]+)</code>', page).group(1)
    assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/users").status_code == 200
    on = client.get("/account/two-factor").text
    assert "It is on" in on and "needs a second sign-in step" not in on
    off = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert off.status_code == 302
    assert client.get("/users").location == "/account/two-factor"  # off: on again with the new phone

    app.config["SECOND_STEP_REQUIRED_FOR"] = "coordinator"
    login(Role.COORDINATOR)
    assert client.get("/plans").location == "/account/two-factor"
    assert client.post("/logout").status_code == 302  # signing out is always open
    login(Role.STAFF)
    assert client.get("/plans").status_code == 200  # staff have no second step to turn on


def test_a_code_is_used_up_by_the_database_not_by_what_a_request_read(app, make_user):
    """Two requests with the same right code, the second having read the account before the first used
    the code: the database's conditional update, not the second's stale copy, decides, and it is refused."""
    import pyotp
    from sqlalchemy.orm import Session

    user_id, _ = make_user(Role.COORDINATOR)
    secret = two_factor.new_secret()
    with app.app_context():
        db.session.get(User, user_id).totp_secret = secret
        db.session.commit()
        code = pyotp.TOTP(secret).now()
        with Session(db.engine, expire_on_commit=False) as late, Session(db.engine) as first:
            stale = late.get(User, user_id)
            late.commit()  # it has read the account, before the other request used the code
            assert two_factor.use_code(first, first.get(User, user_id), code)
            first.commit()
            assert stale.totp_used_step is None
            assert not two_factor.use_code(late, stale, code)
            late.commit()


def test_wrong_codes_lock_the_account_as_wrong_passwords_do(app, client, make_user):
    """Someone who has the password cannot try every code: after five wrong ones, the right one is
    refused too, and so is the password, until the lock ends."""
    import pyotp

    user_id, email = make_user(Role.COORDINATOR)
    secret = two_factor.new_secret()
    with app.app_context():
        db.session.get(User, user_id).totp_secret = secret
        db.session.commit()
    assert (
        "/login/code"
        in client.post("/login", data={"email": email, "password": PASSWORD}).headers["Location"]
    )
    right = pyotp.TOTP(secret).now()
    wrong = next(code for code in ("000000", "111111") if code != right)
    for _ in range(5):
        refused = client.post("/login/code", data={"code": wrong})
        assert refused.status_code == 400 and "not right" in refused.text
    locked = client.post("/login/code", data={"code": right})
    assert locked.status_code == 302 and locked.headers["Location"].endswith("/login")
    assert "locked for up to 15 minutes" in client.get("/login").text
    assert client.get("/plans").status_code == 302  # no session came of the right code
    again = client.post("/login", data={"email": email, "password": PASSWORD})
    assert again.status_code == 429 and "locked for up to 15 minutes" in again.text


def test_staff_cannot_turn_on_a_second_step(client, login):
    login(Role.STAFF)
    assert client.get("/account/two-factor").status_code == 403


def test_signing_out_everywhere_else_ends_the_other_sessions_and_keeps_this_one(app, client, make_user):
    user_id, email = make_user(Role.STAFF)
    laptop, phone = app.test_client(), app.test_client()
    for browser in (client, laptop, phone):
        browser.post("/login", data={"email": email, "password": PASSWORD})
        assert browser.get("/plans").status_code == 200
    page = client.get("/account/sessions").text
    assert "Sign out everywhere else" in page and page.count("Sign out this browser") == 2
    asked = client.get("/account/sign-out-elsewhere")
    assert asked.status_code == 200 and asked.text.count("An unknown browser, last active") == 2
    refused = client.post("/account/sign-out-elsewhere", data={"password": "not my password at all"})
    assert refused.status_code == 400 and "Your password is not right" in refused.text
    assert laptop.get("/plans").status_code == 200
    done = client.post("/account/sign-out-elsewhere", data={"password": PASSWORD}, follow_redirects=True)
    assert "Anywhere else you were signed in, you are now signed out." in done.text
    assert "Sign out this browser" not in done.text and "(this browser)" in done.text
    assert client.get("/plans").status_code == 200
    assert laptop.get("/plans").status_code == 302 and phone.get("/plans").status_code == 302
    with app.app_context():
        history = [line.text for line in users.history(db.session, db.session.get(User, user_id))]
    assert "ended every session" in history
    laptop.post("/login", data={"email": email, "password": PASSWORD})  # the password still works
    assert laptop.get("/plans").status_code == 200


def test_an_account_turned_off_and_on_again_keeps_none_of_its_old_sessions(app, client, make_user, login):
    """An admin turns off the account of someone whose laptop was stolen, and on again once they have a new
    one: the stolen laptop's session does not come back with it."""
    user_id, email = make_user(Role.STAFF)
    stolen = app.test_client()
    stolen.post("/login", data={"email": email, "password": PASSWORD})
    assert stolen.get("/plans").status_code == 200
    login(Role.ADMIN)
    form = {"name": "", "role": "staff"}
    assert client.post(f"/users/{user_id}", data=form).status_code == 302  # "They can sign in" unticked
    assert stolen.get("/plans").status_code == 302
    assert client.post(f"/users/{user_id}", data={**form, "active": "y"}).status_code == 302
    assert stolen.get("/plans").status_code == 302


def test_a_session_ends_once_its_account_is_turned_off_or_its_password_changes(app, client, login):
    email = login(Role.STAFF)
    assert client.get("/plans").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        user.set_password("another long password 7")
        db.session.commit()
    assert client.get("/plans").status_code == 302  # the password it was made with has gone
    assert (
        client.post("/login", data={"email": email, "password": "another long password 7"}).status_code == 302
    )
    assert client.get("/plans").status_code == 200
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == email)).active = False
        db.session.commit()
    assert client.get("/plans").status_code == 302

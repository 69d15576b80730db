"""Each staff session has a sign-in on the server: signing out ends it for whoever holds a copy of the
cookie, a busy session still ends after its lifetime, and a person sees where they are signed in and
signs out any other browser."""

from __future__ import annotations

import base64
import re

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Role, SignIn, User
from feedback.services import sign_ins
from feedback.views import auth
from tests.conftest import PASSWORD

FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_ON_AN_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def _browser(app, email: str, user_agent: str = FIREFOX_ON_WINDOWS):
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert browser.get("/plans").status_code == 200
    return browser


def _signed_in_at(browser) -> int:
    """The second the session began, as the session keeps it (the clock may have ticked on since)."""
    with browser.session_transaction() as cookie:
        return cookie["started"]


def test_a_copy_of_the_cookie_taken_before_signing_out_does_not_sign_in(app, make_user):
    _, email = make_user(Role.STAFF)
    browser = _browser(app, email)
    copied = browser.get_cookie("feedback_session").value
    browser.post("/logout")
    browser.set_cookie("feedback_session", copied)
    assert browser.get("/plans").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignIn)) == 0


def test_a_session_begun_before_sign_ins_were_kept_ends(app, make_user):
    _, email = make_user(Role.STAFF)
    browser = _browser(app, email)
    with browser.session_transaction() as cookie:
        del cookie["sign_in"], cookie["started"]
    assert browser.get("/plans").status_code == 302


def test_a_busy_session_still_ends_at_its_lifetime(app, make_user, monkeypatch):
    _, email = make_user(Role.STAFF)
    browser = _browser(app, email)
    start = _signed_in_at(browser)
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    for moment in range(start + 20 * 60, start + lifetime - 60, 20 * 60):  # a request every 20 minutes
        monkeypatch.setattr(auth.time, "time", lambda moment=moment: moment)
        assert browser.get("/plans").status_code == 200
    # The page's warning comes as before the idle limit, but "Stay signed in" cannot put this off.
    monkeypatch.setattr(auth.time, "time", lambda: start + lifetime - 60)
    assert browser.get("/session/status").get_json() == {"seconds_left": 60, "renewable": False}
    monkeypatch.setattr(auth.time, "time", lambda: start + lifetime)
    assert browser.get("/plans").status_code == 200
    monkeypatch.setattr(auth.time, "time", lambda: start + lifetime + 1)
    ended = browser.get("/plans")
    assert ended.status_code == 302 and "/login?next=/plans&expired=1" in ended.location
    assert "because you signed in 8 hours ago" in browser.get(ended.location).text
    assert browser.get("/plans").status_code == 302


def test_last_active_is_written_at_most_once_a_minute(app, make_user, monkeypatch):
    user_id, email = make_user(Role.STAFF)
    browser = _browser(app, email)

    def last_seen():
        with app.app_context():
            return db.session.scalar(sa.select(SignIn.last_seen_at).where(SignIn.user_id == user_id))

    signed_in = last_seen()
    start = _signed_in_at(browser)
    monkeypatch.setattr(auth.time, "time", lambda: start + 30)
    assert browser.get("/plans").status_code == 200 and last_seen() == signed_in
    monkeypatch.setattr(auth.time, "time", lambda: start + 61)
    assert browser.get("/plans").status_code == 200 and last_seen() > signed_in


def test_a_person_sees_where_they_are_signed_in_and_signs_out_another_browser(app, make_user):
    _, email = make_user(Role.STAFF)
    _, someone_else = make_user(Role.STAFF)
    laptop = _browser(app, email)
    phone = _browser(app, email, SAFARI_ON_AN_IPHONE)
    theirs = _browser(app, someone_else)

    page = laptop.get("/account/sessions")
    assert page.status_code == 200
    # This browser comes first, though the phone signed in since.
    assert 0 < page.text.index("Firefox on Windows (this browser)") < page.text.index("Mobile Safari on iOS")
    ends = re.findall(r'href="(/account/sessions/(\d+)/end)"', page.text)
    assert len(ends) == 1  # the phone's; this browser signs out with "Sign out"
    phone_end, phone_id = ends[0]

    asked = laptop.get(phone_end)
    assert asked.status_code == 200 and "Mobile Safari on iOS" in asked.text
    assert 'autocomplete="current-password"' in asked.text
    # Without the password, or with a wrong one, the phone stays signed in (OWASP ASVS 3.3.4).
    assert "Enter your password" in laptop.post(phone_end, data={"password": ""}).text
    wrong = laptop.post(phone_end, data={"password": "not my password at all"})
    assert wrong.status_code == 400 and "Your password is not right" in wrong.text
    assert phone.get("/plans").status_code == 200

    done = laptop.post(phone_end, data={"password": PASSWORD}, follow_redirects=True)
    assert "That browser is signed out." in done.text and "Mobile Safari" not in done.text
    assert phone.get("/plans").status_code == 302
    assert laptop.get("/plans").status_code == 200
    again = laptop.post(phone_end, data={"password": PASSWORD}, follow_redirects=True)  # a second press
    assert again.status_code == 200 and "That browser was already signed out." in again.text

    with app.app_context():
        own, other = (
            db.session.scalar(sa.select(SignIn.id).join(User).where(User.email == address))
            for address in (email, someone_else)
        )
    for method in (laptop.get, laptop.post):
        refused = method(f"/account/sessions/{other}/end", data={"password": PASSWORD}, follow_redirects=True)
        assert "That browser was already signed out." in refused.text  # says nothing of other accounts
    assert theirs.get("/plans").status_code == 200
    assert laptop.post(f"/account/sessions/{own}/end", data={"password": PASSWORD}).status_code == 404
    assert laptop.get("/plans").status_code == 200


def test_wrong_passwords_given_to_sign_out_a_browser_count_towards_the_lock(app, make_user):
    _, email = make_user(Role.STAFF)
    laptop, phone = _browser(app, email), _browser(app, email, SAFARI_ON_AN_IPHONE)
    with app.app_context():
        phone_id = max(db.session.scalars(sa.select(SignIn.id)))  # the later sign-in
    end_phone = f"/account/sessions/{phone_id}/end"
    for _ in range(auth.FAILURES_BEFORE_LOCK):
        assert laptop.post(end_phone, data={"password": "guess guess guess"}).status_code == 400
    locked = laptop.post(end_phone, data={"password": PASSWORD})
    assert locked.status_code == 429 and auth.LOCKED_OUT in " ".join(locked.text.split())
    everywhere = laptop.post("/account/sign-out-elsewhere", data={"password": PASSWORD})
    assert everywhere.status_code == 429
    assert phone.get("/plans").status_code == 200
    # The same lock as at sign-in: a session left open is no way to guess the password.
    assert app.test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code == 429


def test_browsers_are_named_as_people_know_them():
    assert sign_ins.describe_browser(FIREFOX_ON_WINDOWS) == "Firefox on Windows"
    assert sign_ins.describe_browser(SAFARI_ON_AN_IPHONE) == "Mobile Safari on iOS"
    assert sign_ins.describe_browser("") == "An unknown browser"
    assert sign_ins.describe_browser("x" * 5000) == "An unknown browser"


def _held_forms_key(app, email: str) -> str:
    """The key a signed-in page gives the timeout warning's script for what it keeps of unsaved forms."""
    browser = _browser(app, email)
    found = re.search(r'data-held-key="([^"]+)"', browser.get("/plans").get_data(as_text=True))
    assert found is not None
    return found[1]


def test_the_key_for_unsaved_forms_is_the_account_s_own_and_the_same_at_each_sign_in(app, make_user):
    _, first = make_user(Role.STAFF)
    _, second = make_user(Role.STAFF)
    key = _held_forms_key(app, first)
    assert len(base64.urlsafe_b64decode(key)) == 32  # an AES-256 key for Web Crypto
    assert _held_forms_key(app, first) == key  # signing in again reads what the last sign-in kept
    assert _held_forms_key(app, second) != key
    app.secret_key = "another secret key"
    assert _held_forms_key(app, first) != key


def test_public_pages_carry_no_key_for_unsaved_forms(client):
    assert "data-held-key" not in client.get("/privacy").get_data(as_text=True)


def test_a_new_secret_key_signs_everyone_out_unless_the_old_one_is_kept_as_a_fallback(app, make_user):
    _, email = make_user(Role.STAFF)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = _browser(app, email).get_cookie(name)
    assert cookie is not None

    def page_with_the_cookie():
        browser = app.test_client()
        browser.set_cookie(name, cookie.value)
        return browser.get("/plans")

    old = app.secret_key
    app.secret_key = "a new secret key"
    refused = page_with_the_cookie()
    assert refused.status_code == 302 and refused.location.startswith("/login")
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert page_with_the_cookie().status_code == 200

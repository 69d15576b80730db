"""Admins keep the staff accounts in the browser: add people, change what they may do, turn off a leaver's
account, set a new password or remove a lost second step; everyone changes their own password. Each of
these ends the sessions it should."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Role, User
from feedback.services import two_factor
from tests.conftest import PASSWORD

NEW_PASSWORD = "purple kettle morning walk"


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def _second_browser(app, email: str, password: str = PASSWORD):
    other = app.test_client()
    assert other.post("/login", data={"email": email, "password": password}).status_code == 302
    assert other.get("/plans").status_code == 200
    return other


def test_an_admin_adds_a_user_who_can_then_sign_in(app, client, login):
    login(Role.ADMIN)
    page = client.get("/users")
    assert page.status_code == 200 and "Add a user" in page.text
    response = client.post(
        "/users/new",
        data={
            "email": " Sam@Example.org ",
            "name": "Sam Patel",
            "role": "coordinator",
            "password": NEW_PASSWORD,
            "active": "y",
        },
    )
    assert response.status_code == 302 and response.location == "/users"
    assert "sam@example.org" in client.get("/users").text
    sam = _user(app, "sam@example.org")
    assert (sam.name, sam.role, sam.active) == ("Sam Patel", Role.COORDINATOR, True)
    _second_browser(app, "sam@example.org", NEW_PASSWORD)


def test_adding_a_user_with_bad_details_names_each_problem_and_adds_nobody(app, client, login):
    admin = login(Role.ADMIN)
    for data, message in (
        ({"email": "not an address", "role": "staff", "password": NEW_PASSWORD}, "correct format"),
        ({"email": admin, "role": "staff", "password": NEW_PASSWORD}, "already a user"),
        ({"email": "x@example.org", "role": "staff", "password": "short"}, "at least 12 characters"),
        ({"email": "x@example.org", "role": "staff", "password": "password1234"}, "less common password"),
        ({"email": "x@example.org", "role": "owner", "password": NEW_PASSWORD}, "Not a valid choice"),
        ({"email": "x@example.org", "password": NEW_PASSWORD}, "Select what they may do"),
    ):
        response = client.post("/users/new", data=data)
        assert response.status_code == 400, data
        assert message in response.text and "govuk-error-summary" in response.text, data
    empty = client.post("/users/new", data={}).text
    summary = [
        empty.index(m) for m in ("Enter their email address", "Select what they may do", "first password")
    ]
    assert summary == sorted(summary)  # in the order of the page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_turning_off_a_leavers_account_ends_the_session_they_have_open(app, client, login, make_user):
    login(Role.ADMIN)
    leaver_id, leaver = make_user(Role.STAFF)
    theirs = _second_browser(app, leaver)
    response = client.post(f"/users/{leaver_id}", data={"name": "Left in May", "role": "staff"})  # unticked
    assert response.status_code == 302
    assert "Cannot sign in" in client.get("/users").text
    assert theirs.get("/plans").status_code == 302  # sent to sign in
    assert theirs.post("/login", data={"email": leaver, "password": PASSWORD}).status_code == 400
    history = client.get(f"/users/{leaver_id}").text
    assert "changed name from nothing to “Left in May”; can no longer sign in" in history


def test_times_are_shown_as_a_uk_clock_showed_them_in_summer_and_winter(app, client, login, make_user):
    login(Role.ADMIN)
    summer_id, _ = make_user(Role.STAFF)
    winter_id, _ = make_user(Role.STAFF)
    with app.app_context():
        db.session.get(User, summer_id).last_login_at = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)
        db.session.get(User, winter_id).last_login_at = datetime(2026, 1, 15, 13, 5, tzinfo=UTC)
        db.session.commit()
    assert "Last signed in 1 Jul 2026 14:05." in client.get(f"/users/{summer_id}").text  # British Summer Time
    assert "Last signed in 15 Jan 2026 13:05." in client.get(f"/users/{winter_id}").text  # GMT
    listed = client.get("/users").text
    assert "1 Jul 2026 14:05" in listed and "15 Jan 2026 13:05" in listed and "UTC" not in listed


def test_an_admin_cannot_lock_themselves_out(app, client, login):
    admin = login(Role.ADMIN)
    me = _user(app, admin)
    own_page = " ".join(client.get(f"/users/{me.id}").text.split())
    assert re.search(r"Last signed in [^<]*\d\. This is you: another admin can change your role", own_page)
    for data, message in (
        ({"role": "coordinator", "active": "y"}, "cannot take away your own admin role"),
        ({"role": "admin"}, "cannot turn off your own account"),
    ):
        response = client.post(f"/users/{me.id}", data=data)
        assert response.status_code == 400 and message in response.text
    mine = client.post(f"/users/{me.id}/password", data={"password": NEW_PASSWORD})
    assert mine.location == "/account/password"  # where the current password is asked for
    again = _user(app, admin)
    assert (again.role, again.active, again.password_hash) == (Role.ADMIN, True, me.password_hash)


def test_a_new_password_set_by_an_admin_ends_the_old_sessions(app, client, login, make_user):
    login(Role.ADMIN)
    user_id, email = make_user(Role.STAFF)
    theirs = _second_browser(app, email)
    refused = client.post(f"/users/{user_id}/password", data={"password": "aaaaaaaaaaaaaaa"})
    assert refused.status_code == 400 and "less common password" in refused.text
    assert theirs.get("/plans").status_code == 200  # nothing changed
    assert client.post(f"/users/{user_id}/password", data={"password": NEW_PASSWORD}).status_code == 302
    assert theirs.get("/plans").status_code == 302
    assert app.test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code == 400
    _second_browser(app, email, NEW_PASSWORD)
    history = client.get(f"/users/{user_id}").text
    assert "set a new password" in history and "last login" not in history and "[redacted]" not in history
    assert ": added the account" in history


def test_an_admin_removes_a_lost_second_step_and_the_password_alone_signs_in(app, client, login, make_user):
    login(Role.ADMIN)
    user_id, email = make_user(Role.COORDINATOR)
    with app.app_context():
        user = db.session.get(User, user_id)
        secret = two_factor.new_secret()
        two_factor.turn_on(db.session, user, secret, pyotp.TOTP(secret).now())
        db.session.commit()
    lost = app.test_client()
    assert lost.post("/login", data={"email": email, "password": PASSWORD}).location.startswith("/login/code")
    assert "Turn off their second step" in client.get(f"/users/{user_id}").text
    assert client.post(f"/users/{user_id}/second-step-off").status_code == 302
    assert _user(app, email).totp_secret is None
    _second_browser(app, email)
    history = client.get(f"/users/{user_id}").text
    assert "turned the second sign-in step on" in history and "turned the second sign-in step off" in history


def test_only_admins_keep_users(client, login):
    login(Role.COORDINATOR)
    assert client.get("/users").status_code == 403
    assert client.post("/users/new", data={}).status_code == 403
    assert "/users" not in client.get("/plans").text.split("<main")[0]  # not in the navigation


def test_everyone_changes_their_own_password_and_their_other_sessions_end(app, client, login):
    email = login(Role.STAFF)
    elsewhere = _second_browser(app, email)
    page = client.get("/account/password")
    assert page.status_code == 200 and "Change your password" in page.text
    for data, message in (
        ({"current": "wrong password here", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "not right"),
        ({"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "something else"}, "do not match"),
        ({"current": PASSWORD, "password": PASSWORD, "confirm": PASSWORD}, "must be different"),
        ({"current": PASSWORD, "password": "short", "confirm": "short"}, "at least 12 characters"),
    ):
        response = client.post("/account/password", data=data)
        assert response.status_code == 400 and message in response.text, data
    response = client.post(
        "/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert "Your password has changed" in client.get("/account/password").text  # this session carries on
    assert elsewhere.get("/plans").status_code == 302
    _second_browser(app, email, NEW_PASSWORD)


def test_guessing_the_current_password_counts_towards_the_sign_in_lock(app, client, login):
    email = login(Role.STAFF)
    wrong = {"current": "wrong password here", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(5):
        assert client.post("/account/password", data=wrong).status_code == 400
    right = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    locked = client.post("/account/password", data=right)
    assert locked.status_code == 429 and "cannot be checked for up to 15 minutes" in locked.text
    assert app.test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code == 429


def test_an_admin_sees_where_someone_is_signed_in_and_signs_them_out_everywhere(
    app, client, login, make_user
):
    login(Role.ADMIN)
    user_id, email = make_user(Role.STAFF)
    assert "Not signed in anywhere." in client.get(f"/users/{user_id}").text
    laptop = _second_browser(app, email)
    page = client.get(f"/users/{user_id}").text
    assert "Where they are signed in" in page and "An unknown browser: signed in" in page
    done = client.post(f"/users/{user_id}/sign-out", follow_redirects=True)
    assert f"Signed {email} out of every browser." in done.text and "Not signed in anywhere." in done.text
    assert "ended every session" in done.text  # in the account's history
    assert laptop.get("/plans").status_code == 302
    _second_browser(app, email)  # the password still works
    assert client.post("/users/999999/sign-out").status_code == 404


def test_an_admin_signs_themselves_out_elsewhere_from_their_own_list(app, client, login):
    own_id = _user(app, login(Role.ADMIN)).id
    assert client.post(f"/users/{own_id}/sign-out").location == "/account/sessions"
    assert client.get("/plans").status_code == 200


def test_an_admin_saving_an_old_page_does_not_turn_a_leavers_account_back_on(app, client, login, make_user):
    """Another admin turned the account off after this page was opened; the leaver signing in between (a
    change the page does not edit) was no reason to refuse, but saving it as it was shown would be."""
    login(Role.ADMIN)
    leaver_id, leaver = make_user(Role.STAFF)
    page = client.get(f"/users/{leaver_id}").text
    seen = re.search(r'name="seen"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="seen"', page)
    assert seen
    opened = {"seen": seen.group(1) or seen.group(2), "name": "", "role": "staff", "active": "y"}
    _second_browser(app, leaver)  # a sign-in: its time is in the trail, not in the form
    other_admin = app.test_client()
    _, other_email = make_user(Role.ADMIN)
    other_admin.post("/login", data={"email": other_email, "password": PASSWORD})
    assert other_admin.post(f"/users/{leaver_id}", data={"name": "", "role": "staff"}).status_code == 302

    refused = client.post(f"/users/{leaver_id}", data={**opened, "name": "Sam"})

    assert refused.status_code == 400
    notice = refused.text[refused.text.index('id="changed-by-others"') :]
    assert f"{other_email}: can no longer sign in" in notice.split("</div>")[0]
    assert _user(app, leaver).active is False and _user(app, leaver).name == ""

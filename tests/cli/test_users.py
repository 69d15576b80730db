from __future__ import annotations

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import AuditEvent, Role, User


def _users(app):
    with app.app_context():
        return {u.email: u.role for u in db.session.scalars(sa.select(User))}


def test_create_a_user_with_the_password_from_the_environment(app, runner, monkeypatch):
    monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", "a long enough passphrase")
    result = runner.invoke(args=["users", "create", "Lead@Example.org", "--role", "coordinator"])
    assert result.exit_code == 0, result.output
    assert _users(app) == {"lead@example.org": Role.COORDINATOR}
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.check_password("a long enough passphrase")
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "User"))
        assert event.actor == "command line" and event.after["password_hash"] == "[redacted]"


def test_create_a_user_with_the_password_from_a_prompt(app, runner, monkeypatch):
    monkeypatch.delenv("FEEDBACK_NEW_PASSWORD", raising=False)
    result = runner.invoke(
        args=["users", "create", "a@example.org", "--role", "staff"],
        input="typed at the prompt\ntyped at the prompt\n",
    )
    assert result.exit_code == 0, result.output
    assert "typed at the prompt" not in result.output
    assert _users(app) == {"a@example.org": Role.STAFF}


def test_bad_input_is_refused_with_a_message_and_creates_nothing(app, runner, monkeypatch):
    monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", "short")
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "staff"])
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "boss"])
    assert result.exit_code == 2 and "boss" in result.output
    monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", "a long enough passphrase")
    # Each an address the sign-in form refuses, so an account made with it could never be used.
    for address in ["not-an-email", "a@b", "a b@example.org", "a@example..org", "@example.org"]:
        result = runner.invoke(args=["users", "create", address, "--role", "staff"])
        assert result.exit_code == 1 and "correct format" in result.output, address
    # Longer than the column or the forms allow: an address over 254 characters is no address at all.
    long_address = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".org"
    result = runner.invoke(args=["users", "create", long_address, "--role", "staff"])
    assert result.exit_code == 1 and "correct format" in result.output
    monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", "long enough " * 17)
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "staff"])
    assert result.exit_code == 1 and "Password must be 200 characters or fewer" in result.output
    monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", "a long enough passphrase")
    # As the page's form: PostgreSQL refused a longer name with an error, where SQLite kept it.
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "staff", "--name", "n" * 201])
    assert result.exit_code == 1 and "Name must be 200 characters or fewer" in result.output
    assert _users(app) == {}
    runner.invoke(args=["users", "create", "a@example.org", "--role", "staff"])
    result = runner.invoke(args=["users", "create", "A@example.org", "--role", "admin"])
    assert result.exit_code == 1 and "already a user" in result.output
    assert _users(app) == {"a@example.org": Role.STAFF}


def test_common_repeated_and_personal_passwords_are_refused_and_create_nothing(app, runner, monkeypatch):
    for password, message in [
        ("Password1234!", "less common password"),
        ("qwertyuiop12", "less common password"),
        ("123456789012", "less common password"),
        ("abcabcabcabc", "less common password"),
        ("jo.bloggs-2024", "must not contain your email address"),
    ]:
        monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", password)
        result = runner.invoke(args=["users", "create", "jo.bloggs@example.org", "--role", "staff"])
        assert result.exit_code == 1 and message in result.output, (password, result.output)
    assert _users(app) == {}
    monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", "8392-1104-7765-2210")  # long and random: fine
    assert runner.invoke(args=["users", "create", "jo.bloggs@example.org", "--role", "staff"]).exit_code == 0

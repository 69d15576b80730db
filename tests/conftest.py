"""Fixtures: a fresh app and database for every test, factories that return callables.

The suite runs on SQLite (a file per test) unless FEEDBACK_TEST_DATABASE_URL names a PostgreSQL database,
where the schema is created once and every table is emptied after each test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback import create_app
from feedback.extensions import db
from feedback.models import Role
from feedback.services import users

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple"


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite (a file per test)'}"


@pytest.fixture
def database_url(tmp_path) -> str:
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
    })
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if POSTGRES_URL:
            tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., tuple[int, str]]:
    """Create a user; returns its id and email (not the object, which belongs to a closed session)."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.STAFF, email: str | None = None, password: str = PASSWORD) -> tuple[int, str]:
        with app.app_context():
            user = users.create_user(db.session, email or f"user{next(counter)}@example.org", role, password)
            db.session.commit()
            return user.id, user.email

    return make


@pytest.fixture
def login(client: FlaskClient, make_user) -> Callable[[Role | str], str]:
    """Sign in as a new user with the role; returns the user's email."""

    def sign_in(role: Role | str = Role.STAFF) -> str:
        _, email = make_user(role)
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return email

    return sign_in


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    from feedback.services import demo as demo_service

    with app.app_context():
        summary, _ = demo_service.load(db.session)
        db.session.commit()
    return summary


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)

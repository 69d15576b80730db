"""Fixtures: a fresh app and database for every test, factories that return callables.

The suite runs on SQLite (a file per test) unless FEEDBACK_TEST_DATABASE_URL names a PostgreSQL database,
where the schema is created once and every table is emptied after each test. Either way the demo is loaded
once and copied whole for each test that wants it.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback import create_app
from feedback.extensions import db
from feedback.models import AuditEvent, Role
from feedback.services import demo as demo_service
from feedback.services import users
from feedback.services.audit import set_actor

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple"


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite (a file per test)'}"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 at production cost takes a quarter of a second a hash; tests hash hundreds of times."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        "feedback.models.user.password_hasher", PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    )


@pytest.fixture(autouse=True)
def rate_limit_windows_stand_still(monkeypatch):
    """Every rate-limit count in a test falls in one window. A window starts at a multiple of its length on
    the clock, so a test that made five wrong sign-ins across 21:00:00 saw the count start again part-way
    and the account stay unlocked (CI, 5 December 2026). A test of what happens in the next window would
    give the service its ``now``."""
    from feedback.services import ratelimit

    instant = time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: instant))


@pytest.fixture
def database_url(tmp_path) -> str:
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            # Admins are sent to turn on the second step first (test_auth.py); other tests go straight on.
            "SECOND_STEP_REQUIRED_FOR": "none",
            "DISTRICTS": demo_service.DISTRICTS,  # families are asked where they live, as with scripts/run
        }
    )
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


def own_process_env(app: Flask, database_url: str, **settings: str) -> dict[str, str]:
    """The environment for the app run in processes of its own (gunicorn, a flask command) on this test's
    database, with ``settings`` added; the test's app lets go of its connections first."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {
        **os.environ,
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_SECRET_KEY": "own-process-test" * 3,
        "FLASK_APP": "feedback",
        **settings,
    }


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

    def make(
        role: Role | str = Role.STAFF, email: str | None = None, password: str = PASSWORD
    ) -> tuple[int, str]:
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


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> tuple[Path, dict[str, int]] | None:
    """On SQLite the demo is loaded once and its file copied for each test that wants it."""
    if POSTGRES_URL:
        return None
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        summary = _load_demo()
        db.session.remove()
        db.engine.dispose()
    return path, summary


def _load_demo() -> dict[str, int]:
    set_actor(db.session, None, "demo")
    summary, _ = demo_service.load(db.session)
    demo_service.publish_entries(db.session)  # without the analyser's run, which tests start themselves
    db.session.commit()
    return summary


@pytest.fixture(scope="session")
def postgres_demo() -> dict[str, int] | None:
    """On PostgreSQL the demo is loaded once, into a database of its own that each test wanting it gets a
    copy of (CREATE DATABASE ... TEMPLATE): copying its files takes a tenth of the time loading it does."""
    if not POSTGRES_URL:
        return None
    url = sa.engine.make_url(POSTGRES_URL)
    template = _demo_database(url.database)
    with _server(url) as server:
        server.exec_driver_sql(f'DROP DATABASE IF EXISTS "{template}"')
        server.exec_driver_sql(f'CREATE DATABASE "{template}"')
    address = url.set(database=template).render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": address})
    with app.app_context():
        db.create_all()
        summary = _load_demo()
        db.session.remove()
        db.engine.dispose()
    return summary


def _demo_database(database: str | None) -> str:
    return f"{database}_demo"


@contextmanager
def _server(url: sa.URL) -> Iterator[sa.Connection]:
    """A connection to the PostgreSQL server itself, outside any transaction, to make databases with."""
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.fixture
def demo(app: Flask, database_url: str, demo_template, postgres_demo) -> dict[str, int]:
    """The demo local area in this test's database, which it replaces whole."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if postgres_demo is not None:
        url = sa.engine.make_url(database_url)
        database, loaded = url.database, _demo_database(url.database)
        with _server(url) as server:
            server.exec_driver_sql(f'DROP DATABASE "{database}" WITH (FORCE)')
            server.exec_driver_sql(f'CREATE DATABASE "{database}" TEMPLATE "{loaded}"')
        return postgres_demo
    assert demo_template is not None
    template, summary = demo_template
    database = sa.engine.make_url(database_url).database
    assert database, "the demo template is copied only for a database in a file"
    target = Path(database)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return summary


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def sqlite_write_lock_is_free(path: Path | str) -> bool:
    """Whether SQLite's write lock on the database at ``path`` is free, asked from a connection of our own
    that does not wait."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def fail_every_flush(monkeypatch) -> None:
    """From here on every flush to disk fails, as on a failing disk: the app's flush of SQLite's WAL
    (feedback/database.py) raises what the kernel would."""

    def fdatasync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fdatasync", fdatasync)


def action_form(**changes) -> dict:
    """What the edit page of the demo's action 1.1.1 sends, with ``changes``."""
    return {
        "description": "Increase capacity",
        "lead": "Helen Stephenson",
        "completion_date": ["31", "3", "2024"],
        "progress_status": "amber",
        "progress_narrative": "Recruitment at 93%.",
        **changes,
    }


def write_progress(client: FlaskClient, action_id: int, narrative: str, status: str) -> None:
    """Save an action's progress status and narrative on its edit page, as its lead would."""
    form = action_form(progress_status=status, progress_narrative=narrative)
    assert client.post(f"/actions/{action_id}/edit", data=form).status_code == 302


def backdate(app: Flask, entity_type: str, entity_id: int, operation: str, to: datetime) -> None:
    """Move the entity's ``operation`` events in the audit trail to ``to``, as if they had happened then."""
    with app.app_context():
        for event in db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == entity_type,
                AuditEvent.entity_id == entity_id,
                AuditEvent.operation == operation,
            )
        ):
            event.at = to
        db.session.commit()

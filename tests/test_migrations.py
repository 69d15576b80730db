"""One Alembic chain builds exactly the schema the models describe, and can be taken down and up again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from feedback import create_app
from feedback.extensions import db
from tests.conftest import POSTGRES_URL


@pytest.fixture
def empty_app(tmp_path):
    """An app on a database of its own that no test has created tables in."""
    if POSTGRES_URL:
        url = sa.engine.make_url(POSTGRES_URL)
        name = f"{url.database}_migrations"
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        database_url = url.set(database=name).render_as_string(hide_password=False)
    else:
        database_url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_there_is_one_head(empty_app):
    script = ScriptDirectory.from_config(empty_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def test_migrated_schema_equals_the_models_and_survives_down_and_up(empty_app):
    upgrade()
    assert _tables() == set(db.metadata.tables)
    assert _differences() == []

    downgrade(revision="base")
    assert _tables() == set()

    upgrade()
    assert _differences() == []


def test_migrated_schema_keeps_the_named_constraints(empty_app):
    upgrade()
    inspector = sa.inspect(db.engine)
    uniques = {c["name"] for c in inspector.get_unique_constraints("response")}
    assert "uq_response_survey_id_idempotency_key" in uniques
    checks = {c["name"] for c in inspector.get_check_constraints("action")}
    assert "ck_action_progress_status" in checks

"""A backup taken while the app runs restores the database exactly, and bad input changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from feedback.extensions import db
from feedback.models import Answer, Case, Response, User
from feedback.services import backup


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Case, Response, User)
    }


def test_backup_and_restore_round_trip(app, runner, demo, tmp_path):
    target = tmp_path / "backups" / "feedback.backup"
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0 and target.stat().st_size > 0, result.output
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output

    with app.app_context():
        db.session.execute(sa.delete(Case))
        db.session.commit()
        assert _counts()["Case"] == 0
        db.session.remove()
    restored = runner.invoke(args=["restore", "--yes", str(target)])
    assert restored.exit_code == 0 and "integrity check passed" in restored.output, restored.output
    with app.app_context():
        assert _counts() == before


@pytest.mark.parametrize(
    "contents",
    [
        b"not a database\n" * 100,
        # SQLite reads an empty file as an empty database, which passes its integrity check: restored, it
        # left the service with no tables at all.
        b"",
    ],
    ids=["text", "empty"],
)
def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(app, runner, demo, tmp_path, contents):
    junk = tmp_path / "feedback.backup"
    junk.write_bytes(contents)
    with app.app_context():
        before = _counts()
        db.session.remove()
    result = runner.invoke(args=["restore", "--yes", str(junk)])
    assert result.exit_code == 1 and "Error" in result.output
    assert runner.invoke(args=["restore", "--yes", str(tmp_path / "missing")]).exit_code == 1
    with app.app_context():
        assert _counts() == before


def _cases_deleted(app) -> None:
    """Make the database differ from a backup, so that a refused restore is seen to change nothing."""
    with app.app_context():
        db.session.execute(sa.delete(Case))
        db.session.commit()
        db.session.remove()


def _case_count(app) -> int:
    with app.app_context():
        count = _counts()["Case"]
        db.session.remove()
        return count


def test_a_backup_without_every_table_is_refused_and_changes_nothing(app, runner, demo, tmp_path):
    """Read from the backup itself: SQLite's tables, or pg_restore's list of what a dump holds."""
    target = tmp_path / "feedback.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    _cases_deleted(app)
    later = frozenset(db.metadata.tables) | {"a_later_table"}
    with app.app_context(), pytest.raises(backup.BackupError, match="lacks the tables a_later_table[.]$"):
        backup.restore(db.engine, target, backup.Schema(tables=later, revisions=frozenset()))
    assert _case_count(app) == 0

    with app.app_context():  # the same backup, for the tables it has
        assert (
            backup.restore(db.engine, target, backup.Schema(frozenset(db.metadata.tables), frozenset()))
            is None
        )
    assert _case_count(app) > 0


def test_another_database_is_refused_and_changes_nothing(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'feedback.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE survey (id INTEGER)")
        connection.exec_driver_sql("INSERT INTO survey VALUES (1)")
    other = tmp_path / "other.sqlite3"
    with sa.create_engine(f"sqlite:///{other}").begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (text TEXT)")
    schema = backup.Schema(tables=frozenset({"survey"}), revisions=frozenset())
    with pytest.raises(
        backup.BackupError, match="not a backup of Feedback Loop: it holds none of its tables"
    ):
        backup.restore(engine, other, schema)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT id FROM survey").all() == [(1,)]


@pytest.fixture
def stamped(app):
    """Give the test database the table Alembic keeps its revision in (tests make their tables without
    migrations), and take it away again after the test."""

    def stamp(revision: str) -> None:
        with app.app_context(), db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            connection.execute(
                sa.text("INSERT INTO alembic_version VALUES (:revision)"), {"revision": revision}
            )

    yield stamp
    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def test_a_backup_from_a_version_not_known_here_is_refused_and_changes_nothing(
    app, runner, demo, tmp_path, stamped
):
    stamped("9999_from_a_later_version")
    target = tmp_path / "feedback.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    _cases_deleted(app)
    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 1, result.output
    assert "does not know (database revision 9999_from_a_later_version)" in result.output
    assert _case_count(app) == 0


def test_a_backup_from_an_earlier_version_is_restored_and_says_to_upgrade(
    app, runner, demo, tmp_path, stamped
):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        head = script.get_current_head()
        earlier = script.get_revision(head).down_revision
    assert isinstance(earlier, str)
    for revision, says_upgrade in [(earlier, True), (head, False)]:
        stamped(revision)
        target = tmp_path / f"{revision}.backup"
        assert runner.invoke(args=["backup", str(target)]).exit_code == 0
        _cases_deleted(app)
        result = runner.invoke(args=["restore", "--yes", str(target)])
        assert result.exit_code == 0 and "integrity check passed" in result.output, result.output
        assert ("run `flask db upgrade`" in result.output) is says_upgrade
        assert _case_count(app) > 0


def test_what_a_restored_backup_brings_back_is_forgotten_again_by_the_next_retention_run(
    app, runner, demo, tmp_path
):
    target = tmp_path / "before-retention.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    retention = ["responses", "apply-retention", "--submitted-before", "2023-04-01"]
    first = runner.invoke(args=retention)
    assert first.exit_code == 0 and "names in comments of 0 responses" not in first.output
    assert runner.invoke(args=["restore", "--yes", str(target)]).exit_code == 0
    with app.app_context():
        comment = sa.select(Answer.id).where(Answer.text.like("%Oliver%"))
        assert db.session.scalar(comment) is not None  # the backup was made before it was forgotten
        db.session.remove()
    assert runner.invoke(args=retention).output == first.output  # the same responses, forgotten again
    with app.app_context():
        assert db.session.scalar(comment) is None


@pytest.fixture
def usual_umask():
    """The umask most machines give a login: files others can read unless made otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_backup_is_readable_only_by_its_owner(runner, demo, tmp_path, usual_umask):
    target = tmp_path / "feedback.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_backup_with_nowhere_to_go_says_so(runner, demo, tmp_path):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    result = runner.invoke(args=["backup", str(tmp_path / "notes.txt" / "feedback.backup")])
    assert result.exit_code == 1 and "cannot be made a folder" in result.output, result.output


def test_a_backup_that_fails_leaves_no_file(monkeypatch, tmp_path):
    """pg_dump that stops halfway (a full disk, a dropped connection) has written part of a backup."""

    def stops_halfway(command, env):
        Path(command[command.index("--file") + 1]).write_bytes(b"PGDMP part of a backup")
        raise backup.BackupError("pg_dump failed: could not write to output file: No space left on device")

    monkeypatch.setattr(backup, "_run", stops_halfway)
    engine = sa.create_engine("postgresql+psycopg://feedback@127.0.0.1:1/feedback")  # never connected
    target = tmp_path / "feedback.backup"
    with pytest.raises(backup.BackupError, match="No space left"):
        backup.backup(engine, target)
    assert not target.exists()


def test_a_database_in_memory_is_neither_backed_up_nor_restored_to(tmp_path):
    """Copying it would make an empty backup, or restore into a database that ends with the command."""
    engine = sa.create_engine("sqlite://")
    target = tmp_path / "feedback.backup"
    with pytest.raises(backup.BackupError, match="held in memory"):
        backup.backup(engine, target)
    assert not target.exists()
    target.write_bytes(b"")  # an empty file is an empty SQLite database, which passes its integrity check
    with pytest.raises(backup.BackupError, match="held in memory"):
        backup.restore(engine, target, backup.Schema(tables=frozenset(), revisions=frozenset()))

"""On SQLite, web writers queue for the write lock on a lock file beside the database (feedback/database.py):
taken when a request's write transaction begins, given back when it ends however it ends, never by a
transaction that only reads, and never waited for by a thread that already holds it. What a writer
committed is flushed to disk after it gives back its turn. These run on SQLite in both of CI's runs: the
queue exists only for SQLite."""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from feedback import create_app
from feedback.database import (
    READS_ONLY,
    SQLITE_PRAGMAS,
    NotOnDisk,
    flushes_after_the_turn,
    reading,
    writing,
)
from feedback.extensions import db
from tests.conftest import fail_every_flush, sqlite_write_lock_is_free


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"}
    )
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE note (text TEXT)")
    yield app
    with app.app_context():
        db.engine.dispose()


def turn_file(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-writers"


def turn_is_taken(app) -> bool:
    """Whether some connection holds the writers' turn, asked from a file of our own."""
    probe = os.open(turn_file(app), os.O_RDWR)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(probe)
    return False


def lock_is_free(app) -> bool:
    return sqlite_write_lock_is_free(turn_file(app).removesuffix("-writers"))


@pytest.fixture
def flushes(sqlite_app, monkeypatch) -> list[tuple[str, bool]]:
    """Every file flushed to disk from here on, each with whether the writers' turn was taken then."""
    seen: list[tuple[str, bool]] = []
    flush = os.fdatasync

    def fdatasync(fd: int) -> None:
        seen.append((os.readlink(f"/proc/self/fd/{fd}"), turn_is_taken(sqlite_app)))
        flush(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    return seen


def test_a_commit_is_flushed_to_disk_after_the_turn_is_given_back_and_before_the_request_ends(
    sqlite_app, flushes
):
    """SQLite's FULL flushes inside COMMIT, holding the lock and the turn, so every writer would wait for
    every other's flush. The connection runs with NORMAL instead and flushes the WAL itself once the turn
    is free: still before anyone can be told the write is saved."""
    wal = turn_file(sqlite_app).replace("-writers", "-wal")
    with sqlite_app.test_request_context(method="POST"):
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            connection.exec_driver_sql("INSERT INTO note VALUES ('a')")
        assert flushes == [(wal, False)]
        db.session.execute(sa.text("INSERT INTO note VALUES ('b')"))  # the request's own session
        db.session.commit()
        assert flushes == [(wal, False)] * 2
    with sqlite_app.test_request_context(method="GET"), db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM note").scalar() == 2
    with sqlite_app.app_context():
        with db.engine.begin() as connection:  # not begun as a writer, but it changed a row
            connection.exec_driver_sql("INSERT INTO note VALUES ('c')")
        with writing(db.session):
            db.session.execute(sa.text("INSERT INTO note VALUES ('d')"))
    assert flushes == [(wal, False)] * 4  # and none for the reading
    with sqlite_app.test_request_context(method="POST"):
        with pytest.raises(RuntimeError), db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO note VALUES ('undone')")
            raise RuntimeError("the form was wrong")
    assert flushes == [(wal, False)] * 4  # nothing was committed, so nothing is told it is saved


def test_a_flush_that_fails_is_reported_not_ignored(sqlite_app, monkeypatch, caplog):
    fail_every_flush(monkeypatch)
    with sqlite_app.app_context():
        with caplog.at_level(logging.CRITICAL), pytest.raises(NotOnDisk, match="Input/output error"):
            with writing(db.session):
                db.session.execute(sa.text("INSERT INTO note VALUES ('maybe')"))
        assert "could not be flushed to disk" in caplog.text
        assert not turn_is_taken(sqlite_app) and lock_is_free(sqlite_app)
        monkeypatch.undo()
        with writing(db.session):  # the next writer starts afresh
            db.session.execute(sa.text("INSERT INTO note VALUES ('surely')"))
        db.create_all()
    fail_every_flush(monkeypatch)
    monkeypatch.setenv("FEEDBACK_NEW_PASSWORD", "a long enough passphrase")
    create_user = ["users", "create", "a@example.org", "--role", "staff"]
    for command, done in ((["demo"], "Loaded"), (create_user, "Created")):
        result = sqlite_app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 1
        assert "could not be flushed to disk (Input/output error): check the disk" in result.output
        assert done not in result.output  # nothing is reported done before it is on disk


def test_flushing_after_the_turn_only_where_it_does_what_full_does():
    assert flushes_after_the_turn("wal", {"THREADSAFE=1"})
    assert not flushes_after_the_turn("delete", set())  # a rollback journal has no such split
    assert not flushes_after_the_turn("wal", {"POWERSAFE_OVERWRITE=0"})  # FULL would pad each commit
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context(), db.engine.connect() as connection:  # in memory: no WAL to flush
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_web_write_holds_the_turn_until_it_commits(sqlite_app):
    with sqlite_app.test_request_context(method="POST"):
        assert not turn_is_taken(sqlite_app)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO note VALUES ('a')")
            assert turn_is_taken(sqlite_app)
        assert not turn_is_taken(sqlite_app)


def test_the_turn_is_given_back_when_the_write_fails(sqlite_app):
    with sqlite_app.test_request_context(method="POST"):
        with pytest.raises(sa.exc.OperationalError), db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
        assert not turn_is_taken(sqlite_app)
        db.session.execute(sa.text("INSERT INTO note VALUES ('b')"))  # the request's own session
        assert turn_is_taken(sqlite_app)
        db.session.rollback()
        assert not turn_is_taken(sqlite_app)


def test_reading_takes_no_turn(sqlite_app):
    with sqlite_app.test_request_context(method="GET"), db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM note").scalar()
        assert not turn_is_taken(sqlite_app)
    with sqlite_app.test_request_context(method="POST"), db.engine.connect() as connection:
        connection.execution_options(**READS_ONLY).exec_driver_sql("SELECT count(*) FROM note").scalar()
        assert not turn_is_taken(sqlite_app)


def test_a_second_web_writer_waits_for_the_first_and_then_writes(sqlite_app):
    first_holds, first_may_finish = threading.Event(), threading.Event()
    order: list[str] = []

    def write(name: str, hold: bool) -> None:
        with sqlite_app.test_request_context(method="POST"), db.engine.begin() as connection:
            connection.exec_driver_sql(f"INSERT INTO note VALUES ('{name}')")
            order.append(name)
            if hold:
                first_holds.set()
                first_may_finish.wait(10)

    first = threading.Thread(target=write, args=("first", True), daemon=True)
    first.start()
    assert first_holds.wait(10)
    second = threading.Thread(target=write, args=("second", False), daemon=True)
    second.start()
    second.join(0.3)
    assert second.is_alive() and order == ["first"]  # queued behind the first, not refused
    first_may_finish.set()
    first.join(10)
    second.join(10)
    assert order == ["first", "second"]
    with sqlite_app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM note")) == 2


def test_work_outside_a_request_writes_as_a_writer_only_when_it_says_so(sqlite_app):
    """The analyser reads in a transaction that takes nothing, then writes in one that takes its turn and
    SQLite's lock as it begins: a family committing between its reading and its first write could
    otherwise get it refused with "database is locked" at once."""
    with sqlite_app.app_context():
        with reading(db.session):
            db.session.execute(sa.text("SELECT count(*) FROM note"))
            assert not turn_is_taken(sqlite_app) and lock_is_free(sqlite_app)
        with writing(db.session):
            db.session.execute(sa.text("SELECT count(*) FROM note"))  # no write yet
            assert turn_is_taken(sqlite_app) and not lock_is_free(sqlite_app)
            db.session.execute(sa.text("INSERT INTO note VALUES ('analysed')"))
        assert not turn_is_taken(sqlite_app) and lock_is_free(sqlite_app)
        with pytest.raises(RuntimeError), writing(db.session):
            db.session.execute(sa.text("INSERT INTO note VALUES ('rolled back')"))
            raise RuntimeError("the disk is full")
        assert not turn_is_taken(sqlite_app) and lock_is_free(sqlite_app)
        assert db.session.scalars(sa.text("SELECT text FROM note")).all() == ["analysed"]
        with pytest.raises(RuntimeError, match="end the session's open one first"), writing(db.session):
            pass
        db.session.rollback()
    with sqlite_app.test_request_context(method="POST"), reading(db.session):
        db.session.execute(sa.text("SELECT count(*) FROM note"))
        assert not turn_is_taken(sqlite_app) and lock_is_free(sqlite_app)


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_a_writer_goes_on_without_its_turn_when_the_holder_keeps_it_too_long(sqlite_app, monkeypatch, where):
    """A turn held and never given back (here by a file of the test's own) delays writers by the busy
    timeout, not for ever: then they meet SQLite's own lock, which is free, and write. The main thread
    waits in flock with an alarm to end it, which it gives back; another thread tries every 0.1 ms."""
    monkeypatch.setattr("feedback.database.BUSY_TIMEOUT_SECONDS", 0.2)
    holder = os.open(turn_file(sqlite_app), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)

    def write() -> None:
        with sqlite_app.test_request_context(method="POST"), db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO note VALUES ('late')")

    try:
        if where == "main thread":
            # A wait without end is ended after 5 s, and fails below rather than hanging the run.
            watchdog = threading.Timer(5, fcntl.flock, args=(holder, fcntl.LOCK_UN))
            watchdog.start()
            started = time.monotonic()
            write()
            watchdog.cancel()
            assert time.monotonic() - started < 3
        else:
            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            writer.join(10)
            assert not writer.is_alive()
    finally:
        os.close(holder)
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with sqlite_app.app_context():
        assert db.session.scalar(sa.text("SELECT text FROM note")) == "late"


def test_a_writer_in_the_main_thread_waits_for_the_turn_and_takes_it_when_it_is_given_back(sqlite_app):
    holder = os.open(turn_file(sqlite_app), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    threading.Timer(0.3, os.close, args=(holder,)).start()  # closing the file gives the turn back
    started = time.monotonic()
    with sqlite_app.test_request_context(method="POST"), db.engine.begin() as connection:
        waited = time.monotonic() - started
        assert turn_is_taken(sqlite_app)
        connection.exec_driver_sql("INSERT INTO note VALUES ('next')")
    assert 0.25 < waited < 5  # waited for the holder, not for the busy timeout (10 s)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_thread_that_holds_the_turn_is_refused_by_sqlite_rather_than_waiting_for_itself(sqlite_app):
    """Two write transactions at once in one thread can never both proceed. Without the queue SQLite
    refuses the second after busy_timeout; the queue must not turn that into a wait without end."""
    outcome: list[str] = []

    def nested() -> None:
        with sqlite_app.test_request_context(method="POST"), db.engine.begin() as outer:
            outer.exec_driver_sql("INSERT INTO note VALUES ('outer')")
            with db.engine.connect() as inner:
                inner.connection.driver_connection.execute("PRAGMA busy_timeout = 50")
                try:
                    with inner.begin():
                        outcome.append("both wrote")
                except sa.exc.OperationalError as error:
                    outcome.append(str(error.orig))

    thread = threading.Thread(target=nested, daemon=True)  # so that a wait without end fails the test
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert outcome == ["database is locked"]
    assert not turn_is_taken(sqlite_app)


def test_the_lock_file_has_the_databases_mode_and_a_file_that_cannot_be_opened_costs_only_the_turns(
    tmp_path, monkeypatch, caplog
):
    database = tmp_path / "d.db"
    database.touch(mode=0o640)
    os.chmod(database, 0o640)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        assert os.stat(f"{database}-writers").st_mode & 0o777 == 0o640  # not wider than the database
        db.engine.dispose()

        real_open = os.open

        def refused(path, *args, **kwargs):
            if str(path).endswith("-writers"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refused)
        with app.test_request_context(method="POST"), db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE note (text TEXT)")
            connection.exec_driver_sql("INSERT INTO note VALUES ('still written')")
        assert "will not take turns" in caplog.text
        assert db.session.scalar(sa.text("SELECT text FROM note")) == "still written"
        db.engine.dispose()


@pytest.mark.parametrize("command", [["responses", "purge-drafts"], ["analyse"]], ids=" ".join)
def test_a_command_that_cannot_get_the_lock_says_so_and_changes_nothing(tmp_path, monkeypatch, command):
    path = tmp_path / "d.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    monkeypatch.setitem(SQLITE_PRAGMAS, "busy_timeout", 100)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = app.test_cli_runner().invoke(args=command)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "kept the database busy for too long; nothing was changed" in result.output
    assert app.test_cli_runner().invoke(args=command).exit_code == 0
    with app.app_context():
        db.engine.dispose()


def test_a_writer_that_waited_its_whole_turn_does_not_wait_again_at_sqlites_lock(sqlite_app, monkeypatch):
    """A writer holding the turn and SQLite's lock past the busy timeout (a long command) keeps the next
    writer waiting once, not twice: after waiting for its turn it tries SQLite's lock once, is refused,
    and its connection gets the full busy timeout back for the next request."""
    monkeypatch.setattr("feedback.database.BUSY_TIMEOUT_SECONDS", 0.2)
    holder_turn = os.open(turn_file(sqlite_app), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder_turn, fcntl.LOCK_EX)
    holder = sqlite3.connect(turn_file(sqlite_app).removesuffix("-writers"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    outcome: list[tuple[str, float]] = []

    def write() -> None:
        started = time.monotonic()
        try:
            with sqlite_app.test_request_context(method="POST"), db.engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO note VALUES ('late')")
                outcome.append(("wrote", time.monotonic() - started))
        except sa.exc.OperationalError as error:
            outcome.append((str(error.orig), time.monotonic() - started))

    writer = threading.Thread(target=write, daemon=True)
    try:
        writer.start()
        writer.join(30)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        os.close(holder_turn)
    assert [what for what, _ in outcome] == ["database is locked"]
    assert outcome[0][1] < 5  # the turn's 0.2 s and no more; SQLite's own wait would be 10 s
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000

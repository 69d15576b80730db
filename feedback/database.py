"""Engine settings and the request's unit of work."""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias, cast

from flask import Flask, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.pool import Pool

from .extensions import db
from .prepared import Prepared

# Execution options for a transaction that only reads: on SQLite it takes no write lock (_sqlite_begin).
READS_ONLY = {"reads_only": True}
# Execution options for a transaction outside a request that will write (see ``writing``).
WRITES = {"writes": True}
# What the services take: a Session, or Flask-SQLAlchemy's db.session, which stands for the request's own.
DbSession: TypeAlias = Session | scoped_session[Any]
BUSY_TIMEOUT_SECONDS = 10  # how long a writer waits for its turn (below), and then for SQLite's write lock
# Set on every SQLite connection as it is made, in this order; a test may shorten busy_timeout here.
SQLITE_PRAGMAS = {
    "foreign_keys": "ON",
    "journal_mode": "WAL",
    "synchronous": "FULL",
    "secure_delete": "ON",
    "busy_timeout": BUSY_TIMEOUT_SECONDS * 1000,
}


def insert_on_conflict(dialect: str) -> Any:
    """The insert of this dialect (PostgreSQL's or SQLite's), which can say ON CONFLICT."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run by a Session changed. A Session types every result as a
    Result; for these statements it is a CursorResult, which counts them."""
    return cast(CursorResult[Any], result).rowcount


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` says only that another writer kept SQLite's write lock for longer than we wait
    (the busy timeout): nothing was written, and the same request can succeed in a moment."""
    if not isinstance(error, OperationalError) or not isinstance(error.orig, sqlite3.OperationalError):
        return False
    return getattr(error.orig, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


# What SQLite says when the database cannot be used, however right the statement: its file cannot be
# opened, the disk failed or is full, or it can only be read. SQLite's other operational errors include a
# statement it cannot run ("no such column"), which is a fault of ours.
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_READONLY,
}


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be used just now, not that the request or the code
    asked it something wrong: the connection was lost or refused (PostgreSQL down or restarting), the
    server ran out of connections or disk, or a statement was cancelled. psycopg raises these, and only
    these, as OperationalError (a bad statement is a ProgrammingError); SQLite raises more, and only the
    errors above are counted."""
    if not isinstance(error, OperationalError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.Error):
        return getattr(error.orig, "sqlite_errorcode", 0) & 0xFF in _SQLITE_UNAVAILABLE
    return True


def _is_sqlite(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite enforces foreign keys only when asked, and WAL lets readers run beside one writer.

    synchronous = FULL: a commit is on disk before the family is told their answers are saved, as with
    PostgreSQL's default; NORMAL alone would let a power cut take back the last few acknowledged
    submissions. In WAL mode the flush is made after the writer's turn (_flush_wal), not inside it.

    secure_delete = ON: what a delete or an update removes is overwritten with zeros, so that contact
    details erased on request, or at the end of the retention period, are gone from the database file
    and not left in its free space. Debian builds SQLite with it on; other builds leave it off.

    The sqlite3 module's own transaction handling is switched off (isolation_level None) and SQLAlchemy
    emits BEGIN itself, as SQLAlchemy's documentation recommends: otherwise a SAVEPOINT opened before
    any write starts the transaction and its RELEASE commits it.
    """
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for name, value in SQLITE_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name} = {value}")
        path = next((file for _, name, file in cursor.execute("PRAGMA database_list") if name == "main"), "")
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        options = {option for (option,) in cursor.execute("PRAGMA compile_options")}
        if SQLITE_PRAGMAS["synchronous"] == "FULL" and flushes_after_the_turn(journal_mode, options):
            cursor.execute("PRAGMA synchronous = NORMAL")  # and _flush_wal does what FULL would, later
            connection_record.info[_WAL_PATH] = f"{path}-wal"
            connection_record.info[_CHANGES_FLUSHED] = dbapi_connection.total_changes
        cursor.close()
        if path:  # a database in memory is one connection's own: nobody to queue behind
            turn_file = _open_turn_file(path)
            if turn_file is not None:
                connection_record.info[_TURN_FILE] = turn_file


# Sent on the driver's cursor (prepared.py): every request begins a transaction at least, and through
# Connection.exec_driver_sql, SQLAlchemy's execution machinery cost more than SQLite took to begin it.
_BEGIN = {True: Prepared(text("BEGIN IMMEDIATE")), False: Prepared(text("BEGIN"))}


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """A transaction that may write takes SQLite's write lock when it starts, after waiting its turn
    behind other writers (_take_turn). With a plain deferred BEGIN, a transaction that had read before
    another connection committed would be refused its first write at once with "database is locked".

    A request may write unless it is a GET, HEAD or OPTIONS; outside a request, a transaction writes
    only if it says so with ``WRITES`` (the analyser's ``writing``, and commands that change the
    database). A transaction opened with ``READS_ONLY`` takes no lock, even in a POST (services/shapes.py).
    """
    if connection.dialect.name == "sqlite":
        options = connection.get_execution_options()
        if options.get("reads_only"):
            writes = False
        elif options.get("writes"):
            writes = True
        else:
            writes = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        if writes:
            _take_turn(connection.connection.info, connection.connection.dbapi_connection)
        connection.connection.info[_BEGAN_AS_WRITER] = writes
        _BEGIN[writes].run(connection, {})


@event.listens_for(Engine, "commit")
def _sqlite_commit(connection: Any) -> None:
    """A commit by a writer, or of any change, is flushed to disk when the connection goes back to the
    pool (_flush_wal); a transaction that only read, or was rolled back, is not."""
    info = connection.connection.info
    if _WAL_PATH in info and (
        info.get(_BEGAN_AS_WRITER)
        or connection.connection.dbapi_connection.total_changes != info[_CHANGES_FLUSHED]
    ):
        info[_FLUSH_DUE] = True


def _not_in_a_transaction(session: DbSession, name: str) -> None:
    own = session() if isinstance(session, scoped_session) else session
    if own.in_transaction():
        raise RuntimeError(f"{name}() starts a transaction: end the session's open one first")


@contextmanager
def writing(session: DbSession) -> Iterator[DbSession]:
    """A transaction of ``session`` that writes, for work outside a request (the analyser): it begins as
    a writer (on SQLite: its turn, then BEGIN IMMEDIATE), commits at the end and rolls back on an error.
    Do the slow reading and thinking before it, in a transaction of its own, so that families' answers
    wait only for the writing."""
    _not_in_a_transaction(session, "writing")
    clear_flush_failure()
    session.connection(execution_options=WRITES)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    commit_to_disk(session)


def commit_to_disk(session: DbSession) -> None:
    """Commit ``session``, and raise NotOnDisk now if the flush that follows the commit failed (it comes
    as the connection goes back to the pool, _flush_wal): before anyone is told that it was saved."""
    session.commit()
    raise_if_not_on_disk()


@contextmanager
def reading(session: DbSession) -> Iterator[DbSession]:
    """A transaction of ``session`` that only reads, even in a POST: on SQLite it takes no write lock.
    Ended by a rollback, which expires the objects it loaded: keep plain values from it, not them."""
    _not_in_a_transaction(session, "reading")
    session.connection(execution_options=READS_ONLY)
    try:
        yield session
    finally:
        session.rollback()


# Web writers take turns at SQLite's write lock through a lock file beside the database (flock, one open
# file for each connection, so that threads queue as well as processes). SQLite's own wait, busy_timeout,
# sleeps 1 ms, then 2, then 5 and more between tries, even when the lock comes free a tenth of a
# millisecond later: on a busy two-core server the web processes spent a quarter of their time asleep.
# filelock would do the turns, but opens the file at every try: 65 us, not 1.
#
# A writer in a process's main thread (a gunicorn sync worker has only that one) waits in flock itself, and
# the kernel wakes it the moment the turn is given back; an alarm (SIGALRM) bounds the wait. Other threads
# cannot take signals, so they try the turn every 0.1 ms. Waiting in flock costs the two cores less than
# trying every 0.1 ms, which wakes the waiting process ten times a millisecond beside the one doing the work
# (bench/submit, feedback line, three alternating runs: 599-654 submissions/s and 2.14-2.25 ms of CPU each
# trying, 731-831/s and 1.62-1.88 ms waiting in flock).
#
# The turn is taken before BEGIN IMMEDIATE and given back when the connection returns to the pool, after
# its commit or rollback; a process that dies holding it gives it back with its open files. A writer that
# has waited BUSY_TIMEOUT_SECONDS for its turn tries SQLite's lock once without it, so that nobody waits
# the busy timeout twice (a request then says the service is busy, views/errors.py). Every transaction that
# begins as a writer (_sqlite_begin) takes its turn; any other meets them at SQLite's lock.
_TURN_FILE = "writer_turn_file"
_TURN_HELD_BY = "writer_turn_held_by"
_WAIT_CUT = "writer_wait_cut"  # this connection tries SQLite's lock once, until it is back in the pool
_TURN_POLL_SECONDS = 0.0001
_log = logging.getLogger(__name__)
_threads_with_a_turn: set[int] = set()


def _open_turn_file(database: str) -> int | None:
    """The lock file beside ``database``, with the database's owner and mode, as SQLite gives its -wal and
    -shm files: a command run as root first must not lock the web processes out of it. A file that cannot
    be opened costs the turns, never the connection."""
    try:
        owner = os.stat(database)
        turn_file = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        _log.warning("SQLite writers will not take turns at the write lock: %s", error)
        return None
    try:
        if os.geteuid() == 0:
            os.fchown(turn_file, owner.st_uid, owner.st_gid)
        if os.geteuid() in (0, os.fstat(turn_file).st_uid):
            os.fchmod(turn_file, owner.st_mode & 0o666)
    except OSError as error:  # the file is usable; only its owner or mode could not follow the database's
        _log.warning("The SQLite writers' lock file keeps its own owner or mode: %s", error)
    return turn_file


def _take_turn(info: dict, dbapi_connection: Any) -> None:
    turn_file = info.get(_TURN_FILE)
    if turn_file is None or _TURN_HELD_BY in info:
        return
    thread = threading.get_ident()
    if thread in _threads_with_a_turn:
        # This thread already writes through another connection: waiting here would be waiting for itself.
        # SQLite's own lock refuses the second writer after busy_timeout, as it always has.
        return
    if not _wait_for_turn(turn_file, BUSY_TIMEOUT_SECONDS):
        # The holder has kept the turn for the whole busy timeout, so it most likely still holds SQLite's
        # lock too: try that once rather than wait the busy timeout a second time.
        dbapi_connection.execute("PRAGMA busy_timeout = 0")
        info[_WAIT_CUT] = True
        return
    info[_TURN_HELD_BY] = thread
    _threads_with_a_turn.add(thread)


def _wait_for_turn(turn_file: int, seconds: float) -> bool:
    """Take the turn, waiting for it at most ``seconds``; False if it did not come."""
    if _try_turn(turn_file):
        return True
    if _alarm_is_free():
        return _block_for_turn(turn_file, seconds)
    deadline = time.monotonic() + seconds
    while time.monotonic() <= deadline:
        time.sleep(_TURN_POLL_SECONDS)
        if _try_turn(turn_file):
            return True
    return False


def _try_turn(turn_file: int) -> bool:
    try:
        fcntl.flock(turn_file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a no-op if this file holds it already
    except BlockingIOError:
        return False
    return True


class _TurnTimedOut(Exception):
    pass


_blocked_for_turn = False  # the main thread's alarm is set and it waits in flock


def _alarm_rang(signum: int, frame: Any) -> None:
    if _blocked_for_turn:
        raise _TurnTimedOut


def _alarm_is_free() -> bool:
    """Whether this thread may use SIGALRM: only the main thread takes signals, and a process whose alarm
    is already somebody else's must not have it taken over."""
    return (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


def _block_for_turn(turn_file: int, seconds: float) -> bool:
    global _blocked_for_turn
    previous = signal.signal(signal.SIGALRM, _alarm_rang)
    _blocked_for_turn = True
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)  # rings once
        fcntl.flock(turn_file, fcntl.LOCK_EX)
        _blocked_for_turn = False
        return True
    except _TurnTimedOut:
        # It may have rung after flock returned and before the line after it: then this file holds the turn.
        return _try_turn(turn_file)
    finally:
        _blocked_for_turn = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@event.listens_for(Pool, "checkin")
def _give_back_turn(dbapi_connection: Any, connection_record: Any) -> None:
    if connection_record is None:
        return
    info = connection_record.info
    if info.pop(_WAIT_CUT, False) and dbapi_connection is not None:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_PRAGMAS['busy_timeout']}")
    if _TURN_HELD_BY in info:
        _threads_with_a_turn.discard(info.pop(_TURN_HELD_BY))
        fcntl.flock(info[_TURN_FILE], fcntl.LOCK_UN)
    _flush_wal(dbapi_connection, info)


@event.listens_for(Pool, "close")
def _close_turn_file(dbapi_connection: Any, connection_record: Any) -> None:
    if connection_record is not None:
        connection_record.info.pop(_WAIT_CUT, None)  # a connection being closed keeps no timeout
    _give_back_turn(dbapi_connection, connection_record)
    if connection_record is not None:
        for name in (_TURN_FILE, _WAL_FILE):
            opened = connection_record.info.pop(name, None)
            if opened is not None:
                os.close(opened)


# synchronous = FULL flushes the WAL inside COMMIT, while the writer still holds SQLite's write lock and its
# turn: every writer waits for every other writer's flush, one after another. In WAL mode, FULL differs
# from NORMAL only by that flush (SQLite's wal.c: NORMAL still flushes the WAL's header when it starts
# again, the WAL before a checkpoint and the database after one). So connections run with NORMAL, and one
# that committed as a writer, or committed any change, flushes the WAL itself as it goes back to the pool:
# after giving back its turn, and before its request answers. What it committed is on disk before anyone
# is told it is saved, as with FULL, while the next writer already writes; and a flush takes to disk every
# commit written before it, so writers share flushes. A family's double tap may read the first tap's
# response before that flush ends, so the second is answered after a flush of its own too: its JSON
# request commits as a writer, and a reply that reports as saved what it only read (the confirmation
# page, a retry read without the lock) asks for one with ``acknowledges``. Reading alone flushes nothing.
#
# A build of SQLite without powersafe overwrite pads each commit to a sector boundary only with FULL, and
# a journal that is not a WAL has no such split: those keep FULL (flushes_after_the_turn).
_WAL_PATH = "wal_path"
_WAL_FILE = "wal_file"
_CHANGES_FLUSHED = "wal_changes_flushed"  # the connection's total_changes at its last flush
_FLUSH_DUE = "wal_flush_due"
_BEGAN_AS_WRITER = "began_as_writer"
_unflushed = threading.local()  # what a flush that failed raised, until the request or command says so


class NotOnDisk(Exception):
    """What was committed may not have reached the disk: the flush after it failed. The request answers
    503 (views/errors.py) and a command fails, each saying to try again: the same submission is then
    found stored and flushed once more, not stored twice."""


class CommitUnanswered(NotOnDisk):
    """The connection went before the database answered COMMIT (PostgreSQL restarting, a disk gone):
    what the request sent may have been saved or not, and nobody can say which. The person is told so,
    as for a flush that failed, and not that nothing was saved, which would have them enter it again."""


def flushes_after_the_turn(journal_mode: str, compile_options: set[str]) -> bool:
    """Whether a connection may run with NORMAL and flush the WAL itself, to the same effect as FULL."""
    return journal_mode.lower() == "wal" and "POWERSAFE_OVERWRITE=0" not in compile_options


def acknowledges(connection: Any) -> None:
    """What this transaction read is about to be reported as saved (a retry's stored response): flush the
    WAL when the connection goes back to the pool, as a writer's would be, so that nobody is told of a
    commit that a power cut could still take back."""
    connection.connection.info[_FLUSH_DUE] = True


def _flush_wal(dbapi_connection: Any, info: dict) -> None:
    path = info.get(_WAL_PATH)
    if not info.pop(_FLUSH_DUE, False) or path is None or dbapi_connection is None:
        return
    changes = dbapi_connection.total_changes
    try:
        wal = info.get(_WAL_FILE)
        if wal is None:
            # Opened once per connection: SQLite removes the WAL only when its last connection closes.
            wal = info[_WAL_FILE] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        os.fdatasync(wal)
    except FileNotFoundError:
        pass  # no WAL yet: nothing has been committed to one
    except OSError as error:
        _log.critical("SQLite's WAL could not be flushed to disk; the last commit may be lost: %s", error)
        _unflushed.error = error
        return
    info[_CHANGES_FLUSHED] = changes


def clear_flush_failure() -> None:
    _unflushed.error = None


def raise_if_not_on_disk() -> None:
    """Raise NotOnDisk if a flush in this thread has failed since the last clear_flush_failure()."""
    error = getattr(_unflushed, "error", None)
    if error is not None:
        _unflushed.error = None
        raise NotOnDisk(error.strerror or str(error)) from error


def _commit_or_say_unanswered() -> None:
    try:
        db.session.commit()
    except OperationalError as error:
        if not is_unavailable(error):
            raise
        _log.error("The database did not answer COMMIT; it may or may not have saved it", exc_info=True)
        db.session.rollback()
        raise CommitUnanswered(str(error.orig)) from error


def init_app(app: Flask) -> None:
    @app.before_request
    def _no_flush_failed_yet() -> None:
        clear_flush_failure()  # one that failed after an earlier request's answer was only logged

    @app.after_request
    def _commit(response: Any) -> Any:
        """One transaction per request: services flush, a successful request commits here. A request
        that never used the session (a JSON submission writes on a connection of its own) skips it: an
        empty commit still costs a twentieth of such a request. Whatever the request committed is flushed
        to disk by now (_flush_wal); if that failed, the answer says so instead."""
        try:
            if db.session.registry.has() and db.session().in_transaction():
                if response.status_code < 400:
                    _commit_or_say_unanswered()
                else:
                    db.session.rollback()
            raise_if_not_on_disk()
        except NotOnDisk as error:
            return app.make_response(app.handle_user_exception(error))
        return response

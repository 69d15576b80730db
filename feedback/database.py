"""Engine settings and the request's unit of work."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

# Execution options for a transaction that only reads: on SQLite it takes no write lock (_sqlite_begin).
READS_ONLY = {"reads_only": True}
SQLITE_PRAGMAS = ("foreign_keys = ON", "journal_mode = WAL", "synchronous = FULL", "busy_timeout = 10000")


def _is_sqlite(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite enforces foreign keys only when asked, and WAL lets readers run beside one writer.

    synchronous = FULL: a commit is on disk before the family is told their answers are saved, as with
    PostgreSQL's default; NORMAL would let a power cut take back the last few acknowledged submissions.

    The sqlite3 module's own transaction handling is switched off (isolation_level None) and SQLAlchemy
    emits BEGIN itself, as SQLAlchemy's documentation recommends: otherwise a SAVEPOINT opened before
    any write starts the transaction and its RELEASE commits it.
    """
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """A request that may write takes SQLite's write lock when its transaction starts, waiting its turn
    (busy_timeout) behind other writers. With a plain deferred BEGIN, a request that had read before
    another worker committed would be refused its first write at once with "database is locked".
    A transaction opened with the execution option ``reads_only`` takes no lock (services/shapes.py)."""
    if connection.dialect.name == "sqlite":
        writes = (
            has_request_context()
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and not connection.get_execution_options().get("reads_only")
        )
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit(response: Any) -> Any:
        """One transaction per request: services flush, a successful request commits here."""
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

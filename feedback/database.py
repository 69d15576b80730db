"""Engine settings and the request's unit of work."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db
from .services.audit import set_actor


def _is_sqlite(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite enforces foreign keys only when asked, and WAL lets readers run beside one writer.

    The sqlite3 module's own transaction handling is switched off (isolation_level None) and SQLAlchemy
    emits BEGIN itself, as SQLAlchemy's documentation recommends: otherwise a SAVEPOINT opened before
    any write starts the transaction and its RELEASE commits it.
    """
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    @app.before_request
    def _name_the_actor() -> None:
        if current_user.is_authenticated:
            set_actor(db.session, current_user._get_current_object())

    @app.after_request
    def _commit(response: Any) -> Any:
        """One transaction per request: services flush, a successful request commits here."""
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

"""Engine settings and the request's unit of work."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db
from .services.audit import set_actor


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite enforces foreign keys only when asked, and WAL lets readers run beside one writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()


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

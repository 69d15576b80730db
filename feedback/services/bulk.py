"""Writing many rows at once, below the ORM: for the demo's synthetic responses and the analyser's
results, where building an object or a bound statement per row would cost more than the write.
The rows go through the session's own connection, so they commit or roll back with it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa


def timestamp(moment: datetime, postgres: bool):
    naive = moment.replace(tzinfo=None)
    # The format SQLAlchemy's SQLite DateTime reads back; PostgreSQL takes the datetime itself.
    return naive if postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")


def write_rows(connection: sa.Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain tuples: COPY on PostgreSQL, one executemany on SQLite. ``table`` and ``columns`` are
    the caller's constants, never user input."""
    if not rows:
        return
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)

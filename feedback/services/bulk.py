"""Writing many rows at once, below the ORM: for the demo's synthetic responses and the analyser's
results, where building an object or a bound statement per row would cost more than the write.
The rows go through the session's own connection, so they commit or roll back with it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db


def timestamp(moment: datetime, postgres: bool):
    naive = moment.replace(tzinfo=None)
    # The format SQLAlchemy's SQLite DateTime reads back; PostgreSQL takes the datetime itself.
    return naive if postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")


def write_rows(connection: sa.Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain tuples: COPY on PostgreSQL, one executemany on SQLite. The table and its columns are
    looked up in the models' metadata, so a name that is not one of ours fails before any SQL is made,
    and the statement is built by the driver's or SQLAlchemy's quoting, not by string formatting."""
    if not rows:
        return
    known = db.metadata.tables[table]
    targets = [known.c[name] for name in columns]
    raw = connection.connection.driver_connection
    assert raw is not None  # a connection in use is open
    if connection.dialect.name == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(known.name), sql.SQL(", ").join(sql.Identifier(c.name) for c in targets)
        )
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        insert = sa.insert(known).compile(dialect=connection.dialect, column_keys=[c.key for c in targets])
        raw.executemany(str(insert), rows)

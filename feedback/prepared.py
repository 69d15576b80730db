"""Core statements compiled once and run on the database driver's own cursor, for the busiest write (and
for the BEGIN of every SQLite transaction, database.py).

A family's JSON submission stores itself in one short transaction, and on SQLite every writer waits its
turn for that transaction (database.py). Run through SQLAlchemy's Connection.execute, each of its five
statements spent 0.05 to 0.07 ms of the writer's turn in SQLAlchemy's own execution machinery, more than
SQLite spent on it, and the turn lasted over half of each request's CPU time: with two web processes, one
was often waiting for the other.

A ``Prepared`` statement keeps what SQLAlchemy would send: the SQL its compiler writes for the dialect
(with PostgreSQL's casts), and the bind and result processors of each value's type (an enum's name, a
date and time as SQLite stores it), so that a row it writes or reads is the row SQLAlchemy would have.
It runs on the connection's transaction, begun and ended by SQLAlchemy as usual; a driver's error is
raised as SQLAlchemy's, as Connection.execute would raise it, without the values sent, as the engine's
hide_parameters leaves them out (they are a family's answers). It skips what this path does not use:
execution events, the statement cache, result objects, and noticing a lost connection (on PostgreSQL
the pool tests each connection as it hands it out). It fills in values itself, once it has worked out
where each goes: SQLAlchemy's construct_params, general enough for any statement, cost more than the
types' processing.

  statement = Prepared(select(Survey.id).where(Survey.slug == bindparam("slug")))
  rows = statement.run(connection, {"slug": "live-feedback"})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement


class Prepared:
    """One statement, compiled for each dialect it meets (SQLite and PostgreSQL, in tests)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def run(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple]:
        """Execute with one set of values; the rows it returns (a SELECT's, or RETURNING's), processed."""
        compiled = self._for(connection.dialect)
        with _DriverCursor(connection, compiled, params) as cursor:
            cursor.execute(compiled.sql, compiled.bind(params))
            if cursor.description is None:
                return []
            return [compiled.result(row) for row in cursor.fetchall()]

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute once for each set of values, in one call to the driver; returns nothing."""
        compiled = self._for(connection.dialect)
        with _DriverCursor(connection, compiled, rows) as cursor:
            cursor.executemany(compiled.sql, [compiled.bind(row) for row in rows])

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled


class _Compiled:
    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))  # a statement's compiler
        binds = compiled.binds
        if compiled.escaped_bind_names or any(bind.callable or bind.expanding for bind in binds.values()):
            raise TypeError("Prepared sends each value by its own name, as given: no IN lists, no callables")
        self.sql = compiled.string
        self._positional = compiled.positional
        names = compiled.positiontup if compiled.positional else list(binds)
        # Each value the driver takes, in its order: its name, the key it is given under (SQLAlchemy looks
        # for a parameter's key first, then its name), the parameter (its own value, whether it must be
        # given) and its type's processing.
        self._plan = []
        for name in names or ():
            bind = binds[name]
            self._plan.append((name, bind.key, bind, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        readers = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(statement, "exported_columns", ())
        ]
        self._readers = readers if any(readers) else None

    def bind(self, params: Mapping[str, Any]) -> Sequence | Mapping:
        """The values in the form the driver takes: the statement's own for any not given, each one
        processed by its type, in the compiled order for a positional driver (SQLite) or by name (psycopg).
        What SQLAlchemy's construct_params does, without its generality: this runs for every row stored."""
        values = []
        for name, key, bind, binder in self._plan:
            if key in params:
                value = params[key]
            elif name in params:
                value = params[name]
            elif bind.required:
                raise InvalidRequestError(f"A value is required for bind parameter {key!r}")
            else:
                value = bind.value
            values.append(value if binder is None else binder(value))
        if self._positional:
            return values
        return {name: value for (name, *_), value in zip(self._plan, values, strict=True)}

    def result(self, row: Iterable) -> tuple:
        if self._readers is None:
            return tuple(row)
        pairs = zip(self._readers, row, strict=True)
        return tuple(reader(value) if reader else value for reader, value in pairs)


class _DriverCursor:
    """A cursor of the connection's driver connection, closed at the end. A driver's error inside is raised
    as the DBAPIError subclass that SQLAlchemy would raise (OperationalError, and so on), so that callers
    catch and test it as they would from Connection.execute; its message leaves out the values, as the
    engine's hide_parameters does (config.py)."""

    def __init__(self, connection: Connection, compiled: _Compiled, params: Any) -> None:
        self.connection, self.compiled, self.params = connection, compiled, params

    def __enter__(self) -> Any:
        driver_connection = self.connection.connection.driver_connection
        assert driver_connection is not None  # a connection in use is open
        self.cursor = driver_connection.cursor()
        return self.cursor

    def __exit__(self, kind: type | None, error: BaseException | None, traceback: Any) -> None:
        self.cursor.close()
        dialect = self.connection.dialect
        if isinstance(error, dialect.loaded_dbapi.Error):
            raise DBAPIError.instance(
                self.compiled.sql,
                self.params,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=dialect,
            ) from error

"""Backups and restores: SQLite's online backup (a consistent copy while the app runs), or pg_dump and
pg_restore in PostgreSQL's custom format. The password never appears on a command line."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from . import private_files


class BackupError(RuntimeError):
    """Something the person running the command can act on; the message says what."""


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A URL pg_dump understands (no driver, no password) and the environment carrying the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> str:
    """Run one of PostgreSQL's client tools; what it printed."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install PostgreSQL's client tools")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def backup(engine: sa.Engine, target: Path) -> Path:
    """Copy the database to ``target``, a new file only its owner can read (it holds every family's
    details); a backup that fails leaves no file behind."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"{target.parent} cannot be made a folder: {error.strerror}.") from None
    try:
        with private_files.created(target):
            if engine.dialect.name == "sqlite":
                source = sqlite3.connect(_sqlite_file(engine))
                try:
                    _copy(source, target)  # an empty file is an empty database to SQLite
                finally:
                    source.close()
            else:
                url, env = _libpq(engine.url)
                _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), url], env)
    except private_files.CannotCreate as error:
        raise BackupError(str(error)) from None
    return target


def _sqlite_file(engine: sa.Engine) -> str:
    if not engine.url.database or engine.url.database == ":memory:":
        raise BackupError("The database is held in memory: it has no file to back up or restore.")
    return engine.url.database


def _copy(source: sqlite3.Connection, destination: Path | str) -> None:
    """SQLite's online backup of ``source`` into the database at ``destination``, in one transaction."""
    copy = sqlite3.connect(destination)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()


@dataclass(frozen=True)
class Schema:
    """What a backup must hold to be restored over this service's database: a file that is some other
    database (or an empty file, which SQLite reads as an empty database) would otherwise replace every
    family's answers with nothing, and pass the integrity check."""

    tables: frozenset[str]  # the models' tables
    revisions: frozenset[str]  # every migration this version of the service knows


def restore(engine: sa.Engine, source: Path, schema: Schema) -> str | None:
    """Replace the database's contents with the backup's, once it is known to be a backup of this
    service's database; returns its migration revision (None for a database made without migrations).
    The app should be stopped while this runs."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        database = _sqlite_file(engine)
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        except sqlite3.Error as error:
            raise BackupError(f"{source} cannot be opened: {error}") from None
        try:
            try:
                check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
                found = backup_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                tables = {row[0] for row in found}
                revision = None
                if "alembic_version" in tables:
                    stamp = backup_db.execute("SELECT version_num FROM alembic_version").fetchone()
                    revision = stamp[0] if stamp else None
            except sqlite3.DatabaseError as error:
                raise BackupError(f"{source} is not an SQLite backup: {error}") from None
            if check != "ok":
                raise BackupError(f"{source} failed its integrity check: {check}")
            _check_schema(source, schema, tables, revision)
            _copy(backup_db, database)
        finally:
            backup_db.close()
        return revision
    url, env = _libpq(engine.url)
    listing = _run(["pg_restore", "--list", str(source)], env)
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE public (\S+)", listing, re.MULTILINE))
    revision = None
    if "alembic_version" in tables:
        only = ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source)]
        stamps = _copied_values(_run(only, env))
        revision = stamps[0] if stamps else None
    _check_schema(source, schema, tables, revision)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            url,
            str(source),
        ],
        env,
    )
    return revision


def _copied_values(sql: str) -> list[str]:
    """The first column of each row of the COPY block in pg_restore's SQL for one table."""
    block = sql.partition(" FROM stdin;\n")[2].partition("\n\\.\n")[0]
    return [line.split("\t")[0] for line in block.splitlines() if line]


def _check_schema(source: Path, schema: Schema, tables: set[str], revision: str | None) -> None:
    if not tables & schema.tables:
        raise BackupError(f"{source} is not a backup of Feedback Loop: it holds none of its tables.")
    if revision is not None:
        if revision not in schema.revisions:
            raise BackupError(
                f"{source} was made by a version of Feedback Loop that this one does not know (database "
                f"revision {revision}): restore it with that version, or a later one."
            )
        return  # an older version's tables: the next upgrade brings them up to date
    missing = sorted(schema.tables - tables)
    if missing:
        raise BackupError(
            f"{source} is not a whole backup of Feedback Loop: it lacks the tables {', '.join(missing[:5])}"
            + (f" and {len(missing) - 5} more." if len(missing) > 5 else ".")
        )


def integrity_problems(engine: sa.Engine) -> list[str]:
    """What the database's own check finds wrong; empty when all is well."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
            problems = [] if rows == ["ok"] else rows
            problems += [str(r) for r in connection.exec_driver_sql("PRAGMA foreign_key_check")]
            return problems
        # pg_restore recreates every constraint and fails if the data breaks one; what could remain is a
        # constraint left unvalidated.
        unvalidated = connection.exec_driver_sql(
            "SELECT conrelid::regclass::text || ': ' || conname FROM pg_catalog.pg_constraint"
            " WHERE NOT convalidated AND connamespace = 'public'::regnamespace"
        )
        return [f"constraint not validated: {row[0]}" for row in unvalidated]

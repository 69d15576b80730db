"""Backups and restores: SQLite's online backup (a consistent copy while the app runs), or pg_dump and
pg_restore in PostgreSQL's custom format. The password never appears on a command line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
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


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install PostgreSQL's client tools")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


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


def restore(engine: sa.Engine, source: Path) -> None:
    """Replace the database's contents with the backup's. The app should be stopped while this runs."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not an SQLite backup: {error}") from None
        if check != "ok":
            backup_db.close()
            raise BackupError(f"{source} failed its integrity check: {check}")
        try:
            _copy(backup_db, _sqlite_file(engine))
        finally:
            backup_db.close()
    else:
        url, env = _libpq(engine.url)
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

"""Files the commands write that hold people's details: a backup of the database, a subject access export."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CannotCreate(RuntimeError):
    """The file was not made; the message says why, for the person running the command."""


@contextmanager
def created(path: Path) -> Iterator[Path]:
    """``path`` made a new, empty file that only its owner can read or write, for the block to write, and
    removed again if the block fails, so that no half-written copy of anyone's details is left behind.

    Made private before anything is written to it: made readable to others first and narrowed after, it
    could be opened in between, and a file opened then stays readable. A file already there is never
    overwritten."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise CannotCreate(f"{path} already exists; choose a new file.") from None
    except OSError as error:
        raise CannotCreate(f"{path} cannot be written: {error.strerror}.") from None
    try:
        yield path
    except BaseException:
        path.unlink(missing_ok=True)
        raise

"""Files the commands write that hold people's details: a backup of the database, a subject access export."""

from __future__ import annotations

import os
from pathlib import Path


class CannotCreate(RuntimeError):
    """The file was not made; the message says why, for the person running the command."""


def create(path: Path) -> None:
    """Make ``path`` a new, empty file that only its owner can read or write, before anything is written
    to it: made readable to others first and narrowed after, it could be opened in between, and a file
    opened then stays readable. A file already there is never overwritten."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise CannotCreate(f"{path} already exists; choose a new file.") from None
    except OSError as error:
        raise CannotCreate(f"{path} cannot be written: {error.strerror}.") from None

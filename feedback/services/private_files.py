"""Files the commands write that hold people's details: a backup of the database, a subject access export."""

from __future__ import annotations

import os
from pathlib import Path


def create(path: Path) -> None:
    """Make ``path`` a new, empty file that only its owner can read or write, before anything is written
    to it: made readable to others first and narrowed after, it could be opened in between, and a file
    opened then stays readable. FileExistsError if there is a file there already: none is overwritten."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

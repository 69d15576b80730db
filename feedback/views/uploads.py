"""Files staff upload for an import, on disk only while they are read."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.datastructures import FileStorage


@contextmanager
def saved_upload(upload: FileStorage) -> Iterator[Path]:
    """The upload as a temporary file named with its kind (.xlsx, or else .csv), as the importers read a
    file by its name; removed at the end. The form has checked that it is one of the two."""
    suffix = ".xlsx" if (upload.filename or "").lower().endswith(".xlsx") else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        upload.save(copy.name)
        yield Path(copy.name)

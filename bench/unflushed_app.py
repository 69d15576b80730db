"""For bench/submit's reference line only: the app itself, with SQLite's synchronous = OFF, so that no
commit waits for the disk. An answer acknowledged by it could be lost in a power cut, which the app never
allows (feedback/database.py); the line shows how much of the feedback line's time that wait takes.
"""

from feedback.database import SQLITE_PRAGMAS

SQLITE_PRAGMAS["synchronous"] = "OFF"  # before the app makes its first connection

from wsgi import app  # noqa: E402

__all__ = ["app"]

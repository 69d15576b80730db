"""Files that staff and the open data's readers download: sent as attachments, never shown in the tab."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Response

from ..services.spreadsheet import csv_bytes


def csv_file(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str) -> Response:
    """``rows`` as a CSV file named ``filename`` (services/spreadsheet.csv_bytes: every cell inert)."""
    return Response(
        csv_bytes(rows, columns),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

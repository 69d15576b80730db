"""Open data, read-only, under /api/v1/: published measures with readings and published "You said, we
did" entries, as JSON (described by /api/v1/openapi.yaml) and CSV. Anyone may read it, from anywhere."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, request

from ..extensions import db
from ..services import open_data
from .access import public
from .download import csv_file

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).resolve().parent.parent / "openapi.yaml"


def is_api(path: str) -> bool:
    """Whether ``path`` is the API's, in any version, including one it has no route for: its answers are
    JSON (views/errors.py) that any origin may read."""
    return path.startswith("/api/")


@bp.after_app_request
def _open_to_all(response: Response) -> Response:
    """Every answer at the API's addresses, a refusal where it has no route included (which the
    blueprint's own hook would not see), may be read by a page from any origin. What was found may be
    kept for five minutes; a refusal may not, so that an entry published a moment after somebody asked
    for it, or a busy server's "try again", is not repeated by a cache."""
    if not is_api(request.path):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    cache = "public, max-age=300" if response.status_code == 200 else "no-store"
    response.headers.setdefault("Cache-Control", cache)
    return response


@bp.get("/openapi.yaml")
@public
def openapi():
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/yaml")


@bp.get("/measures")
@public
def measures():
    return jsonify(
        {"measures": [open_data.measure_record(m) for m in open_data.published_measures(db.session)]}
    )


@bp.get("/measures/<int:measure_id>")
@public
def measure(measure_id: int):
    found = open_data.published_measures(db.session, measure_id)
    if not found:
        abort(404)
    return jsonify(open_data.measure_record(found[0]))


@bp.get("/you-said-we-did")
@public
def entries():
    return jsonify({"entries": [open_data.entry_record(e) for e in open_data.published_entries(db.session)]})


@bp.get("/you-said-we-did/<slug>")
@public
def entry(slug: str):
    found = open_data.published_entries(db.session, slug[:120])
    if not found:
        abort(404)
    return jsonify(open_data.entry_record(found[0]))


@bp.get("/readings.csv")
@public
def readings_csv():
    rows = open_data.readings_rows(open_data.published_measures(db.session))
    columns = [
        "measure_id",
        "reference",
        "measure",
        "unit",
        "period_start",
        "period_end",
        "value",
        "n",
        "suppressed",
        "source",
    ]
    return csv_file(rows, columns, "readings.csv")


@bp.get("/you-said-we-did.csv")
@public
def entries_csv():
    rows = []
    for entry in open_data.published_entries(db.session):
        record = open_data.entry_record(entry)
        rows.append(
            {
                "slug": record["slug"],
                "title": record["title"],
                "you_said": record["you_said"],
                "we_did": record["we_did"],
                "theme": record["theme"] or "",
                "evidence_n": record["evidence"]["n"],
                "evidence_percent": record["evidence"]["percent"],
                "published_at": record["published_at"],
            }
        )
    columns = [
        "slug",
        "title",
        "you_said",
        "we_did",
        "theme",
        "evidence_n",
        "evidence_percent",
        "published_at",
    ]
    return csv_file(rows, columns, "you-said-we-did.csv")

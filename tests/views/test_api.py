"""Open data under /api/v1/: only what is published, small numbers suppressed, every response valid
against the OpenAPI file, which is itself valid."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import jsonschema
import pytest
import sqlalchemy as sa
import yaml
from openapi_spec_validator import validate

from feedback.extensions import db
from feedback.models import (
    Audience,
    EntryKind,
    EntryQuote,
    EntryRevision,
    EntryStatus,
    Measure,
    Reading,
    ReadingSource,
    YouSaidWeDid,
)
from feedback.services import analysis, publication
from feedback.views.api import OPENAPI


@pytest.fixture(scope="module")
def spec() -> dict:
    document = yaml.safe_load(OPENAPI.read_text())
    validate(document)
    return document


def _schema(spec: dict, path: str, code: str = "200") -> dict:
    method = spec["paths"][path]["get"]
    schema = method["responses"][code]["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def _check(spec, path, body, code: str = "200") -> None:
    resolver_schema = _schema(spec, path, code)
    jsonschema.Draft202012Validator(
        resolver_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(body)


@pytest.fixture
def published(app, demo):
    with app.app_context():
        analysis.analyse(db.session)
        heard = db.session.scalar(
            sa.select(Measure).where(Measure.text.startswith("Parent carers who agree"))
        )
        heard.published = True
        heard.readings.append(
            Reading(period_end=date(2023, 4, 30), value=50.0, n=7, source=ReadingSource.ANALYSIS, note="few")
        )
        entry = YouSaidWeDid(
            slug="letters",
            kind=EntryKind.WE_DID,
            audience=Audience.PARENT_CARER,
            title="Clearer letters",
            you_said="Letters were full of jargon.",
            we_did="We rewrote them with the forum.",
            status=EntryStatus.PUBLISHED,
            published_at=datetime(2023, 5, 1, tzinfo=UTC),
            evidence_n=86,
            evidence_percent=35.0,
            measures=[heard],
            quotes=[
                EntryQuote(original_text="Sarah said", redacted_text="[name] said", approved=True),
                EntryQuote(original_text="not approved", redacted_text="not approved", approved=False),
            ],
        )
        draft = YouSaidWeDid(
            slug="draft",
            audience=Audience.PARENT_CARER,
            title="Draft",
            you_said="x",
            status=EntryStatus.DRAFT,
        )
        entry.revisions.append(
            EntryRevision(
                version=1, snapshot=publication.snapshot(entry), published_at=datetime(2023, 5, 1, tzinfo=UTC)
            )
        )
        entry.you_said = "Edited since, not approved yet."
        db.session.add_all([entry, draft])
        db.session.commit()
        return heard.id


def test_the_openapi_file_is_valid_and_served(client, spec):
    response = client.get("/api/v1/openapi.yaml")
    assert response.status_code == 200 and yaml.safe_load(response.text) == spec


def test_only_published_measures_with_small_numbers_suppressed(client, spec, published):
    body = client.get("/api/v1/measures").get_json()
    _check(spec, "/measures", body)
    assert [m["id"] for m in body["measures"]] == [published]
    readings = body["measures"][0]["readings"]
    small = [r for r in readings if r["period_end"] == "2023-04-30"]
    assert small == [
        {
            "period_start": None,
            "period_end": "2023-04-30",
            "value": None,
            "n": None,
            "suppressed": True,
            "source": "analysis",
        }
    ]
    assert any(r["value"] is not None and r["n"] >= 10 for r in readings)
    one = client.get(f"/api/v1/measures/{published}")
    _check(spec, "/measures/{id}", one.get_json())
    missing = client.get(f"/api/v1/measures/{published + 1}")
    assert missing.status_code == 404 and missing.is_json
    _check(spec, "/measures/{id}", missing.get_json(), "404")
    assert one.headers["Access-Control-Allow-Origin"] == "*"


def test_only_published_entries_with_approved_redacted_quotes(client, spec, published):
    body = client.get("/api/v1/you-said-we-did").get_json()
    _check(spec, "/you-said-we-did", body)
    assert "letters" in [e["slug"] for e in body["entries"]] and "draft" not in [
        e["slug"] for e in body["entries"]
    ]
    letters = next(e for e in body["entries"] if e["slug"] == "letters")
    assert letters["quotes"] == ["[name] said"] and letters["measures"] == [published]
    assert letters["you_said"] == "Letters were full of jargon."  # the approved text, not the edit
    _check(spec, "/you-said-we-did/{slug}", client.get("/api/v1/you-said-we-did/letters").get_json())
    draft = client.get("/api/v1/you-said-we-did/draft")
    assert draft.status_code == 404
    _check(spec, "/you-said-we-did/{slug}", draft.get_json(), "404")


def test_csv_exports_match_the_json(client, published):
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/readings.csv").data.decode("utf-8-sig"))))
    json_readings = client.get("/api/v1/measures").get_json()["measures"][0]["readings"]
    assert len(rows) == len(json_readings)
    assert [r for r in rows if r["period_end"] == "2023-04-30"][0]["value"] == ""
    entries = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/you-said-we-did.csv").data.decode("utf-8-sig")))
    )
    assert "letters" in [e["slug"] for e in entries]


def test_the_api_refuses_to_write(client, published):
    for refused in (client.post("/api/v1/measures"), client.delete(f"/api/v1/measures/{published}")):
        assert refused.status_code == 405
        assert set(refused.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
        assert "Allow header" in refused.get_json()["errors"]["request"]


@pytest.mark.parametrize("address", ["/api/v1/measure", "/api/v2/measures", "/api/"])
def test_an_unknown_api_address_is_a_json_404_any_origin_may_read(client, address):
    response = client.get(address)
    assert response.status_code == 404
    assert response.get_json() == {"errors": {"request": "Nothing is at this address."}}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/no-such-page").headers  # only the API's


def test_caches_may_keep_what_was_found_but_not_a_refusal(client, published):
    """A draft that anyone asked for before it was published must be there as soon as it is."""
    assert client.get("/api/v1/you-said-we-did/letters").headers["Cache-Control"] == "public, max-age=300"
    for refused in (client.get("/api/v1/you-said-we-did/draft"), client.get("/api/v2/measures")):
        assert refused.status_code == 404 and refused.headers["Cache-Control"] == "no-store"

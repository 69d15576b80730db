"""Hypothesis throws generated input at every form and the JSON API: never a 500, and a refused request
changes nothing."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.extensions import db
from feedback.models import (
    Answer,
    AuditEvent,
    Case,
    CaseContact,
    Measure,
    Reading,
    Response,
    Role,
    Survey,
    Theme,
    YouSaidWeDid,
)

COUNTED = (Answer, AuditEvent, Case, CaseContact, Reading, Response, Survey, Theme, YouSaidWeDid, Measure)

# Text as people and attackers type it: any code point, control characters and NUL included.
TEXT = st.text(max_size=300)
VALUE = st.one_of(
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "complaint", "agree", "we_did", "parent_carer", "percent", "increase", "yes", "1"]),
    st.lists(TEXT, max_size=3),
)
FORMS = st.dictionaries(
    st.sampled_from(
        [
            "kind",
            "received_on",
            "reference",
            "summary",
            "themes",
            "areas",
            "measures",
            "learning",
            "contact_name",
            "contact_email",
            "contact_phone",
            "child_name",
            "name",
            "started_on",
            "completed_on",
            "outcome",
            "closed_on",
            "title",
            "you_said",
            "we_did",
            "audience",
            "theme",
            "actions",
            "keywords",
            "reason",
            "text",
            "unit",
            "direction",
            "baseline_value",
            "target_value",
            "baseline_date",
            "target_date",
            "readings_from",
            "published",
            "period_end",
            "value",
            "n",
            "note",
            "email",
            "phone",
            "confirmed",
        ]
    ),  # fmt: skip
    VALUE,
    max_size=12,
)
POSTS = [
    "/cases/new",
    "/cases/1/stage",
    "/cases/1/close",
    "/cases/1/edit",
    "/themes/new",
    "/themes/1/edit",
    "/entries/new",
    "/entries/1/withdraw",
    "/measures/1/edit",
    "/measures/1/readings/new",
    "/data-protection",
    "/data-protection/erase",
]


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(POSTS), form=FORMS)
def test_staff_forms_never_fail_and_a_refusal_saves_nothing(app, client, login, demo, path, form):
    if not getattr(client, "_signed_in", False):
        login(Role.ADMIN)
        client._signed_in = True
    with app.app_context():
        before = _counts()
    response = client.post(path, data=form)
    assert response.status_code < 500, (path, form)
    if response.status_code >= 400:
        with app.app_context():
            assert _counts() == before, (path, form)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        JSON,
        st.fixed_dictionaries(
            {
                "idempotency_key": TEXT,
                "answers": st.dictionaries(st.sampled_from(["heard", "comment", "x"]), JSON),
            }
        ),
    )
)
def test_the_json_submission_api_never_fails_and_a_refusal_saves_nothing(app, client, demo, body):
    with app.app_context():
        before = _counts()
    response = client.post("/s/live-feedback/responses", json=body)
    assert response.status_code < 500, body
    if response.status_code >= 400:
        with app.app_context():
            assert _counts() == before, body

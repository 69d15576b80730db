"""Hypothesis throws generated input at every address that takes a POST, with every field name the forms
have, and at the JSON API: never a 500, and a refused request changes nothing."""

from __future__ import annotations

import importlib
import pkgutil
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import Form
from wtforms.fields.core import UnboundField

from feedback import forms
from feedback.models import Role
from tests.views.addresses import addresses, counts

# Text as people and attackers type it: any code point, control characters and NUL included.
TEXT = st.text(max_size=300)
VALUE = st.one_of(
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "complaint", "agree", "we_did", "parent_carer", "percent", "increase", "yes", "1"]),
    st.lists(TEXT, max_size=3),
)


def _field_names() -> list[str]:
    """Every field name a form has, for an address with no page of its own to read them from."""
    names = set()
    for module in pkgutil.iter_modules(forms.__path__):
        for value in vars(importlib.import_module(f"{forms.__name__}.{module.name}")).values():
            if isinstance(value, type) and issubclass(value, Form):
                names |= {name for name in dir(value) if isinstance(getattr(value, name), UnboundField)}
    return sorted(names)


EVERY_FIELD = _field_names()
FIELD = re.compile(r'<(?:input|select|textarea|button)\b[^>]*?\sname="([^"]+)"')
_fields_of_page: dict[str, list[str]] = {}


def _fields(client, path: str) -> list[str]:
    """The fields of the form the page at ``path`` shows (read once), or every field any form has: each
    address is fuzzed with its own fields, so that one left out of a post is among what is tried."""
    if path not in _fields_of_page:
        page = client.get(path)
        found = set(FIELD.findall(page.text)) - {"csrf_token"} if page.status_code == 200 else set()
        _fields_of_page[path] = sorted(found) or EVERY_FIELD
    return _fields_of_page[path]


def _posts(app) -> list[str]:
    """Every address that takes a POST."""
    return sorted(url for url, methods in addresses(app, user_id=2) if "POST" in methods)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_fails_and_a_refusal_saves_nothing(app, client, login, demo, data):
    app.config["FEEDBACK_PUBLIC_POST_LIMIT"] = (10**9, 600)
    if not getattr(client, "_signed_in", False):
        login(Role.ADMIN)
        client._signed_in = True
    path = data.draw(st.sampled_from(_posts(app)), label="path")
    names = _fields(client, path)
    form = data.draw(st.dictionaries(st.sampled_from(names), VALUE, max_size=len(names)), label="form")
    with app.app_context():
        before = counts()
    response = client.post(path, data=form)
    assert response.status_code < 500, (path, form)
    if response.status_code >= 400:
        with app.app_context():
            assert counts() == before, (path, form)
    if "/login" in (response.location or ""):  # a post that ended the session (none should): sign in again
        client._signed_in = False


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
        before = counts()
    response = client.post("/s/live-feedback/responses", json=body)
    assert response.status_code < 500, body
    if response.status_code >= 400:
        with app.app_context():
            assert counts() == before, body

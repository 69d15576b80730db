"""Garbage sent to every route, signed in as an admin and signed out, never gets a 500."""

from __future__ import annotations

import pytest

from feedback.models import Role
from tests.views.addresses import addresses

GARBAGE = [
    {},
    {"csrf_token": "x", "submit": "1"},
    {
        name: "\x00" * 3 + "’" * 2 + "<script>"
        for name in (
            "email",
            "password",
            "title",
            "slug",
            "audience",
            "description",
            "lead",
            "progress_status",
            "completion_date",
            "text",
            "unit",
            "direction",
            "baseline_value",
            "target_value",
            "period_end",
            "value",
            "n",
            "key",
            "kind",
            "choices",
            "measures",
            "answer",
            "entry_key",
            "q_heard",
            "q_comment",
            "wants_reply",
            "name",
            "phone",
            "district",
            "version",
            "from",
        )
    },
    {
        "completion_date": ["99", "99", "99999"],
        "period_end": ["1"],
        "value": "1e999",
        "n": "-1",
        "baseline_value": "inf",
        "measures": ["not-a-number", "999999999999"],
        "entry_key": "paper-" + "x" * 100,
    },
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_no_route_answers_garbage_with_a_500(app, client, login, demo, signed_in):
    if signed_in:
        login(Role.ADMIN)
    app.config["FEEDBACK_PUBLIC_POST_LIMIT"] = (10_000, 600)
    for url, methods in addresses(app):
        if "GET" in methods:
            assert client.get(url).status_code < 500, url
        if "POST" in methods:
            for data in GARBAGE:
                response = client.post(url, data=data)
                assert response.status_code < 500, (url, data)
            garbled = client.post(url, data=b"\xff\xfe not form data", content_type="application/json")
            assert garbled.status_code < 500, url
    for address in ("/s/%00", "/s/live-feedback/%00abc/1", "/plans?next=%00", "/surveys/1/paper"):
        assert client.get(address).status_code < 500, address
    if signed_in:
        assert client.get("/plans").status_code == 200  # still signed in: the admin saw every page


def test_every_page_of_a_service_with_nothing_in_it_yet_opens_without_a_500(client, login):
    """Straight after installing: no plan, survey, case, entry or reading; only the admin's account."""
    login(Role.ADMIN)
    opened = 0
    for url, methods in addresses(client.application):
        if "GET" in methods:
            status = client.get(url).status_code
            assert status < 500, url
            opened += status == 200
    assert opened > 30 and client.get("/plans").status_code == 200

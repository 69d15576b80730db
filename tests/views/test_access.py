"""Every route is either public on purpose or refuses anonymous users and users without its role."""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from feedback.models import Role

PUBLIC_ENDPOINTS = {
    "static",
    "main.index",
    "main.healthz",
    "main.privacy",
    "main.accessibility",
    "auth.login",
    "auth.logout",
    "auth.code",  # the second sign-in step: only for a session that has just given the right password
    "respond.start",
    "respond.begin",
    "respond.resume",
    "respond.page",
    "respond.done",
    "respond.submit_json",
    "published.index",
    "published.entry",
    "published.young_people",
    "published.embed",
    "published.feed",
    "widget.show",
    # Open data: read-only, published figures only, small numbers suppressed (tests/views/test_api.py).
    "api.openapi",
    "api.measures",
    "api.measure",
    "api.entries",
    "api.entry",
    "api.readings_csv",
    "api.entries_csv",
}


def _example_value(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _routes(app):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        values = {name: _example_value(converter) for name, converter in rule._converters.items()}
        url = adapter.build(rule.endpoint, values, method=sorted(rule.methods)[0])
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        yield rule.endpoint, view, url, methods


def test_every_route_is_public_on_purpose_or_needs_a_role(app):
    for endpoint, view, _, _ in _routes(app):
        access = getattr(view, "access", None)
        if endpoint in PUBLIC_ENDPOINTS:
            assert access == "public" or endpoint == "static", endpoint
        else:
            assert isinstance(access, Role), f"{endpoint} is neither marked public nor bound to a role"


def test_anonymous_users_are_sent_to_sign_in_from_every_protected_route(app, client):
    checked = 0
    for endpoint, _view, url, methods in _routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in methods:
            response = client.open(url, method=method)
            assert response.status_code == 302, (endpoint, method, response.status_code)
            assert response.location.startswith("/login"), (endpoint, method)
            checked += 1
    assert checked >= 6


@pytest.mark.parametrize("role", [Role.STAFF, Role.COORDINATOR])
def test_users_below_a_routes_role_are_refused(app, client, login, role):
    login(role)
    refused = 0
    for endpoint, view, url, methods in _routes(app):
        needed = getattr(view, "access", None)
        if not isinstance(needed, Role) or role.includes(needed):
            continue
        for method in methods:
            response = client.open(url, method=method)
            assert response.status_code == 403, (endpoint, method, response.status_code)
            refused += 1
    if role is Role.STAFF:
        assert refused >= 4  # the coordinator's edit pages at least


def test_roles_include_those_below_them():
    assert Role.ADMIN.includes(Role.COORDINATOR) and Role.ADMIN.includes(Role.STAFF)
    assert Role.COORDINATOR.includes(Role.STAFF) and not Role.COORDINATOR.includes(Role.ADMIN)
    assert not Role.STAFF.includes(Role.COORDINATOR)

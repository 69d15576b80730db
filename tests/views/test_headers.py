"""Security headers: a strict CSP whose nonce changes every response, framing only for embeddable views."""

from __future__ import annotations

import re

from feedback.models import Role


def test_pages_carry_a_strict_policy_with_a_fresh_nonce(client):
    first, second = client.get("/login"), client.get("/login")
    policy = first.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and first.headers["X-Frame-Options"] == "DENY"
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"' in first.text  # the GOV.UK template's one inline script carries it
    assert nonce not in second.headers["Content-Security-Policy"]
    for header, value in [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]:
        assert first.headers[header] == value
    assert "Strict-Transport-Security" not in first.headers  # only over HTTPS
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers


def test_a_response_no_page_rendered_allows_no_inline_script(client, demo):
    """The nonce is made when a template asks for it: a JSON answer or a redirect allows no inline script
    at all, and every other directive is the pages' own."""
    page = client.get("/login").headers["Content-Security-Policy"]
    for response in (client.get("/healthz"), client.get("/home")):
        assert response.status_code in (200, 302)
        policy = response.headers["Content-Security-Policy"]
        assert "nonce" not in policy and "script-src 'self';" in policy
        assert re.sub(r" 'nonce-[^']+'", "", page) == policy


def test_only_the_widget_and_the_embed_list_may_be_framed(client, demo):
    for path in ("/w/local-offer-feedback", "/you-said-we-did/embed"):
        response = client.get(path)
        assert "frame-ancestors *" in response.headers["Content-Security-Policy"], path
        assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors 'none'" in client.get("/you-said-we-did").headers["Content-Security-Policy"]


def test_error_pages_carry_the_headers_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Content-Security-Policy" in response.headers


def test_no_staff_page_is_kept_by_the_browser_and_public_pages_are_left_alone(client, login, demo):
    """A staff page, its refusals and its redirect to sign in say no-store, so that the browser of a shared
    computer keeps no copy of them; public pages and static files keep their own caching."""
    assert client.get("/cases/1").headers["Cache-Control"] == "no-store"  # on the way to sign in
    login(Role.STAFF)
    for path in ("/cases/1", "/replies", "/home", "/session/status", "/users"):
        response = client.get(path)
        assert response.status_code in (200, 403), path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get("/measures/1/chart.svg").headers["Cache-Control"] == "private, no-cache"
    for path in ("/login", "/s/live-feedback", "/you-said-we-did", "/w/local-offer-feedback"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path
    stylesheet = re.search(
        r'href="(/assets/[^"]+\.css\?v=[0-9a-f]+)"', client.get("/s/live-feedback").text
    ).group(1)
    with client.get(stylesheet) as response:  # a file's response holds the file open until closed
        assert "immutable" in response.headers["Cache-Control"]

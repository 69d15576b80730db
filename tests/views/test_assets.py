"""Static files for a phone on a weak signal: linked by digest and kept a year, gzipped where that helps,
and never carrying or varying by anybody's session."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

from flask import url_for

from feedback.models import Role

YEAR = "public, max-age=31536000, immutable"


def fetch(client, path: str, **kwargs):
    """The response, read and closed: a file's response holds the file open until it is closed."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def _linked(html: str) -> list[str]:
    return re.findall(r'["\'](/assets/[^"\'?]+\?v=[0-9a-f]+)["\']', html)


def test_pages_link_their_css_and_javascript_by_digest_and_those_are_kept_a_year(client):
    page = client.get("/login").text
    linked = _linked(page)
    names = {link.split("?")[0].rsplit("/", 1)[1] for link in linked}
    assert {"govuk-frontend.min.css", "app.css", "govuk-frontend.min.js"} <= names
    for link in linked:
        response = fetch(client, link)
        assert response.status_code == 200 and response.headers["Cache-Control"] == YEAR, link
    # GOV.UK Frontend is started by the page itself, from the same address: it is downloaded once.
    script = re.search(r'import \{ initAll \} from "([^"]+)"', page)
    assert script is not None and script.group(1) in linked


def test_without_its_digest_a_file_is_checked_on_every_use(client):
    stale = fetch(client, "/assets/app.css?v=0000000000000000")
    plain = fetch(client, "/assets/app.css")
    for response in (stale, plain):
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    again = fetch(client, "/assets/app.css", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_a_changed_file_gets_a_new_digest(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    css = tmp_path / "app.css"
    css.write_text("p { color: red }")

    def link() -> str:
        with app.test_request_context():
            return url_for("static", filename="app.css")

    before = link()
    css.write_text("p { color: blue }")
    os.utime(css, ns=(css.stat().st_atime_ns, css.stat().st_mtime_ns + 1_000_000_000))
    after = link()
    assert before != after and before.split("?")[0] == after.split("?")[0] == "/assets/app.css"
    assert fetch(client, after).text == "p { color: blue }"
    assert fetch(client, before).headers["Cache-Control"] == "no-cache"  # an old page's link: checked


def test_text_files_go_gzipped_to_a_browser_that_accepts_it(app, client):
    original = (Path(app.static_folder) / "govuk-frontend.min.css").read_bytes()
    zipped = fetch(client, "/assets/govuk-frontend.min.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == original and len(zipped.data) < len(original) / 5
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    plain = fetch(client, "/assets/govuk-frontend.min.css")
    assert "Content-Encoding" not in plain.headers and plain.data == original
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # two representations, two validators
    again = fetch(
        client,
        "/assets/govuk-frontend.min.css",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304


def test_a_static_file_carries_nobodys_session(client, login):
    login(Role.STAFF)
    page = client.get("/home")
    assert "Set-Cookie" in page.headers and "Cookie" in page.headers["Vary"]  # the session, refreshed
    for link in _linked(page.text):
        response = fetch(client, link, headers={"Accept-Encoding": "gzip"})
        assert "Set-Cookie" not in response.headers, link
        assert "Cookie" not in response.headers.get("Vary", ""), link


def test_only_files_in_the_static_folder_are_served(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    (tmp_path / "app.css").write_text("p { color: red }")
    (tmp_path / "images").mkdir()
    assert fetch(client, "/assets/app.css").status_code == 200
    for path in ("/assets/nothing.css", "/assets/../wsgi.py", "/assets/%2e%2e/wsgi.py", "/assets/images"):
        assert fetch(client, path).status_code == 404, path


def test_pages_use_no_gov_uk_branding_and_download_no_fonts(app, client):
    """A council's service is not on GOV.UK, so it may not use GOV.UK's typeface or crown icons; the
    system fonts also spare a phone a download (assets/govuk-frontend.scss)."""
    css = (Path(app.static_folder) / "govuk-frontend.min.css").read_text()
    assert "@font-face" not in css and "GDS Transport" not in css
    assert "font-family:arial,sans-serif" in css
    for path in ("/login", "/s/live-feedback", "/you-said-we-did"):
        page = client.get(path).text
        assert "govuk-icon" not in page and "favicon" not in page and "manifest.json" not in page, path
        assert '<meta name="theme-color" content="#f4f8fb">' in page, path  # the header's, not GOV.UK's blue
        icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
        assert len(icons) == 1 and fetch(client, icons[0]).headers["Cache-Control"] == YEAR, path

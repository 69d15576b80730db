"""The pinned govuk-frontend-wtf and govuk-frontend-jinja render markup that the pinned GOV.UK Frontend
styles and scripts: every govuk- class on our pages exists in its CSS or JavaScript, every data-module is
one it knows, and labels, hints and error messages point at elements that exist."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from feedback.models import Role

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "feedback" / "static"
NUNJUCKS = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def parse(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def frontend() -> tuple[str, str]:
    """GOV.UK Frontend's CSS, and its JavaScript with its own Nunjucks templates (some classes, such as
    govuk-template__header, are hooks its templates set without styling them)."""
    templates = "\n".join(path.read_text() for path in NUNJUCKS.rglob("*.njk"))
    return (STATIC / "govuk-frontend.min.css").read_text(), (
        STATIC / "govuk-frontend.min.js"
    ).read_text() + templates


def check_markup(html: str, frontend: tuple[str, str]) -> None:
    css, js = frontend
    tags = parse(html)
    ids = Counter(attrs["id"] for _, attrs in tags if "id" in attrs)
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"
    for tag, attrs in tags:
        for cls in attrs.get("class", "").split():
            if cls.startswith("govuk-"):
                in_css = re.escape(cls.replace("!", "\\!"))  # the CSS writes govuk-\!-font-weight-bold
                assert re.search(rf"\.{in_css}(?![\w-])", css) or cls in js, (
                    f"{cls} is not in GOV.UK Frontend 6.3.0"
                )
        module = attrs.get("data-module", "")
        if module.startswith("govuk-"):
            assert f'"{module}"' in js or f"'{module}'" in js, f"data-module {module} unknown"
        for reference in ("for", "aria-describedby", "aria-controls", "aria-labelledby"):
            for target in attrs.get(reference, "").split():
                assert target in ids, f"{tag} {reference}={target} points at nothing"


def _start(client) -> str:
    return client.post("/s/live-feedback").location.rsplit("/", 1)[0]


def test_survey_pages_with_and_without_errors(client, demo, frontend):
    base = _start(client)
    check_markup(client.get("/s/live-feedback").text, frontend)
    for number in range(1, 6):
        check_markup(client.get(f"{base}/{number}").text, frontend)
    errors = client.post(f"{base}/3", data={"q_comment": "x" * 1300}).text
    assert 'data-module="govuk-character-count"' in errors and 'data-maxlength="1200"' in errors
    assert 'data-module="govuk-error-summary"' in errors
    check_markup(errors, frontend)
    reply = client.post(f"{base}/5", data={"wants_reply": "yes"}).text
    check_markup(reply, frontend)


def test_radios_are_a_fieldset_with_a_legend_and_an_inline_error(client, demo, frontend):
    base = _start(client)
    html = client.post(f"{base}/1", data={"q_heard": "nonsense"}).text
    fieldset = re.search(r'<fieldset class="govuk-fieldset"[^>]*aria-describedby="([^"]+)"', html)
    assert fieldset and "q_heard-error" in fieldset.group(1)
    assert '<p id="q_heard-error" class="govuk-error-message">' in html
    assert '<div class="govuk-radios__divider">or</div>' in html
    assert re.search(r'<a href="#q_heard">Not a valid choice', html)


def test_staff_forms_and_pages(client, login, demo, frontend):
    login(Role.COORDINATOR)
    for url in (
        "/plans",
        "/plans/1",
        "/measures/1",
        "/actions/1/edit",
        "/measures/1/edit",
        "/measures/1/readings/new",
        "/areas/1/edit",
    ):
        check_markup(client.get(url).text, frontend)
    check_markup(
        client.post("/measures/1/readings/new", data={"period_end": ["31", "2", "2022"]}).text, frontend
    )
    check_markup(client.post("/actions/1/edit", data={}).text, frontend)


def test_public_pages(client, demo, frontend):
    for url in ("/", "/login", "/you-said-we-did", "/no-such-page"):
        check_markup(client.get(url).text, frontend)
    check_markup(client.post("/login", data={}).text, frontend)

"""A real server on 127.0.0.1 and Debian's Chromium at 360 x 740, driven by Playwright, with axe-core."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from feedback import create_app
from feedback.extensions import db
from feedback.services import demo as demo_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, demo_template):
    """The demo on SQLite, whatever database the rest of the suite uses: these tests are about pages."""
    path = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    if demo_template is None:
        from tests.conftest import _load_demo

        app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        with app.app_context():
            db.create_all()
            _load_demo()
            db.engine.dispose()
    else:
        shutil.copyfile(demo_template[0], path)
    return create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SESSION_COOKIE_SECURE": False,
            "SECOND_STEP_REQUIRED_FOR": "none",  # a test that wants it sets it
            "DISTRICTS": demo_service.DISTRICTS,  # families are asked where they live, as with scripts/run
        }
    )


@pytest.fixture(scope="module")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    yield context
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE.read_text()


# The outermost elements that reach past the right edge of the viewport, so that the page scrolls sideways.
# A table in a scrolling wrapper of its own (.app-table-wrapper) widens the wrapper's content, not the page.
_WIDER_THAN_THE_PHONE = """() => {
  const edge = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= edge) return [];
  return [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > edge + 1
      && !(e.parentElement && e.parentElement.getBoundingClientRect().right > edge + 1))
    .map(e => e.outerHTML.slice(0, 200));
}"""


# Visible table captions whose text reaches past the right edge of the table's scrolling wrapper: a caption
# is as wide as its table, so a long one is cut off on a phone until the reader scrolls the table.
_CAPTIONS_CUT_OFF = """() => [...document.querySelectorAll('.app-table-wrapper caption')]
  .filter(caption => !caption.classList.contains('govuk-visually-hidden'))
  .filter(caption => {
    const text = document.createRange();
    text.selectNodeContents(caption);
    const box = text.getBoundingClientRect();
    const edge = caption.closest('.app-table-wrapper').getBoundingClientRect().right;
    return box.width > 0 && box.right > edge + 1;
  })
  .map(caption => caption.outerHTML.slice(0, 200))"""


def axe_violations(page, axe_source: str) -> list[dict]:
    """WCAG 2.2 A and AA, and axe's best practices, on the page as it is now; and reflow (1.4.10), which
    axe does not check: nothing may make the page wider than the phone, so that it never scrolls sideways,
    and no table's caption may be cut off at the edge of the table's scrolling wrapper."""
    # Evaluated through the DevTools protocol rather than added as an inline script, which the app's
    # Content Security Policy rightly refuses.
    page.evaluate(axe_source)
    result = page.evaluate(
        "axe.run(document, {runOnly: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']})"
    )
    found = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:200] for n in v["nodes"]]}
        for v in result["violations"]
    ]
    wide = page.evaluate(_WIDER_THAN_THE_PHONE)
    if wide:
        found.append({"id": "reflow", "impact": "serious", "nodes": wide})
    cut_off = page.evaluate(_CAPTIONS_CUT_OFF)
    if cut_off:
        found.append({"id": "caption-cut-off", "impact": "serious", "nodes": cut_off})
    return found

"""The live feedback survey in a real browser on a phone-sized screen, with and without JavaScript."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from feedback.database import SQLITE_PRAGMAS
from feedback.extensions import db
from feedback.models import Response
from tests.browser.conftest import axe_violations
from tests.conftest import fail_every_flush

ANSWERS = [
    {"q_heard": "agree", "q_valued": "neither", "q_involved": "dont_know"},
    {"q_outcomes": "disagree", "q_schools": "agree", "q_optimism": "strongly_agree"},
]


def real_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.idempotency_key.not_like("synthetic-%"))
        )


def tick(page, selector: str) -> None:
    """Check a radio once the page a button led to has loaded. Playwright acts as soon as the new page is
    committed; once in CI, without JavaScript, a radio it clicked while the page still loaded did not end
    up checked ("Clicking the checkbox did not change its state")."""
    page.wait_for_load_state("load")
    page.check(selector)


def answer_radios(page, answers: dict) -> None:
    for name, value in answers.items():
        tick(page, f"input[name={name}][value={value}]")


def go_through(page, base: str) -> None:
    page.goto(f"{base}/s/live-feedback")
    page.get_by_role("button", name="Start now").click()
    answer_radios(page, ANSWERS[0])
    page.get_by_role("button", name="Continue").click()
    answer_radios(page, ANSWERS[1])
    page.get_by_role("button", name="Continue").click()
    page.fill("textarea[name=q_comment]", "Our caseworker always calls back.")
    page.get_by_role("button", name="Continue").click()
    page.select_option("select[name=district]", "Warwick")
    page.get_by_role("button", name="Continue").click()
    tick(page, "input[name=wants_reply][value=no]")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_parent_completes_live_feedback_on_a_phone(live_app, live_server, browser, javascript):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    page = context.new_page()
    before = real_responses(live_app)
    go_through(page, live_server)
    page.get_by_role("button", name="Send your answers").click()
    assert page.locator("h1").inner_text() == "Thank you"
    assert real_responses(live_app) == before + 1
    # nothing scrolls sideways on a 360 px screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_a_double_tap_and_back_and_resubmit_store_one_response(live_app, live_server, phone_without_js):
    page = phone_without_js.new_page()
    before = real_responses(live_app)
    go_through(page, live_server)
    page.get_by_role("button", name="Send your answers").dblclick()
    try:
        page.wait_for_url("**/done")
    except PlaywrightError:  # the second tap aborts the first tap's navigation: wait for the second
        page.wait_for_url("**/done")
    page.go_back()  # the browser may show its copy of the form, or ask again and be sent to the confirmation
    if page.locator("input[name=wants_reply]").count():
        tick(page, "input[name=wants_reply][value=no]")
        page.get_by_role("button", name="Send your answers").click()
    assert page.locator("h1").inner_text() == "Thank you"
    assert real_responses(live_app) == before + 1


def test_clearing_cookies_mid_survey_keeps_every_answer(live_app, live_server, phone):
    page = phone.new_page()
    page.goto(f"{live_server}/s/live-feedback")
    page.get_by_role("button", name="Start now").click()
    answer_radios(page, ANSWERS[0])
    page.get_by_role("button", name="Continue").click()
    answer_radios(page, ANSWERS[1])
    phone.clear_cookies()
    page.get_by_role("button", name="Continue").click()
    assert "your cookies were cleared" in page.locator("#page-notice").inner_text()
    for name, value in ANSWERS[1].items():
        assert page.is_checked(f"input[name={name}][value={value}]")
    page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/3")
    page.get_by_role("link", name="Back", exact=True).click()
    page.get_by_role("link", name="Back", exact=True).click()
    for name, value in ANSWERS[0].items():
        assert page.is_checked(f"input[name={name}][value={value}]")


def wait_for_keep_answers(page) -> None:
    """The module script loads after the page; answers typed before it is listening are not kept."""
    page.wait_for_selector("form[data-keep-answers-ready]", state="attached", timeout=10_000)


def test_with_javascript_the_page_being_typed_survives_a_reload(live_server, phone):
    page = phone.new_page()
    page.goto(f"{live_server}/s/live-feedback")
    page.get_by_role("button", name="Start now").click()
    wait_for_keep_answers(page)
    answer_radios(page, {"q_heard": "strongly_disagree"})
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    wait_for_keep_answers(page)
    page.fill("textarea[name=q_comment]", "Half a thought that must not be lost")
    page.reload()
    wait_for_keep_answers(page)
    assert page.input_value("textarea[name=q_comment]") == "Half a thought that must not be lost"
    page.go_back()
    page.go_back()
    page.reload()
    wait_for_keep_answers(page)
    assert page.is_checked("input[name=q_heard][value=strongly_disagree]")


def test_the_first_questions_take_their_script_from_what_the_start_page_fetched(live_server, phone):
    """On a weak signal the first survey page would otherwise wait one more round trip for it."""
    page = phone.new_page()
    session = phone.new_cdp_session(page)
    session.send("Network.enable")
    cached: dict[str, bool] = {}

    def received(event: dict) -> None:
        response = event["response"]
        if "keep-answers.js" in response["url"]:
            cached[page.url] = response.get("fromDiskCache") or response.get("fromPrefetchCache") or False

    session.on("Network.responseReceived", received)
    page.goto(f"{live_server}/s/live-feedback")
    page.wait_for_load_state("networkidle")  # the start page asks for it once it has loaded
    page.get_by_role("button", name="Start now").click()
    page.wait_for_selector("form[data-keep-answers-ready]", state="attached")
    # Fetched over the network by the start page (the prefetch), from the cache by the first questions.
    assert cached == {f"{live_server}/s/live-feedback": False, page.url: True}


def test_the_error_summary_takes_focus(live_server, phone):
    page = phone.new_page()
    page.goto(f"{live_server}/s/live-feedback")
    page.get_by_role("button", name="Start now").click()
    for _ in range(4):
        page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send your answers").click()
    # expect() polls from Playwright's side: wait_for_function would evaluate a string in the page, which the
    # Content Security Policy rightly refuses.
    expect(page.locator(".govuk-error-summary")).to_be_focused(timeout=5000)
    assert "Select yes if you would like a reply" in page.locator(".govuk-error-summary").inner_text()


def test_axe_finds_no_violations_on_any_public_page(live_server, phone, axe_source):
    page = phone.new_page()
    seen: dict[str, list] = {}

    def audit(name: str) -> None:
        page.wait_for_load_state("load")
        seen[name] = axe_violations(page, axe_source)

    for path in (
        "/",
        "/s/live-feedback",
        "/s/live-feedback?version=young-person",
        "/s/live-feedback?version=easy-read",
        "/you-said-we-did",
        "/privacy",
        "/accessibility",
        "/login",
        "/s/unknown",
    ):
        page.goto(live_server + path)
        audit(path)
    page.goto(f"{live_server}/s/live-feedback")
    page.get_by_role("button", name="Start now").click()
    audit("page 1")
    page.get_by_role("button", name="Continue").click()
    audit("page 2")
    page.get_by_role("button", name="Continue").click()
    page.fill("textarea[name=q_comment]", "x" * 1300)
    audit("page 3 over the limit")
    page.get_by_role("button", name="Continue").click()
    audit("page 3 error")
    page.fill("textarea[name=q_comment]", "Fine now.")
    page.get_by_role("button", name="Continue").click()
    audit("page 4")
    page.get_by_role("button", name="Continue").click()
    tick(page, "input[name=wants_reply][value=yes]")
    audit("page 5 yes")
    page.get_by_role("button", name="Send your answers").click()
    audit("page 5 error")
    page.context.clear_cookies()
    tick(page, "input[name=wants_reply][value=no]")
    page.get_by_role("button", name="Send your answers").click()
    audit("timed out notice")
    page.get_by_role("button", name="Send your answers").click()
    audit("confirmation")
    page.goto(f"{live_server}/login")
    page.get_by_role("button", name="Sign in").click()
    audit("login errors")
    page.goto(f"{live_server}/w/local-offer-feedback")
    audit("widget")
    page.get_by_role("button", name="Send").click()
    audit("widget error")
    tick(page, "input[name=answer][value=no]")
    page.fill("textarea[name=details]", "x" * 1201)
    page.get_by_role("button", name="Send").click()
    audit("widget text too long")
    page.fill("textarea[name=details]", "Short breaks in the holidays")
    page.get_by_role("button", name="Send").click()
    audit("widget thanks")
    assert {name: found for name, found in seen.items() if found} == {}
    assert len(seen) == 23


def test_a_page_the_database_is_too_busy_to_save_keeps_its_answers_and_passes_axe(
    live_app, live_server, phone, axe_source, monkeypatch
):
    """SQLite's lock held past the busy timeout by another writer: the page comes back with its answers
    and a notice, the widget gets the busy page, axe finds nothing on either, and Continue works later."""
    monkeypatch.setitem(SQLITE_PRAGMAS, "busy_timeout", 100)
    with live_app.app_context():
        db.engine.dispose()  # connections made from now on give up after 0.1 s
    page = phone.new_page()
    page.goto(f"{live_server}/s/live-feedback")
    page.get_by_role("button", name="Start now").click()
    answer_radios(page, ANSWERS[0])
    holder = sqlite3.connect(live_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    try:
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("#page-notice")).to_contain_text("the service is busy")
        for name, value in ANSWERS[0].items():
            expect(page.locator(f"input[name={name}][value={value}]")).to_be_checked()
        busy_page = axe_violations(page, axe_source)
        widget = phone.new_page()
        widget.goto(f"{live_server}/w/local-offer-feedback")
        widget.check("input[name=answer][value=yes]")
        widget.get_by_role("button", name="Send").click()
        expect(widget.get_by_role("heading", level=1)).to_have_text("The service is busy")
        busy_widget = axe_violations(widget, axe_source)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        monkeypatch.undo()
        with live_app.app_context():
            db.engine.dispose()
    assert (busy_page, busy_widget) == ([], [])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/2$"))


def test_a_page_whose_save_cannot_be_flushed_to_disk_says_so_and_passes_axe(
    live_server, phone, axe_source, monkeypatch
):
    """The disk fails the flush after a save (feedback/database.py): the family is not told it is saved,
    the page saying so passes axe, and sending the page again goes on."""
    page = phone.new_page()
    page.goto(f"{live_server}/s/live-feedback")
    page.get_by_role("button", name="Start now").click()
    answer_radios(page, ANSWERS[0])
    fail_every_flush(monkeypatch)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers may not have been saved")
    assert axe_violations(page, axe_source) == []
    monkeypatch.undo()
    page.go_back()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/2$"))


def test_the_content_security_policy_blocks_nothing_the_pages_need(live_server, phone):
    page = phone.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(f"{live_server}/s/live-feedback")
    assert "js-enabled" in page.evaluate(
        "document.body.className"
    )  # the nonce let GOV.UK's inline script run
    page.get_by_role("button", name="Start now").click()
    page.wait_for_selector("form[data-keep-answers-ready]")  # the page's own module script ran
    assert refused == []

"""Staff pages in Chromium at 360 px: axe-core finds nothing and none scrolls sideways, error states
included; every page a link leads to, and the states that matter."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa
from flask_login import login_user
from playwright.sync_api import expect
from werkzeug.exceptions import HTTPException

from feedback.extensions import db
from feedback.models import (
    Action,
    Case,
    Measure,
    Response,
    ResponseContact,
    Role,
    SignIn,
    Survey,
    Theme,
    User,
    YouSaidWeDid,
)
from feedback.models.types import utcnow
from feedback.services import analysis, audit, cases, surveys, users
from feedback.views import auth
from feedback.views.once import ALREADY_SAVED
from tests.browser.conftest import axe_violations

PASSWORD = "a long enough password 42"


def _signed_in(live_app, live_server, context, role=Role.COORDINATOR, email: str | None = None):
    """A page signed in with the role (a coordinator unless asked), the account made once for the
    module's server."""
    email = email or f"axe-{role.value}@example.org"
    with live_app.app_context():
        if db.session.scalar(sa.select(User).where(User.email == email)) is None:
            users.create_user(db.session, email, role, PASSWORD)
            db.session.commit()
    page = context.new_page()
    page.goto(f"{live_server}/login")
    _sign_in_here(page, email)
    return page


def _violations_at(page, url: str, axe_source: str) -> list:
    assert page.goto(url).ok, url  # the page asked for, not a page saying it is not there
    assert page.locator("h1").count() == 1, url
    return axe_violations(page, axe_source)


def _violations_when_refused(
    page,
    url: str,
    axe_source: str,
    fill: dict | None = None,
    button: str = "main button[type=submit]",
    files: dict | None = None,
) -> list:
    """What axe finds on the page at ``url`` once a form on it, filled with ``fill`` and given the
    ``files`` to upload, has been refused."""
    page.goto(url)
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    for selector, path in (files or {}).items():
        page.set_input_files(selector, path)
    page.locator(button).first.click()
    page.wait_for_selector(".govuk-error-summary")
    return axe_violations(page, axe_source)


def test_axe_finds_no_violations_on_the_analyser_and_case_pages(
    live_app, live_server, phone, axe_source, tmp_path
):
    """Pages in the states that matter: after an analysis run, a draft survey, replies waiting and answered,
    errors. The test after this one checks a page of every kind as it comes."""
    page = _signed_in(live_app, live_server, phone)
    with live_app.app_context():
        analysis.analyse(db.session)
        survey_id = db.session.scalar(sa.select(Survey.id).where(Survey.slug == "live-feedback"))
        theme_id = db.session.scalar(sa.select(Theme.id).where(Theme.slug == "waiting-times"))
        candidate_id = db.session.scalar(sa.select(Theme.id).where(Theme.candidate.is_(True)).limit(1))
        case_id = db.session.scalar(sa.select(Case.id).where(Case.closed_on.is_(None)).limit(1))
        measure_id = db.session.scalar(sa.select(Measure.id).where(Measure.case_kind.is_not(None)).limit(1))
        widget_id = db.session.scalar(sa.select(Survey.id).where(Survey.slug == "local-offer-feedback"))
        found = Measure.text.startswith("Users who can find")
        found_id = db.session.scalar(sa.select(Measure.id).where(found))
        draft = surveys.save_survey(
            db.session,
            None,
            title="Draft",
            slug="draft",
            audience="parent_carer",
            anonymous=True,
            consent_text="",
        )
        for key in ("first", "second"):
            standard = {draft.variants[0].id: (f"About {key}.", "")}
            surveys.save_question(
                db.session,
                draft,
                None,
                key=key,
                kind="free_text",
                required=False,
                choices=[],
                measure_ids=[],
                wordings=standard,
            )
        latest = db.session.scalars(sa.select(Response.id).order_by(Response.id.desc()).limit(2)).all()
        db.session.add(ResponseContact(response_id=latest[0], name="Jo Bloggs", email="jo@example.org"))
        db.session.add(ResponseContact(response_id=latest[1], phone="07700 900461", replied_at=utcnow()))
        db.session.commit()
        draft_id, removable = draft.id, draft.questions[1].id
        opened_question = db.session.get(Survey, survey_id).questions[0].id
    seen = {}
    for name, path in [
        ("survey with its history", f"/surveys/{survey_id}"),
        ("draft survey, questions to move", f"/surveys/{draft_id}"),
        ("remove a question", f"/surveys/{draft_id}/questions/{removable}/remove"),
        ("remove refused once open", f"/surveys/{survey_id}/questions/{opened_question}/remove"),
        ("results by quarter", f"/surveys/{survey_id}/results"),
        ("results by version", f"/surveys/{survey_id}/results?by=version"),
        ("yes/no results", f"/surveys/{widget_id}/results"),
        ("comments, a page of many", f"/surveys/{survey_id}/comments?page=2"),
        ("comments on a theme", f"/surveys/{survey_id}/comments?theme={theme_id}"),
        ("measure fed by the widget", f"/measures/{found_id}"),
        ("themes by month", "/themes?period=month"),
        ("theme", f"/themes/{theme_id}?period=month"),
        ("suggestions by month", "/entries/suggestions?period=month"),
        ("edit theme", f"/themes/{theme_id}/edit"),
        ("candidate theme, to accept or dismiss", f"/themes/{candidate_id}"),
        ("plan with summary", "/plans/1"),
        ("cases", "/cases?kind=complaint"),
        ("case", f"/cases/{case_id}"),
        ("replies waiting", "/replies"),
        ("replies answered", "/replies?show=replied"),
        ("measure counting cases", f"/measures/{measure_id}/edit"),
        ("measure with chart", f"/measures/{measure_id}"),
        ("progress report", "/plans/1/report?date=2022-09-30"),
    ]:
        seen[name] = _violations_at(page, live_server + path, axe_source)

    seen["edit theme with errors"] = _violations_when_refused(
        page, f"{live_server}/themes/{theme_id}/edit", axe_source, {"#keywords": ""}
    )
    page.goto(f"{live_server}/actions/1/edit")
    with live_app.app_context():  # someone else saves the action while the page is open
        audit.set_actor(db.session, None, "someone.else@example.org")
        db.session.get(Action, 1).lead = "Someone else"
        db.session.commit()
    page.locator("main button[type=submit]").first.click()
    page.wait_for_selector("#changed-by-others")
    seen["edit action that someone else changed"] = axe_violations(page, axe_source)
    page.click(".govuk-error-summary a[href='#changed-by-others']")  # leads to what they changed
    assert page.evaluate("document.activeElement.id") == "changed-by-others"
    seen["new case with errors"] = _violations_when_refused(
        page, f"{live_server}/cases/new", axe_source, {"#received_on-day": "31"}
    )
    page.click(".govuk-error-summary a[href='#received_on-day']")  # a date's error leads to its day box
    assert page.evaluate("document.activeElement.id") == "received_on-day"
    wrong_date = {"#date-day": "31", "#date-month": "2", "#date-year": "2024"}
    seen["report at a date that is not one"] = _violations_when_refused(
        page, f"{live_server}/plans/1/report", axe_source, wrong_date, "text=Show report"
    )
    not_a_date = {"#filled_in-day": "31", "#filled_in-month": "9", "#filled_in-year": "2026"}
    seen["paper response on a date that is not one"] = _violations_when_refused(
        page, f"{live_server}/surveys/{survey_id}/paper", axe_source, not_a_date, "text=Save paper response"
    )
    plan_import = f"{live_server}/plans/import"
    seen["plan import without a file"] = _violations_when_refused(page, plan_import, axe_source)
    bad_plan = tmp_path / "plan.csv"
    bad_plan.write_text("plan,plan_kind,area_ref,area_title,action_ref,action_description\nA,wsoa,1,,1.1,\n")
    seen["plan file with problems"] = _violations_when_refused(
        page, plan_import, axe_source, files={"#file": bad_plan}
    )
    assert page.locator("#problems tbody tr").count() == 2  # area_title and action_description
    assert {name: found for name, found in seen.items() if found} == {}


# Links a staff page may carry that lead to no staff page: files, public pages (their own tests check
# them) and the open data API.
NOT_STAFF_PAGES = {
    "static",
    "cases.export",
    "analysis.comments_csv",
    "plans.measure_chart",
    "plans.report_xlsx",
    "plans.import_template",
    "plans.plan_csv",
    "surveys.qr_code",
    "main.healthz",
    "auth.session_status",
}
PUBLIC_BLUEPRINTS = {"api", "respond", "widget", "published"}
# Staff pages the links may not lead to: the sign-in pages, and removing a question, which only a draft
# survey's page offers (the demo has none; the test above makes one, and checks the page).
UNLINKED = {"auth.login", "auth.code", "surveys.remove_question"}
LINKS = "links => links.map(link => link.getAttribute('href'))"


def _is_staff_page(endpoint: str) -> bool:
    return endpoint not in NOT_STAFF_PAGES and endpoint.split(".")[0] not in PUBLIC_BLUEPRINTS


def _staff_endpoint(live_app, href: str) -> str | None:
    """The endpoint of the staff page at ``href``, or None if it leads anywhere else."""
    path = href.split("#")[0].split("?")[0]
    try:
        rule, _ = live_app.url_map.bind("127.0.0.1").match(path, method="GET", return_rule=True)
    except HTTPException:
        return None
    return rule.endpoint if _is_staff_page(rule.endpoint) else None


def test_axe_finds_no_violations_on_any_staff_page_a_link_leads_to(live_app, live_server, phone, axe_source):
    """Following links from the home page as an admin, the first page of each kind (one case stands for
    all cases), so that a new page is checked without being listed; and every staff page is reached."""
    page = _signed_in(live_app, live_server, phone, Role.ADMIN)
    with live_app.app_context():  # signed in on a phone too, so that signing out another browser is offered
        admin = db.session.scalar(sa.select(User).where(User.email == "axe-admin@example.org"))
        db.session.add(SignIn(user_id=admin.id, token_hash="2" * 64, browser="Mobile Safari on iOS"))
        db.session.commit()
    queue, checked, found = deque(["/home"]), set(), {}
    while queue:
        href = queue.popleft()
        endpoint = _staff_endpoint(live_app, href)
        if endpoint is None or endpoint in checked:
            continue
        checked.add(endpoint)
        page.goto(live_server + href)
        found[href] = axe_violations(page, axe_source)
        queue.extend(page.eval_on_selector_all("a[href^='/']", LINKS))
    assert {href: violations for href, violations in found.items() if violations} == {}
    rules = live_app.url_map.iter_rules()
    staff_pages = {rule.endpoint for rule in rules if "GET" in rule.methods and _is_staff_page(rule.endpoint)}
    assert staff_pages - checked <= UNLINKED


# Council addresses are long and have no hyphen to break at: the pages that show them must still fit a phone.
LONG_ADMIN = "alexandra.featherstonehaugh@worcestershire.gov.uk"
LONG_OTHER = "oluwaseun.abernethy@shropshire.gov.uk"


def test_axe_finds_no_violations_on_the_account_pages(live_app, live_server, phone, axe_source):
    page = _signed_in(live_app, live_server, phone, Role.ADMIN, LONG_ADMIN)
    with live_app.app_context():
        other = users.create_user(db.session, LONG_OTHER, Role.COORDINATOR, PASSWORD)
        other.totp_secret = "JBSWY3DPEHPK3PXP"
        admin = db.session.scalar(sa.select(User).where(User.email == LONG_ADMIN))
        db.session.add(SignIn(user_id=admin.id, token_hash="0" * 64, browser="Mobile Safari on iOS"))
        db.session.add(SignIn(user_id=other.id, token_hash="1" * 64, browser="Firefox on Windows"))
        db.session.commit()
        other_id = other.id
    seen = {}
    for name, path in [
        ("users", "/users"),
        ("add a user", "/users/new"),
        ("a user with a second step", f"/users/{other_id}"),
        ("change your password", "/account/password"),
        ("where you are signed in", "/account/sessions"),
        ("data protection", "/data-protection"),
    ]:
        seen[name] = _violations_at(page, live_server + path, axe_source)
    page.goto(f"{live_server}/account/sessions")
    page.get_by_role("button", name="Sign out this browser").click()
    page.wait_for_selector("h1:has-text('Sign out another browser')")
    seen["signing out another browser"] = axe_violations(page, axe_source)
    page.locator("main button[type=submit]").click()
    page.wait_for_selector(".govuk-error-summary")
    seen["signing out another browser without the password"] = axe_violations(page, axe_source)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_selector("text=That browser is signed out.")
    seen["another browser signed out"] = axe_violations(page, axe_source)
    seen["sign out everywhere else"] = _violations_at(
        page, f"{live_server}/account/sign-out-elsewhere", axe_source
    )
    for name, path in [
        ("add a user with errors", "/users/new"),
        ("password with errors", "/account/password"),
        ("data protection with errors", "/data-protection"),
    ]:
        seen[name] = _violations_when_refused(page, live_server + path, axe_source)
    page.goto(f"{live_server}/data-protection")
    page.fill("#email", LONG_OTHER)
    page.get_by_role("button", name="Find what we hold").click()
    page.wait_for_selector("h1:has-text('What we hold about them')")
    seen["what we hold"] = axe_violations(page, axe_source)
    page.get_by_role("button", name="Erase their details").click()
    page.wait_for_selector(".govuk-error-summary")
    seen["erasing refused"] = axe_violations(page, axe_source)
    live_app.config["SECOND_STEP_REQUIRED_FOR"] = "admin"
    try:
        page.goto(f"{live_server}/users")
        page.wait_for_url(lambda url: url.endswith("/account/two-factor"))
        assert "needs a second sign-in step" in page.locator("main").inner_text()
        seen["second step needed"] = axe_violations(page, axe_source)
    finally:
        live_app.config["SECOND_STEP_REQUIRED_FOR"] = "none"
    seen["a new password refused"] = _violations_when_refused(
        page, f"{live_server}/users/{other_id}", axe_source, {"#password": "short"}, "text=Set password"
    )
    page.goto(f"{live_server}/users/{other_id}")
    with live_app.app_context():  # another admin, with a long address too, changes the account meanwhile
        audit.set_actor(db.session, None, LONG_OTHER)
        db.session.get(User, other_id).name = "Changed by someone else"
        db.session.commit()
    page.locator("main form").first.locator("button[type=submit]").click()
    page.wait_for_selector("#changed-by-others")
    assert LONG_OTHER in page.locator("#changed-by-others").inner_text()
    seen["an account someone else changed"] = axe_violations(page, axe_source)
    assert {name: found for name, found in seen.items() if found} == {}


def test_the_progress_report_prints_without_navigation(live_app, live_server, phone):
    page = _signed_in(live_app, live_server, phone)
    page.goto(f"{live_server}/plans/1/report?date=2022-09-30")
    assert page.locator(".govuk-template__header").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".govuk-template__header").is_visible()
    assert not page.locator("form.app-no-print").is_visible()
    assert page.locator("h2", has_text="Area 1").is_visible()


def test_a_hint_in_a_compact_table_is_the_size_of_the_text_around_it(live_app, live_server, phone):
    """In the results, "+6 points, may be chance" is one line of one size, not a hint in the Design System's
    larger type beside the compact table's, which made those rows taller than the rest."""
    page = _signed_in(live_app, live_server, phone)
    with live_app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id).where(Survey.slug == "live-feedback"))
    page.goto(f"{live_server}/surveys/{survey_id}/results")
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.app-table--compact .govuk-hint')]
          .map(hint => [getComputedStyle(hint).fontSize, getComputedStyle(hint.closest('td')).fontSize])"""
    )
    assert sizes and all(hint == cell for hint, cell in sizes), sizes


def test_the_results_tables_columns_line_up_down_the_page(live_app, live_server, browser):
    """A table a question: on a wide screen each column starts where the one above it does, so a
    coordinator can read % agree down the page; each used to size its columns to its own figures."""
    with live_app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id).where(Survey.slug == "live-feedback"))
    wide = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = _signed_in(live_app, live_server, wide)
        for by in ("quarter", "version"):
            page.goto(f"{live_server}/surveys/{survey_id}/results?by={by}")
            edges = page.evaluate(
                """() => [...document.querySelectorAll('.app-table--results thead tr')]
                  .map(row => [...row.cells].map(cell => Math.round(cell.getBoundingClientRect().left)))"""
            )
            assert len(edges) > 1 and all(row == edges[0] for row in edges), (by, edges)
    finally:
        wide.close()


def test_brag_on_a_page_keeps_the_progress_status_on_a_phone_screen(live_app, live_server, phone, browser):
    """On a phone the lead is said under the action, not in a column of its own that pushed every status
    off the screen; a wider screen has the column."""
    page = _signed_in(live_app, live_server, phone)
    page.goto(f"{live_server}/plans/1/brag")
    first_action = page.locator("tr.app-row--action").first
    assert not page.locator("thead th", has_text="Lead").is_visible()
    assert first_action.locator("th .app-narrow-only").inner_text().startswith("Lead: ")
    status = first_action.locator("td .govuk-tag").first.bounding_box()
    assert status is not None and status["x"] + status["width"] <= 360

    wide = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = _signed_in(live_app, live_server, wide)
        page.goto(f"{live_server}/plans/1/brag")
        assert page.locator("thead th", has_text="Lead").is_visible()
        assert not page.locator("tr.app-row--action .app-narrow-only").first.is_visible()
    finally:
        wide.close()


def test_the_idle_warning_lets_a_person_stay_signed_in_and_otherwise_signs_them_out(
    live_app, live_server, phone
):
    page = _signed_in(live_app, live_server, phone)
    live_app.config["SESSION_IDLE_SECONDS"] = 6  # the warning comes at 3 seconds left
    try:
        page.goto(f"{live_server}/plans")
        dialog = page.locator("#session-timeout")
        dialog.wait_for(state="visible", timeout=8000)
        assert page.evaluate("document.activeElement.id") == "session-timeout-stay"
        assert "minutes without activity" in dialog.inner_text()
        assert KEPT_PROMISE not in dialog.inner_text()  # nothing typed: nothing to put back
        page.click("#session-timeout-stay")
        dialog.wait_for(state="hidden", timeout=3000)
        page.wait_for_url(lambda url: "/login" in url, timeout=15000)  # nobody answered the second time
        assert "signed out after a time without activity" in page.content()
    finally:
        live_app.config["SESSION_IDLE_SECONDS"] = 30 * 60


def test_the_warning_before_the_end_of_a_session_s_lifetime_lets_a_person_save_and_then_signs_them_out(
    live_app, live_server, phone
):
    page = _signed_in(live_app, live_server, phone)
    live_app.config["SESSION_IDLE_SECONDS"] = 60  # the idle warning would come at 30 seconds left
    live_app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=12)  # but the lifetime ends first
    try:
        page.goto(f"{live_server}/plans")
        dialog = page.locator("#session-timeout")
        dialog.wait_for(state="visible", timeout=8000)
        assert "Save anything you are working on now" in dialog.inner_text()
        assert "minutes without activity" not in dialog.inner_text()
        page.click("#session-timeout-stay")  # "Continue": back to the page, to save what is unsaved
        assert dialog.is_hidden()
        page.wait_for_url(lambda url: "/login" in url, timeout=15000)
        assert "signed out because you signed in" in page.content()
    finally:
        live_app.config["SESSION_IDLE_SECONDS"] = 30 * 60
        live_app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=8)


def _sign_in_here(page, email: str) -> None:
    """Sign in on the sign-in page ``page`` is on, in the same tab, and follow where it leads."""
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _held_keys(page) -> list[str]:
    return page.evaluate("Object.keys(sessionStorage).filter((key) => key.startsWith('feedback-loop:held:'))")


def _held_forms_key(live_app, email: str) -> str:
    with live_app.test_request_context():
        login_user(db.session.scalar(sa.select(User).where(User.email == email)))
        return auth.held_forms_key()


UNSEAL = """async ([key, heldKey]) => {
    const plainBase64 = (b) => b.replace(/-/g, '+').replace(/_/g, '/')
    const bytes = (b) => Uint8Array.from(atob(plainBase64(b)), (c) => c.charCodeAt(0))
    const { iv, data } = JSON.parse(sessionStorage.getItem(key))
    const usage = ['decrypt']
    const cryptoKey = await crypto.subtle.importKey('raw', bytes(heldKey), 'AES-GCM', false, usage)
    const sealed = { name: 'AES-GCM', iv: bytes(iv), additionalData: new TextEncoder().encode(key) }
    const plain = await crypto.subtle.decrypt(sealed, cryptoKey, bytes(data))
    return JSON.parse(new TextDecoder().decode(plain))
}"""


def _unsealed(page, key: str, held_key: str):
    """What session-timeout.js kept under ``key`` in the tab's storage, decrypted with ``held_key``."""
    return page.evaluate(UNSEAL, [key, held_key])


KEPT_PROMISE = "what you have typed and not saved is put back"


def _signed_out_while_typing(live_app, page, url: str, fill: dict[str, str], send: bool = False) -> str:
    """Open ``url``, type ``fill`` into it (and ``send`` it, to be refused) and leave it until the idle
    sign-out moves the tab away; what the warning before it said."""
    live_app.config["SESSION_IDLE_SECONDS"] = 6
    try:
        page.goto(url)
        for selector, value in fill.items():
            page.fill(selector, value)
        if send:
            page.locator("main button[type=submit]").first.click()
            page.wait_for_selector(".govuk-error-summary")
        dialog = page.locator("#session-timeout")
        dialog.wait_for(state="visible", timeout=8000)
        warning = dialog.inner_text()
        page.wait_for_url(lambda url: "/login" in url, timeout=15000)
        return warning
    finally:
        live_app.config["SESSION_IDLE_SECONDS"] = 30 * 60


def test_what_was_typed_when_the_session_ended_is_put_back_after_signing_in_again(
    live_app, live_server, phone, axe_source
):
    page = _signed_in(live_app, live_server, phone)
    page.goto(f"{live_server}/cases/1/edit")
    saved_summary, saved_reference = page.input_value("#summary"), page.input_value("#reference")
    typed = "Typed and not saved: the family rang back about the transport plan."
    warning = _signed_out_while_typing(live_app, page, f"{live_server}/cases/1/edit", {"#summary": typed})
    assert KEPT_PROMISE in warning
    # Kept encrypted: what was typed, and the page's mark of what it was shown with; not what nobody
    # changed, such as the family's contact details the form was filled in with.
    (key,) = _held_keys(page)
    assert "transport plan" not in page.evaluate(f"sessionStorage.getItem({key!r})")
    kept = _unsealed(page, key, _held_forms_key(live_app, "axe-coordinator@example.org"))
    assert kept["page"] == "/cases/1/edit"
    assert [sorted(form["values"]) for form in kept["forms"]] == [["seen", "summary"]]
    assert kept["forms"][0]["values"]["summary"] == [typed]

    page.goto(f"{live_server}/login")  # signing in again from the start, not led back to the form
    _sign_in_here(page, "axe-coordinator@example.org")
    assert not page.url.endswith("/cases/1/edit")
    assert page.locator("#held-restored").is_hidden() and _held_keys(page) == [key]  # kept for its page
    page.goto(f"{live_server}/cases/1/edit")
    assert page.input_value("#summary") == typed
    assert page.input_value("#reference") == saved_reference  # what they did not change is as saved
    banner = page.locator("#held-restored")
    assert banner.is_visible()
    assert "It is not saved yet" in banner.inner_text()
    assert page.evaluate("document.activeElement.id") == "held-restored"
    assert _held_keys(page) == []
    assert axe_violations(page, axe_source) == []

    page.reload()  # put back once: a reload shows what is saved
    assert page.input_value("#summary") == saved_summary
    assert page.locator("#held-restored").is_hidden()


def test_nothing_typed_is_put_back_for_another_account_or_kept_from_a_password_form(
    live_app, live_server, phone
):
    other = "held-other@example.org"
    with live_app.app_context():
        users.create_user(db.session, other, Role.COORDINATOR, PASSWORD)
        db.session.commit()
    page = _signed_in(live_app, live_server, phone)
    fill = {"#current": PASSWORD}
    warning = _signed_out_while_typing(live_app, page, f"{live_server}/account/password", fill)
    assert _held_keys(page) == []
    assert KEPT_PROMISE not in warning  # the warning promises nothing it will not do

    _sign_in_here(page, "axe-coordinator@example.org")
    page.goto(f"{live_server}/cases/1/edit")
    saved_summary = page.input_value("#summary")
    typed = {"#summary": "Not for anyone else"}
    _signed_out_while_typing(live_app, page, f"{live_server}/cases/1/edit", typed)
    assert len(_held_keys(page)) == 1

    _sign_in_here(page, other)  # somebody else, in the same tab, back to the same page
    assert page.url.endswith("/cases/1/edit")
    assert page.input_value("#summary") == saved_summary
    assert page.locator("#held-restored").is_hidden()
    assert _held_keys(page) == []


def test_what_a_refused_save_sent_is_kept_when_the_session_ends(live_app, live_server, phone):
    page = _signed_in(live_app, live_server, phone)
    typed = "Sent with a wrong date, then left"
    fill = {"#summary": typed, "#received_on-day": "31", "#received_on-month": "2"}
    _signed_out_while_typing(live_app, page, f"{live_server}/cases/1/edit", fill, send=True)
    _sign_in_here(page, "axe-coordinator@example.org")
    assert page.url.endswith("/cases/1/edit")
    assert page.input_value("#summary") == typed
    assert page.input_value("#received_on-day") == "31"
    assert page.locator("#held-restored").is_visible()


def test_a_second_click_while_the_first_is_saving_logs_one_case(live_app, live_server, phone, monkeypatch):
    """On a slow connection a person clicks Save again: the browser drops the first post's answer and
    sends the form again, while the server is still saving the first."""
    save_case = cases.save_case

    def slowly(*args, **kwargs):
        time.sleep(1)
        return save_case(*args, **kwargs)

    monkeypatch.setattr(cases, "save_case", slowly)
    page = _signed_in(live_app, live_server, phone)
    with live_app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    page.goto(f"{live_server}/cases/new")
    page.check("input[name=kind][value=mediation]")
    for part, value in (("day", "3"), ("month", "6"), ("year", "2024")):
        page.fill(f"#received_on-{part}", value)
    page.fill("#summary", "Saved on a slow connection.")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    save = page.get_by_role("button", name="Save case")
    save.scroll_into_view_if_needed()
    box = save.bounding_box()
    assert box is not None
    for _ in range(2):  # as a person would, not waiting for the page as Playwright's click does
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert posts == [f"{live_server}/cases/new"] * 2
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == before + 1
        case_id = db.session.scalar(sa.select(sa.func.max(Case.id)))
    assert page.url == f"{live_server}/cases/{case_id}"
    assert ALREADY_SAVED in page.locator(".govuk-notification-banner--success").inner_text()


def _new_case_filled(page, live_server: str, summary: str) -> None:
    page.goto(f"{live_server}/cases/new")
    page.check("input[name=kind][value=mediation]")
    for part, value in (("day", "4"), ("month", "6"), ("year", "2024")):
        page.fill(f"#received_on-{part}", value)
    page.fill("#summary", summary)


def _save_case(page) -> str:
    """Save the case form on ``page``; the address of the case page it leads to."""
    page.get_by_role("button", name="Save case").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    return page.url


def _cases(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def _case_saved_then_back(live_app, live_server, phone, summary: str):
    """A page that logged a case with ``summary`` and went back to the form; the page, how many cases
    there were before, and the address of the one logged."""
    page = _signed_in(live_app, live_server, phone)
    before = _cases(live_app)
    _new_case_filled(page, live_server, summary)
    first = _save_case(page)
    page.go_back()
    return page, before, first


def test_back_to_a_saved_form_and_save_again_logs_one_case(live_app, live_server, phone):
    """The form is fetched again on the way back, with a new key, and Chromium puts back what was typed."""
    page, before, first = _case_saved_then_back(
        live_app, live_server, phone, "Logged, then Back and Save again."
    )
    assert page.input_value("#summary") == "Logged, then Back and Save again."
    assert _save_case(page) == first
    assert ALREADY_SAVED in page.locator(".govuk-notification-banner--success").inner_text()
    assert _cases(live_app) == before + 1


def test_back_to_a_saved_form_changed_and_saved_logs_a_second_case(live_app, live_server, phone):
    """Changed after coming back, the form is something new, as it is on a new visit to the page."""
    page, before, first = _case_saved_then_back(live_app, live_server, phone, "The first of two cases.")
    page.fill("#summary", "The second of two cases.")
    assert _save_case(page) != first
    assert ALREADY_SAVED not in page.content()
    _new_case_filled(page, live_server, "The second of two cases.")  # a new visit: same words, new case
    _save_case(page)
    assert _cases(live_app) == before + 3


def test_back_to_a_case_and_draft_its_entry_again_makes_one_draft(live_app, live_server, phone):
    """A button's form carries the key too; only the button is pressed, so the form is unchanged."""
    page = _signed_in(live_app, live_server, phone)
    with live_app.app_context():
        case_id = db.session.scalar(sa.select(sa.func.min(Case.id)).where(Case.learning != ""))
        drafts = db.session.scalar(sa.select(sa.func.count()).select_from(YouSaidWeDid))
    page.goto(f"{live_server}/cases/{case_id}")
    draft = page.get_by_role("button", name="Draft a “You said, we did” entry")
    draft.click()
    page.wait_for_selector(".govuk-notification-banner--success")
    page.go_back()
    draft.click()
    page.wait_for_selector(".govuk-notification-banner--success")
    assert ALREADY_SAVED in page.locator(".govuk-notification-banner--success").inner_text()
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(YouSaidWeDid)) == drafts + 1


def test_the_box_fits_its_frame_where_the_local_offer_page_runs_the_given_lines(live_app, live_server, phone):
    """The lines the survey's page gives, pasted with the frame into another site's page: the frame grows
    to show what is missing, and shrinks to the thanks; a message from anywhere else changes nothing."""
    staff = _signed_in(live_app, live_server, phone)
    with live_app.app_context():
        widget_id = db.session.scalar(sa.select(Survey.id).where(Survey.slug == "local-offer-feedback"))
    staff.goto(f"{live_server}/surveys/{widget_id}")
    frame_tag, lines = (
        staff.locator("pre.app-code code").nth(0).inner_text(),
        staff.locator("#fit-frames").inner_text(),
    )
    assert frame_tag.startswith(f'<iframe src="{live_server}/w/local-offer-feedback"')
    page_text = (
        f"<!DOCTYPE html><title>Short breaks</title><main><h1>Short breaks</h1>{frame_tag}{lines}</main>"
    )
    host = phone.new_page()
    with _local_offer_page(page_text) as local_offer:  # another origin: the same host, another port
        host.goto(local_offer)
    frame_element = host.locator("iframe")
    box = frame_element.content_frame

    def fitted() -> float:
        """The frame's height once it is the box's, as the page's lines make it (within 5 s)."""
        deadline = time.monotonic() + 5
        while True:
            tall = box.locator("body").evaluate("body => Math.ceil(body.getBoundingClientRect().height)")
            height = frame_element.evaluate("frame => frame.getBoundingClientRect().height")
            if height == tall:
                return height
            assert time.monotonic() < deadline, f"the frame stayed {height} px high for a box of {tall} px"
            host.wait_for_timeout(50)

    expect(box.get_by_role("button", name="Send")).to_be_visible()
    first = fitted()
    host.evaluate("window.postMessage({feedbackFrameHeight: 5}, '*')")  # this page's own: not the box's
    assert fitted() == first
    box.get_by_role("button", name="Send").click()  # nothing chosen
    expect(box.get_by_role("link", name="Select yes or no")).to_be_visible()
    assert fitted() > first
    box.locator("input[name=answer][value=yes]").check()
    box.get_by_role("button", name="Send").click()
    # The thanks by its words: the question the box asks is a heading too, found before the thanks loads.
    expect(box.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    assert fitted() < first


@contextmanager
def _local_offer_page(text: str) -> Iterator[str]:
    """A page of another site, served on 127.0.0.1 (Chromium would not let a page on the internet frame
    one on this machine): its address, while it is served."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/short-breaks"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

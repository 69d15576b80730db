"""Staff log cases through the forms, bad input changes nothing, the dashboard and exports."""

from __future__ import annotations

import html
import io
from datetime import date, timedelta

import openpyxl
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import Case, CaseContact, CaseKind, CaseOutcome, Role, StageName, Theme
from feedback.services import cases

from ..conftest import csrf_token_from


def _form(client, path: str) -> str:
    return csrf_token_from(client.get(path).text)


def test_staff_log_a_complaint_with_the_familys_details_kept_apart(app, client, login):
    login(Role.STAFF)
    token = _form(client, "/cases/new")
    response = client.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "kind": "complaint",
            "received_on": ["3", "6", "2024"],
            "summary": "The annual review did not happen.",
            "contact_name": "Ann Jones",
            "contact_email": "ann@example.org",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert case.kind is CaseKind.COMPLAINT and case.reference == "COM-2024-0001"
        assert case.contact.name == "Ann Jones"
    page = client.get(response.headers["Location"]).text
    assert "Stage 1 response" in page and "1 Jul 2024" in page and "Ann Jones" in page


def test_bad_input_shows_a_message_beside_the_field_and_saves_nothing(app, client, login):
    login(Role.STAFF)
    token = _form(client, "/cases/new")
    for data, message in [
        ({"kind": "complaint", "received_on": ["31", "2", "2024"]}, "must be a real date"),
        ({"kind": "complaint", "received_on": ["1", "1", "2099"]}, "today or in the past"),
        ({"kind": "nonsense", "received_on": ["1", "1", "2024"]}, "Not a valid choice"),
        ({"kind": "complaint", "received_on": ["1", "1", "2024"], "contact_email": "nope"}, "correct format"),
    ]:
        response = client.post("/cases/new", data={"csrf_token": token, **data})
        assert response.status_code == 400 and message in response.text, message
        assert "govuk-error-summary" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_closing_with_an_outcome_of_another_kind_is_refused(app, client, login, demo):
    login(Role.STAFF)
    with app.app_context():
        case_id = db.session.scalar(
            sa.select(Case.id).where(Case.kind == CaseKind.COMPLAINT, Case.closed_on.is_(None)).limit(1)
        )
    token = _form(client, f"/cases/{case_id}/close")
    refused = client.post(
        f"/cases/{case_id}/close",
        data={"csrf_token": token, "outcome": "agreement_reached", "closed_on": ["1", "2", "2023"]},
    )
    assert refused.status_code == 400 and "Not a valid choice" in refused.text
    closed = client.post(
        f"/cases/{case_id}/close",
        data={"csrf_token": token, "outcome": "upheld", "closed_on": ["1", "2", "2023"]},
    )
    assert closed.status_code == 302


def test_the_dashboard_compares_years_with_the_baseline_and_target(client, login, demo):
    login(Role.STAFF)
    page = client.get("/cases/dashboard").text
    assert "2021 (baseline)" in page and "-14%" in page and "80, not met" in page
    assert "on time" in page and "Oct\u00a0to\u00a0Dec 2022" in page
    assert "Dec 2022</th>" in client.get("/cases/dashboard?period=month").text


def test_the_dashboard_names_each_kind_of_case_in_the_plural(app, client, login):
    with app.app_context():
        theme = Theme(slug="communication", name="Communication", keywords="communication")
        db.session.add(theme)
        db.session.flush()
        for kind in CaseKind:
            details = cases.CaseDetails(kind=kind, received_on=date(2024, 3, 1), theme_ids=[theme.id])
            case = cases.save_case(db.session, None, details, date(2024, 6, 1))
            first = case.stages[0]
            cases.record_stage(
                db.session, case, first.name, first.started_on, date(2024, 3, 4), date(2024, 6, 1)
            )
        db.session.commit()
    login(Role.STAFF)
    page = " ".join(client.get("/cases/dashboard").text.split())
    for plural in ("Complaints", "Mediations", "Tribunal appeals", "Compliments", "Enquiries"):
        assert f"<li>{plural}: Communication, 1</li>" in page  # the themes cases carry most
    assert "<li>Enquiries: 100% on time (1 of 1 stage)</li>" in page  # acknowledged within 10 working days
    assert "Enquirys" not in page


def test_the_dashboard_of_a_new_service_says_what_it_has_yet_to_show(client, login):
    """Before any case is logged or any measure counts cases, each section says so."""
    login(Role.STAFF)
    page = " ".join(client.get("/cases/dashboard").text.split())
    for empty in (
        "No measure of the plan counts cases yet.",
        "No cases yet.",
        "No stage with a due date is done yet.",
        "No case is closed yet.",
        "No case has a theme yet.",
    ):
        assert empty in page
    assert "No cases yet." in " ".join(client.get("/cases/dashboard?period=month").text.split())


def test_exports_leave_the_family_out_unless_a_coordinator_asks(app, client, login, demo):
    with app.app_context():
        case = db.session.scalar(sa.select(Case).limit(1))
        case.contact = CaseContact(name="Ann Jones")
        db.session.commit()
    login(Role.STAFF)
    csv_text = client.get("/cases/export.csv?kind=complaint").data.decode("utf-8-sig")
    assert csv_text.startswith("reference,kind,received_on") and "Ann Jones" not in csv_text
    assert csv_text.count("\n") == 1 + 186  # the demo's complaints, and the heading
    assert client.get("/cases/export.csv?contacts=1").status_code == 403
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/cases/export.xlsx").data))
    assert workbook.active.max_row == 1 + 917
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/cases").text)})
    login(Role.COORDINATOR)
    assert "Ann Jones" in client.get("/cases/export.csv?contacts=1").data.decode("utf-8-sig")


def test_a_coordinator_turns_learning_into_a_draft_entry(app, client, login, demo):
    login(Role.COORDINATOR)
    with app.app_context():
        case_id = db.session.scalar(sa.select(Case.id).where(Case.learning != "").limit(1))
    token = _form(client, f"/cases/{case_id}")
    page = client.post(
        f"/cases/{case_id}/draft-entry", data={"csrf_token": token}, follow_redirects=True
    ).text
    assert "Draft “You said, we did” entry made" in page


def test_a_case_page_says_when_retention_removed_the_familys_details(app, client, login, demo):
    login(Role.STAFF)
    with app.app_context():
        old = db.session.scalar(sa.select(Case).where(Case.closed_on.is_not(None)).order_by(Case.closed_on))
        old.contact = CaseContact(name="Ann Jones")
        still_open = db.session.scalar(
            sa.select(Case.id).where(Case.closed_on.is_(None), ~Case.contact.has())
        )
        cutoff, old_id = old.closed_on + timedelta(days=1), old.id
        db.session.commit()
        assert sum(cases.anonymise_closed_before(db.session, cutoff)) >= 1
    page = client.get(f"/cases/{old_id}").text
    assert "Ann Jones" not in page
    assert f"Removed on {clock.today():%-d %B %Y}, at the end of the retention period" in page
    assert "None recorded." in client.get(f"/cases/{still_open}").text


def test_a_case_page_tells_its_history_in_words(app, client, login):
    login(Role.STAFF)
    client.post(
        "/cases/new",
        data={
            "csrf_token": _form(client, "/cases/new"),
            "kind": "complaint",
            "received_on": ["3", "6", "2024"],
            "summary": "The annual review did not happen.",
        },
    )
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        case.summary = "The annual review for year 9 did not happen."
        cases.record_stage(
            db.session, case, StageName.STAGE_1, date(2024, 6, 3), date(2024, 6, 14), date(2024, 6, 21)
        )
        cases.close_case(db.session, case, CaseOutcome.UPHELD, date(2024, 6, 20), date(2024, 6, 21))
        case_id = case.id
        db.session.commit()
        assert sum(cases.anonymise_closed_before(db.session, date(2024, 7, 1))) == 1
    page = client.get(f"/cases/{case_id}").text
    history = page[page.index(">History<") :]
    for line in (
        "logged the case",
        "started Stage 1 response",
        "changed stage from nothing to “Stage 1 response”; due on from nothing to “1 July 2024”",
        "changed what the case is about",
        "Stage 1 response: changed completed on from nothing to “14 June 2024”",
        "changed stage from “Stage 1 response” to “Closed”; closed on from nothing to “20 June 2024”; "
        "outcome from nothing to “Upheld”",
        "system: took out the family&#39;s details and names",
    ):
        assert line in history, line
    # The summary is named, not repeated; the number a case is given as it is logged is not news.
    assert "review" not in history and "reference" not in history


def test_a_case_page_names_the_areas_of_the_plan_it_bears_on(app, client, login, demo):
    with app.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.areas.any()).limit(1))
        case_id, names = case.id, [f"Area {area.reference}: {area.title}" for area in case.areas]
    login(Role.STAFF)
    page = client.get(f"/cases/{case_id}").text
    assert "Areas of the plan" in page and all(html.escape(name) in page for name in names)


def test_a_stage_or_closing_date_the_case_s_dates_rule_out_is_refused_beside_its_field(app, client, login):
    """The form takes any real date; the case's own dates are checked by the service, whose message goes
    beside the field it names, and the case stays as it was."""
    login(Role.STAFF)
    with app.app_context():
        received = cases.CaseDetails(kind=CaseKind.COMPLAINT, received_on=date(2024, 3, 1))
        case_id = cases.save_case(db.session, None, received, clock.today()).id
        db.session.commit()
    stage = f"/cases/{case_id}/stage?name=stage_2"
    early_stage = client.post(
        stage, data={"csrf_token": _form(client, stage), "name": "stage_2", "started_on": ["1", "2", "2024"]}
    )
    close = f"/cases/{case_id}/close"
    early_close = client.post(
        close, data={"csrf_token": _form(client, close), "outcome": "upheld", "closed_on": ["1", "2", "2024"]}
    )
    for response, field, message in (
        (early_stage, "started_on", "A stage cannot start before the case was received"),
        (early_close, "closed_on", "A case cannot close before it was received"),
    ):
        assert response.status_code == 400
        assert f'<a href="#{field}-day">{message}</a>' in response.text  # the summary links to the field
        assert f'id="{field}-error"' in response.text
    with app.app_context():
        case = cases.load_case(db.session, case_id)
        assert [s.name for s in case.stages] == [StageName.STAGE_1] and case.closed_on is None


def test_the_case_list_shows_the_page_asked_for_the_first_for_nonsense_and_the_last_past_the_end(
    app, client, login, demo, monkeypatch
):
    """A case officer's link to a later page outlives the cases on it, and an address can be typed."""
    monkeypatch.setattr(cases, "PAGE_SIZE", 3)
    login(Role.STAFF)
    with app.app_context():
        references = db.session.scalars(
            sa.select(Case.reference).order_by(Case.received_on.desc(), Case.id.desc())
        ).all()
    pages = -(-len(references) // 3)
    assert pages > 2

    def shown(query: str) -> tuple[str, list[str]]:
        page = client.get(f"/cases{query}")
        assert page.status_code == 200
        said = next(line.strip() for line in page.text.splitlines() if f"of {pages}</p>" in line)
        return said, [reference for reference in references if f">{reference}<" in page.text]

    assert shown("?page=2") == (f'<p class="govuk-body-s">Page 2 of {pages}</p>', references[3:6])
    for nonsense in ("", "?page=abc", "?page=0", "?page=-2", "?page=2.5", "?page=99999999999999"):
        assert shown(nonsense) == (f'<p class="govuk-body-s">Page 1 of {pages}</p>', references[:3])
    last = shown(f"?page={pages + 5}")
    assert last == (f'<p class="govuk-body-s">Page {pages} of {pages}</p>', references[(pages - 1) * 3 :])

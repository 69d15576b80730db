"""The demo's plan pages for staff and coordinators, and the edits coordinators make."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from io import BytesIO, StringIO
from pathlib import Path

import pytest
import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import (
    Action,
    AuditEvent,
    CaseKind,
    DataSource,
    ImpactStatus,
    Measure,
    Plan,
    ProgressStatus,
    Reading,
    ReadingSource,
    Role,
    Unit,
)
from feedback.services import analysis
from tests.conftest import action_form


@pytest.fixture
def plan_id(app, demo) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Plan.id))


def _measure(app, text_start: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Measure.id).where(Measure.text.startswith(text_start)))


def _action(app, reference: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Action.id).where(Action.reference == reference))


def test_the_demo_plan_renders_for_a_coordinator_with_every_area_action_and_measure(
    app, client, login, plan_id
):
    login(Role.COORDINATOR)
    page = client.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    html = page.text
    for reference in ("1", "2", "3", "4", "5"):
        assert f'id="area-{reference}"' in html
    assert html.count('class="app-action"') == 19
    assert "Longest wait for an autism diagnostic assessment" in html
    assert "242 weeks" in html and "13 weeks" in html and "153 weeks" in html  # baseline, target, latest
    assert "I feel understood, involved, valued and respected." in html
    assert html.count("Edit<span") == 19


def test_staff_see_the_plan_but_no_edit_links(app, client, login, plan_id):
    login(Role.STAFF)
    html = client.get(f"/plans/{plan_id}").text
    assert "Longest wait" in html and "Edit<span" not in html
    assert client.get(f"/actions/{_action(app, '1.1.1')}/edit").status_code == 403


def test_measure_page_shows_baseline_target_milestones_readings_and_history(app, client, login, plan_id):
    login(Role.COORDINATOR)
    html = client.get(f"/measures/{_measure(app, 'Longest wait')}").text
    assert "242 weeks (31 December 2021)" in html
    assert "13 weeks by 31 March 2024" in html
    assert "177 weeks by 30 September 2022" in html
    assert "Target for September was 177 weeks." in html
    assert re.search(r"\d\d:\d\d, demo: added the measure<", html)


def test_the_history_names_a_changed_status_and_direction_as_the_page_does(app, client, login, plan_id):
    """As the status tags and the summary say them: "Green: On trajectory" and "Lower", not "green" and
    "decrease"."""
    from feedback.models import Direction
    from feedback.services.audit import set_actor

    login(Role.STAFF)
    measure_id = _measure(app, "Longest wait")
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        set_actor(db.session, None, "a test")
        measure.reported_status, measure.direction = ImpactStatus.AMBER, Direction.INCREASE
        measure.published = True
        db.session.commit()
    assert (
        "a test: changed direction from “Lower” to “Higher”; reported status from “Green: On trajectory” to"
        " “Amber: Behind, within tolerance”; published from “not published” to “published as open data”</li>"
    ) in client.get(f"/measures/{measure_id}").text


def test_a_note_every_analysis_reading_shares_is_said_once_above_the_readings(app, client, login, plan_id):
    """On a phone, the analyser's note repeated in every row made each row several lines tall."""
    login(Role.STAFF)
    measure_id = _measure(app, "Longest wait")
    said = "% agree (or yes) from the survey"
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        measure.readings.clear()
        for month in (1, 2, 3):
            end = date(2023, month + 1, 1) - timedelta(days=1)
            measure.readings.append(
                Reading(
                    period_start=end.replace(day=1), period_end=end, value=40.0 + month, n=30,
                    source=ReadingSource.ANALYSIS, note=said,
                )
            )  # fmt: skip
        db.session.commit()
    page = client.get(f"/measures/{measure_id}").text
    assert page.count(said) == 1 and "Analysis readings: % agree" in page and ">Note</th>" not in page

    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        measure.readings.append(
            Reading(
                period_start=date(2023, 4, 1), period_end=date(2023, 4, 30), value=50.0,
                source=ReadingSource.MANUAL, note="From the SEND team's file audit",
            )
        )  # fmt: skip
        db.session.commit()
    page = client.get(f"/measures/{measure_id}").text
    assert page.count(said) == 1 and ">Note</th>" in page and "file audit" in page


def test_unknown_ids_and_ids_too_large_for_the_database_are_404_not_500(client, login, demo):
    login(Role.COORDINATOR)
    for url in (
        "/plans/999",
        "/measures/999",
        "/actions/999/edit",
        "/measures/999/edit",
        "/areas/999/edit",
        "/measures/999/readings/new",
        "/readings/999/edit",
        "/readings/999/remove",
        "/plans/99999999999999999999",
        "/measures/2147483648",
        "/surveys/9223372036854775808",
        "/readings/9223372036854775808/edit",
        "/readings/2147483648/remove",
    ):
        assert client.get(url).status_code == 404, url


def test_edit_forms_start_from_the_current_values(app, client, login, plan_id):
    login(Role.COORDINATOR)
    action_page = client.get(f"/actions/{_action(app, '1.1.1')}/edit").text
    assert re.search(r'name="progress_status" type="radio" value="green" checked', action_page)
    assert 'value="31"' in action_page and 'value="03"' in action_page and 'value="2024"' in action_page
    measure_page = client.get(f"/measures/{_measure(app, 'Longest wait')}/edit").text
    assert re.search(r'<option value="weeks" selected', measure_page)
    assert 'name="baseline_value" type="text" value="242"' in measure_page  # stored as 242.0
    assert re.search(r'name="direction" type="radio" value="decrease" checked', measure_page)
    assert re.search(r'name="reported_status" type="radio" value="green" checked', measure_page)


def test_a_coordinator_edits_an_action_and_the_change_is_audited(app, client, login, plan_id):
    email = login(Role.COORDINATOR)
    action_id = _action(app, "1.1.1")
    response = client.post(f"/actions/{action_id}/edit", data=action_form())
    assert response.status_code == 302
    with app.app_context():
        action = db.session.get(Action, action_id)
        assert action.progress_status is ProgressStatus.AMBER
        assert action.progress_narrative == "Recruitment at 93%."
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "Action",
                AuditEvent.entity_id == action_id,
                AuditEvent.operation == "update",
            )
        )
        assert event.actor == email
        assert event.before["progress_status"] == "green" and event.after["progress_status"] == "amber"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"description": ""}, "Enter what the action is"),
        ({"completion_date": ["31", "2", "2024"]}, "Completion date must be a real date"),
        ({"completion_date": ["", "3", "2024"]}, "Completion date must be a real date"),
        ({"completion_date": ["1"]}, "Completion date must be a real date"),
        ({"completion_date": ["2147483648", "3", "2024"]}, "Completion date must be a real date"),
        ({"progress_status": "purple"}, "Not a valid choice"),
        ({"lead": "x" * 201}, "Lead must be 200 characters or fewer"),
    ],
)
def test_bad_action_input_is_shown_beside_the_field_and_changes_nothing(
    app, client, login, plan_id, changes, message
):
    login(Role.COORDINATOR)
    action_id = _action(app, "1.1.1")
    with app.app_context():
        audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = client.post(f"/actions/{action_id}/edit", data=action_form(**changes))
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and message in response.text
    assert "govuk-error-message" in response.text
    with app.app_context():
        action = db.session.get(Action, action_id)
        assert action.progress_status is ProgressStatus.GREEN and action.lead == "Helen Stephenson"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_before


def test_a_coordinator_adds_a_reading_once_per_period(app, client, login, plan_id):
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    data = {"period_end": ["31", "10", "2022"], "value": "149", "n": "", "note": "October figure."}
    assert client.post(f"/measures/{measure_id}/readings/new", data=data).status_code == 302
    again = client.post(f"/measures/{measure_id}/readings/new", data=data)
    assert again.status_code == 400 and "already a reading for the period" in again.text
    with app.app_context():
        values = [
            r.value for r in db.session.scalars(sa.select(Reading).where(Reading.measure_id == measure_id))
        ]
        assert values == [153, 149]


def _readings(app, measure_id: int) -> list[tuple[date, float]]:
    with app.app_context():
        query = sa.select(Reading).where(Reading.measure_id == measure_id).order_by(Reading.period_end)
        return [(r.period_end, r.value) for r in db.session.scalars(query)]


def test_a_coordinator_corrects_a_mistyped_reading_and_the_history_says_who(app, client, login, plan_id):
    """A reading typed wrong would otherwise stay on every report: only a second reading could be added,
    and not for the same period."""
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    data = {"period_end": ["31", "10", "2022"], "value": "1490", "n": "", "note": "October figure."}
    assert client.post(f"/measures/{measure_id}/readings/new", data=data).status_code == 302
    with app.app_context():
        typo = db.session.scalars(sa.select(Reading).where(Reading.value == 1490)).one()
    page = client.get(f"/measures/{measure_id}").text
    link = f'href="/readings/{typo.id}/edit"><span class="govuk-visually-hidden">Change the reading for the'
    assert link in page and "select its date" in page
    form = client.get(f"/readings/{typo.id}/edit").text
    assert 'value="1490"' in form and "October figure." in form and "Save reading" in form

    answer = client.post(f"/readings/{typo.id}/edit", data={**data, "value": "149"})
    assert answer.status_code == 302 and answer.location.endswith(f"/measures/{measure_id}#readings")
    assert _readings(app, measure_id) == [(date(2022, 9, 30), 153), (date(2022, 10, 31), 149)]
    history = client.get(f"/measures/{measure_id}").text
    assert "reading for the period ending 31 October 2022: changed value from “1490” to “149”" in history
    assert "added reading for the period ending 31 October 2022" in history


def test_a_changed_reading_keeps_to_one_a_period_and_the_form_s_rules(app, client, login, plan_id):
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    data = {"period_end": ["31", "10", "2022"], "value": "149", "n": "", "note": ""}
    assert client.post(f"/measures/{measure_id}/readings/new", data=data).status_code == 302
    with app.app_context():
        october = db.session.scalars(sa.select(Reading).where(Reading.value == 149)).one().id
    onto_september = client.post(
        f"/readings/{october}/edit", data={**data, "period_end": ["30", "9", "2022"]}
    )
    assert onto_september.status_code == 400 and "already a reading for the period" in onto_september.text
    negative = client.post(f"/readings/{october}/edit", data={**data, "value": "-3"})
    assert negative.status_code == 400 and "Value must be 0 or more" in negative.text
    assert _readings(app, measure_id) == [(date(2022, 9, 30), 153), (date(2022, 10, 31), 149)]
    unchanged = client.post(f"/readings/{october}/edit", data={**data, "note": "Checked."})
    assert unchanged.status_code == 302  # its own period is not a second reading


def test_a_coordinator_removes_a_reading_entered_by_mistake_after_a_page_that_asks(
    app, client, login, plan_id
):
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    with app.app_context():
        september = db.session.scalars(sa.select(Reading).where(Reading.measure_id == measure_id)).one().id
    assert f"/readings/{september}/remove" in client.get(f"/readings/{september}/edit").text
    asks = client.get(f"/readings/{september}/remove")
    assert (
        asks.status_code == 200 and "Remove the reading for the period ending 30 September 2022?" in asks.text
    )
    assert _readings(app, measure_id) == [(date(2022, 9, 30), 153)]
    assert client.post(f"/readings/{september}/remove").status_code == 302
    assert _readings(app, measure_id) == []
    assert (
        "deleted reading for the period ending 30 September 2022"
        in client.get(f"/measures/{measure_id}").text
    )


def test_only_readings_staff_entered_change_and_only_coordinators_change_them(app, client, login, plan_id):
    """The analyser writes its own readings again at every run: a correction would not last."""
    analysed_measure = _measure(app, "Parent carers who agree they feel heard")
    with app.app_context():
        analysed = Reading(
            measure_id=analysed_measure, period_end=date(2022, 9, 30), value=40, source=ReadingSource.ANALYSIS
        )
        db.session.add(analysed)
        db.session.commit()
        entered = db.session.scalars(sa.select(Reading).where(Reading.source == ReadingSource.MANUAL)).first()
        assert entered is not None
        analysed_id, entered_id = analysed.id, entered.id
    login(Role.COORDINATOR)
    assert f"/readings/{analysed_id}/edit" not in client.get(f"/measures/{analysed_measure}").text
    for url in (f"/readings/{analysed_id}/edit", f"/readings/{analysed_id}/remove"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"value": "1"}).status_code == 404
    login(Role.STAFF)
    assert "/edit" not in client.get(f"/measures/{analysed_measure}").text
    assert client.post(f"/readings/{entered_id}/remove").status_code == 403
    with app.app_context():
        assert db.session.get(Reading, entered_id) is not None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"period_end": ["", "", ""], "value": "10"}, "Enter the date the period ended"),
        ({"period_end": ["30", "9", "2022"], "value": "lots"}, "Value must be a number"),
        ({"period_end": ["30", "9", "2022"], "value": "nan"}, "Value must be a number"),
        ({"period_end": ["30", "9", "2022"], "value": "-3"}, "Value must be 0 or more"),
        ({"period_end": ["30", "9", "2022"], "value": "3", "n": "1.5"}, "n must be a whole number"),
        ({"period_end": ["31", "10", "2022"], "value": "3", "n": "9" * 11}, "n must be 2,147,483,647 or"),
    ],
)
def test_bad_readings_are_refused_with_a_message(app, client, login, plan_id, data, message):
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    response = client.post(f"/measures/{measure_id}/readings/new", data=data)
    assert response.status_code == 400 and message in response.text
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Reading).where(Reading.measure_id == measure_id)
            )
            == 1
        )


def test_a_percentage_reading_must_be_between_0_and_100(app, client, login, plan_id):
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Parent carers who agree they feel heard")
    response = client.post(
        f"/measures/{measure_id}/readings/new", data={"period_end": ["30", "9", "2022"], "value": "135"}
    )
    assert response.status_code == 400 and "between 0 and 100" in response.text


def test_editing_a_measure_needs_a_reason_when_the_reported_status_differs(app, client, login, plan_id):
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        measure.suggested_status = measure.reported_status  # green, as the analyser would set it
        db.session.commit()
    form = {
        "text": "Longest wait for an autism diagnostic assessment",
        "unit": "weeks",
        "direction": "decrease",
        "baseline_value": "242",
        "baseline_date": ["31", "12", "2021"],
        "target_value": "13",
        "target_date": ["31", "3", "2024"],
        "reported_status": "red",
        "reported_status_reason": "",
    }
    refused = client.post(f"/measures/{measure_id}/edit", data=form)
    assert refused.status_code == 400 and "Give a reason" in refused.text
    form["target_date"] = ["31", "3", "2020"]
    refused = client.post(f"/measures/{measure_id}/edit", data=form)
    assert "Target date must be the same as or after the baseline date" in refused.text
    form.update(
        target_date=["31", "3", "2024"], reported_status_reason="Care Notes outage: no waiting list data."
    )
    assert client.post(f"/measures/{measure_id}/edit", data=form).status_code == 302
    page = client.get(f"/measures/{measure_id}").text
    assert "Care Notes outage" in page and "differs from the one suggested" in page
    # Saved as if higher were better, September's 153 weeks is past the target of 13 at once.
    form["direction"] = "increase"
    assert client.post(f"/measures/{measure_id}/edit", data=form).status_code == 302
    with app.app_context():
        assert db.session.get_one(Measure, measure_id).suggested_status is ImpactStatus.BLUE


def test_a_coordinator_edits_an_area(app, client, login, plan_id):
    login(Role.COORDINATOR)
    with app.app_context():
        from feedback.models import Area

        area_id = db.session.scalar(sa.select(Area.id).where(Area.reference == "5"))
    form = {
        "title": "The quality of the online local offer",
        "senior_responsible_officer": "A. N. Other",
        "outcomes": "Families find what they need.",
    }
    assert client.get(f"/areas/{area_id}/edit").status_code == 200
    assert client.post(f"/areas/{area_id}/edit", data=form).status_code == 302
    assert "A. N. Other" in client.get(f"/plans/{plan_id}").text


def test_a_coordinator_makes_a_measure_count_cases_and_only_in_the_unit_count(app, client, login, plan_id):
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    offered = client.get(f"/measures/{measure_id}/edit").text
    assert "Enquiries received in the last 12 months, each month" in offered and "Enquirys" not in offered
    form = {
        "text": "Complaints about waits",
        "unit": "count",
        "direction": "decrease",
        "readings_from": "cases:complaint",
        "reported_status_reason": "The lead's own count.",  # the import suggested another status
    }
    for unit in ("percent", "weeks"):
        refused = client.post(f"/measures/{measure_id}/edit", data={**form, "unit": unit})
        assert refused.status_code == 400 and "choose count as the unit" in refused.text
    assert client.post(f"/measures/{measure_id}/edit", data=form).status_code == 302
    with app.app_context():
        measure = db.session.get_one(Measure, measure_id)
        assert (measure.data_source.value, measure.case_kind, measure.unit.value) == (
            "cases",
            CaseKind.COMPLAINT,
            "count",
        )
    refused = client.post(f"/measures/{measure_id}/edit", data={**form, "readings_from": "survey"})
    assert refused.status_code == 400 and "choose percent as the unit" in refused.text
    form["readings_from"] = "manual"
    assert client.post(f"/measures/{measure_id}/edit", data=form).status_code == 302
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        assert (measure.data_source.value, measure.case_kind) == ("manual", None)


def test_a_measure_saved_before_units_had_to_fit_its_source_says_so(app, client, login, plan_id):
    """Measures saved before the rule may count cases in weeks; the form asks only at the next save, so the
    page says it first."""
    measure_id = _measure(app, "Longest wait")
    with app.app_context():
        measure = db.session.get_one(Measure, measure_id)
        measure.data_source, measure.case_kind = DataSource.CASES, CaseKind.COMPLAINT  # as before the rule
        db.session.commit()
    login(Role.STAFF)
    page = client.get(f"/measures/{measure_id}").text
    assert "The unit, weeks, does not fit where the readings come from." in page
    assert "choose count as the unit" in page and "A coordinator can change it." in page
    login(Role.COORDINATOR)
    assert "Edit the measure to change it." in client.get(f"/measures/{measure_id}").text
    with app.app_context():
        db.session.get_one(Measure, measure_id).unit = Unit.COUNT
        db.session.commit()
    assert "does not fit where the readings come from" not in client.get(f"/measures/{measure_id}").text


def test_a_measure_holding_a_reading_outside_0_to_100_cannot_become_a_percentage(app, client, login, plan_id):
    """Changing the unit changes what every reading means: the demo's longest wait, 153 weeks, cannot
    mean 153%. The form names the reading and nothing is saved, the new wording included."""
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")
    with app.app_context():
        measure = db.session.get_one(Measure, measure_id)
        outside = [r for r in measure.readings if not 0 <= r.value <= 100]
        assert measure.unit is Unit.WEEKS and len(outside) == 1
        first = f"{outside[0].value:g} for the period ending {outside[0].period_end:%-d %B %Y}"
    form = {
        "text": "Share waiting long",
        "unit": "percent",
        "direction": "decrease",
        "readings_from": "manual",
        "reported_status_reason": "The lead's own figures.",  # the import suggested another status
    }
    refused = client.post(f"/measures/{measure_id}/edit", data=form)
    assert refused.status_code == 400
    assert f"A reading of this measure ({first}) is outside 0 to 100, so it cannot be" in refused.text
    with app.app_context():
        unchanged = db.session.get_one(Measure, measure_id)
        assert (unchanged.unit, unchanged.text.startswith("Longest wait")) == (Unit.WEEKS, True)


def test_the_suggested_status_follows_a_reading_s_change_at_once(app, client, login, plan_id):
    """Not at the analyser's next run: the coordinator who corrects a reading before a board meeting sees
    the BRAG status it gives, and the warning if the reported status now differs from it."""
    login(Role.COORDINATOR)
    measure_id = _measure(app, "Longest wait")  # 242 weeks at the end of 2021, to be 13 by March 2024
    with app.app_context():
        september = db.session.scalars(sa.select(Reading).where(Reading.measure_id == measure_id)).one().id

    def suggested() -> ImpactStatus | None:
        with app.app_context():
            return db.session.get_one(Measure, measure_id).suggested_status

    data = {"period_end": ["30", "9", "2022"], "value": "400"}
    assert client.post(f"/readings/{september}/edit", data=data).status_code == 302
    assert suggested() is ImpactStatus.RED  # longer than at the baseline
    assert client.post(f"/readings/{september}/edit", data={**data, "value": "100"}).status_code == 302
    assert suggested() is ImpactStatus.GREEN  # ahead of the line from 242 to 13
    assert client.post(f"/readings/{september}/remove").status_code == 302
    with app.app_context():
        expected = analysis.suggest(db.session.get_one(Measure, measure_id))
    assert suggested() is expected is not ImpactStatus.GREEN


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _upload(client, content: bytes, name: str = "plan.csv"):
    data = {"file": (BytesIO(content), name)}
    return client.post("/plans/import", data=data, content_type="multipart/form-data")


def test_a_coordinator_imports_a_plan_and_its_next_update_from_the_plans_page(app, client, login):
    """Without the command line: the plans page offers the import, and the plan's page says what came in."""
    email = login(Role.COORDINATOR)
    empty = client.get("/plans").text
    assert "There are no plans yet." in empty and 'href="/plans/import"' in empty
    template = client.get("/plans/template.csv")
    assert template.mimetype == "text/csv" and template.text.startswith("\ufeffplan,plan_kind,local_area,")
    assert template.text.strip().split(",")[-4:] == ["latest_value", "latest_date", "latest_n", "latest_note"]

    delivery = (EXAMPLES / "warwickshire-delivery-2019.csv").read_bytes()
    done = _upload(client, delivery)
    assert done.status_code == 302
    page = client.get(done.location).text
    assert "Warwickshire SEND and Inclusion Delivery Plan 2019-20" in page
    assert "6 areas, 14 actions, 12 measures and 11 readings added; nothing changed." in page
    again = client.get(_upload(client, delivery, name="PLAN.CSV").location).text
    assert "Delivery Plan 2019-20: nothing added or changed." in again
    march = delivery.replace(b",54,31/12/2019,,December 2019", b",61,31/03/2020,,March 2020")
    update = client.get(_upload(client, march).location).text
    assert "1 reading added; nothing changed." in update
    measure_page = client.get(f"/measures/{_measure(app, 'Early years settings')}").text
    assert "Import readings are the plan's latest figures" in measure_page
    assert f"{email}: added reading for the period ending 31 March 2020" in measure_page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Plan.id))) == 1
        imported = db.session.scalars(sa.select(Reading).where(Reading.source == ReadingSource.IMPORT)).all()
        assert len(imported) == 12
        plan_parts = ("Plan", "Area", "IStatement", "Action", "Measure", "Milestone", "Reading")
        actors = sa.select(AuditEvent.actor).where(AuditEvent.entity_type.in_(plan_parts))
        assert set(db.session.scalars(actors)) == {email}


def test_a_plan_file_with_problems_lists_every_one_and_imports_nothing(app, client, login, plan_id):
    login(Role.COORDINATOR)
    with app.app_context():
        wait = db.session.scalar(sa.select(Measure).where(Measure.text.startswith("Longest wait")))
        before = (wait.target_value, len(wait.readings), db.session.scalar(sa.select(sa.func.count(Plan.id))))
    with open(EXAMPLES / "warwickshire-wsoa-2022.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    waits = [n for n, row in enumerate(rows) if row["measure_text"].startswith("Longest wait")]
    percent = next(n for n, row in enumerate(rows) if row["measure_unit"] == "percent")
    for row in rows:
        row.update(latest_value="", latest_date="")
    rows[waits[0]].update(target_value="20", latest_value="150")  # a figure with no date
    rows[percent].update(latest_value="101", latest_date="31/03/2023")
    file = StringIO()
    writer = csv.DictWriter(file, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    refused = _upload(client, file.getvalue().encode())
    assert refused.status_code == 400
    html = refused.text
    assert "<title>Error: Import a plan" in html
    assert "Nothing was imported: 2 problems to fix" in html and 'id="problems"' in html
    assert re.search(rf">{waits[0] + 2}</td>\s*<td[^>]*>latest_date</td>\s*<td[^>]*>is empty</td>", html)
    assert re.search(rf">{percent + 2}</td>\s*<td[^>]*>latest_value</td>\s*<td[^>]*>must be between 0", html)
    with app.app_context():
        wait = db.session.scalar(sa.select(Measure).where(Measure.text.startswith("Longest wait")))
        after = (wait.target_value, len(wait.readings), db.session.scalar(sa.select(sa.func.count(Plan.id))))
        assert after == before

    assert "Select the plan&#39;s file" in client.post("/plans/import", data={}).text
    wrong = _upload(client, b"%PDF-1.4", name="plan.pdf")
    assert wrong.status_code == 400 and "The file must be a CSV or an Excel .xlsx file" in wrong.text
    garbled = _upload(client, b"\xff\xfe\x00garbage", name="plan.xlsx")
    assert garbled.status_code == 400 and "is not an Excel workbook that can be opened" in garbled.text


def test_only_coordinators_import_plans(app, client, login, plan_id):
    login(Role.STAFF)
    assert 'href="/plans/import"' not in client.get("/plans").text
    assert client.get("/plans/import").status_code == 403
    assert _upload(client, b"plan\n").status_code == 403


def test_a_plan_downloaded_from_its_page_uploads_again_as_its_next_update(app, client, login, plan_id):
    login(Role.COORDINATOR)
    page = client.get(f"/plans/{plan_id}").text
    assert f'href="/plans/{plan_id}/plan.csv"' in page
    download = client.get(f"/plans/{plan_id}/plan.csv")
    assert download.mimetype == "text/csv" and download.data.startswith("\ufeffplan,plan_kind,".encode())
    assert f"plan-{plan_id}-" in download.headers["Content-Disposition"]
    assert "Longest wait for an autism diagnostic assessment" in download.text
    updated = download.data.replace(b"Helen Stephenson", b"Helen Stephenson-Smith")
    flash = client.get(_upload(client, updated).location).text
    assert "nothing added; 1 action changed." in flash  # 1.1.1 only: 1.1.2 has another lead
    with app.app_context():
        lead = db.session.scalar(sa.select(Action.lead).where(Action.reference == "1.1.1"))
        assert lead == "Helen Stephenson-Smith"
    login(Role.STAFF)
    assert client.get(f"/plans/{plan_id}/plan.csv").status_code == 200

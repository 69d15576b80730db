"""BRAG on a page and the quarterly progress report, with statuses and narratives as they stood."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import Action, ImpactStatus, Measure, Plan, Reading, ReadingSource, Role
from feedback.services.report import quarter_of
from tests.conftest import backdate, write_progress


@pytest.fixture
def plan_id(app, demo) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Plan.id))


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2023, 3, 31), (date(2023, 1, 1), date(2023, 3, 31))),
        (date(2022, 11, 5), (date(2022, 10, 1), date(2022, 12, 31))),
        (date(2024, 4, 1), (date(2024, 4, 1), date(2024, 6, 30))),
    ],
)
def test_quarters(day, quarter):
    assert quarter_of(day) == quarter


def test_brag_on_a_page_filters_by_area_and_lead(app, client, login, plan_id):
    login(Role.STAFF)
    with app.app_context():
        action = db.session.scalar(sa.select(Action).where(Action.lead != "").limit(1))
        lead, reference = action.lead, action.reference
        others = db.session.scalars(sa.select(Action.reference).where(Action.lead != lead)).all()
    everything = client.get(f"/plans/{plan_id}/brag").text
    assert "All areas" in everything and "Not computed" in everything
    page = client.get(f"/plans/{plan_id}/brag", query_string={"lead": lead}).text
    assert f">{reference} " in page
    assert not any(f">{other} " in page for other in others)
    assert "No actions match" in client.get(f"/plans/{plan_id}/brag?area=99").text


def test_the_report_shows_the_narrative_as_it_stood_at_its_date(app, client, login, plan_id):
    login(Role.COORDINATOR)
    action_id = db_action_id(app)

    def write(narrative: str, status: str) -> None:
        write_progress(client, action_id, narrative, status)

    write("Recruitment at 93% at the quarter's end.", "amber")
    # As if the plan was imported 30 days ago and that was written 10 days ago.
    backdate(app, "Action", action_id, "insert", datetime.now(UTC) - timedelta(days=30))
    backdate(app, "Action", action_id, "update", datetime.now(UTC) - timedelta(days=10))
    write("Written after the quarter closed.", "red")

    def report(days_ago: int) -> str:
        return client.get(f"/plans/{plan_id}/report?date={clock.today() - timedelta(days=days_ago)}").text

    assert "Written after the quarter closed." in report(0)
    five_days_ago = report(5)
    assert "Recruitment at 93% at the quarter&#39;s end." in five_days_ago
    assert "Written after the quarter closed." not in five_days_ago
    assert "Recruitment at 93%" not in report(20)  # before anyone wrote one
    assert "Recruitment at 93%" not in report(40)  # before the plan was imported: as it was imported


def test_the_report_stands_at_the_end_of_its_day_in_uk_time(app, client, login, plan_id):
    """Half past midnight on 1 July in the UK is still 30 June in UTC: a change made then is July's."""
    login(Role.COORDINATOR)
    action_id = db_action_id(app)
    write_progress(client, action_id, "Written just after midnight on 1 July.", "amber")
    backdate(app, "Action", action_id, "insert", datetime(2026, 6, 1, 9, tzinfo=UTC))
    backdate(app, "Action", action_id, "update", datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert "Written just after midnight" not in client.get(f"/plans/{plan_id}/report?date=2026-06-30").text
    assert "Written just after midnight" in client.get(f"/plans/{plan_id}/report?date=2026-07-01").text


def test_the_report_says_why_a_reported_status_differs_from_the_suggested_one_or_that_nobody_said(
    app, client, login, plan_id
):
    login(Role.STAFF)
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).order_by(Measure.id).limit(1))
        measure.reported_status, measure.suggested_status = ImpactStatus.RED, ImpactStatus.GREEN
        measure.reported_status_reason = ""
        db.session.commit()
        measure_id = measure.id
    suggested = "Suggested from the readings: Green: On trajectory."
    page = _text(client.get(f"/plans/{plan_id}/report"))
    assert f"{suggested} No reason was given for the difference." in page
    unexplained = page.count("No reason was given for the difference.")
    with app.app_context():
        db.session.get_one(Measure, measure_id).reported_status_reason = "The survey sample was too small."
        db.session.commit()
    page = _text(client.get(f"/plans/{plan_id}/report"))
    assert f"{suggested} The survey sample was too small." in page
    assert page.count("No reason was given for the difference.") == unexplained - 1


def test_text_that_looks_like_a_formula_stays_text_in_the_report_workbook(app, client, login, plan_id):
    """A narrative beginning with = would otherwise be written as a formula: one that Excel cannot read
    makes it offer to repair the workbook, and one it can would run when the board opens the report."""
    login(Role.COORDINATOR)
    narrative = '=HYPERLINK("http://example.org","93% recruited")'
    write_progress(client, db_action_id(app), narrative, "amber")
    with app.app_context():
        db.session.scalar(sa.select(Measure).order_by(Measure.id).limit(1)).text = "=1+1 families heard"
        db.session.commit()
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}/report.xlsx").data))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert "'" + narrative in texts and "'=1+1 families heard" in texts


def db_action_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Action.id).where(Action.reference == "1.1.1"))


def _text(response) -> str:
    return " ".join(response.text.split())


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        (["31", "2", "2024"], "Report date must be a real date, like 31 3 2026"),
        (["31", "3", ""], "Report date must be a real date, like 31 3 2026"),
        (["1", "9" * 20, "2024"], "Report date must be a real date, like 31 3 2026"),  # past C's int
        (["2024-03-31"], None),  # the form links use: not an error
        (["1", "1", "2099"], "Report date must be today or in the past"),
        (["31", "12", "1999"], "Report date must be in 2000 or later"),
    ],
)
def test_a_report_date_that_cannot_be_one_is_named_beside_its_boxes(client, login, plan_id, boxes, message):
    login(Role.STAFF)
    response = client.get(f"/plans/{plan_id}/report", query_string=[("date", box) for box in boxes])
    page = _text(response)
    if message is None:
        assert response.status_code == 200 and "Progress report at 31 March 2024" in page
        return
    assert response.status_code == 400
    assert page.count(message) == 2  # in the error summary and beside the boxes
    assert 'href="#date-day"' in page and 'id="date-day"' in page  # the summary's link reaches a box
    assert f"Progress report at {clock.today().day} " in page  # today's report below, as without a date
    assert f'value="{boxes[0]}"' in page  # what was typed stays in its box


def test_the_report_date_can_be_typed_in_boxes_or_picked_from_recent_quarter_ends(client, login, plan_id):
    login(Role.STAFF)
    today = clock.today()
    shown = _text(client.get(f"/plans/{plan_id}/report"))  # without a date: today's, in the boxes too
    assert f'id="date-day" name="date" type="text" value="{today:%d}"' in shown
    boxes = [("date", "30"), ("date", "9"), ("date", "2022")]
    page = _text(client.get(f"/plans/{plan_id}/report", query_string=boxes))
    assert "Progress report at 30 September 2022" in page
    assert "For the quarter from 1 Jul 2022 to 30 Sep 2022." in page  # not "Quarter 1 Jul ...": no quarter 1
    assert "report.xlsx?date=2022-09-30" in page
    last_quarter_end = quarter_of(clock.today())[0] - timedelta(days=1)
    year_before = quarter_of(last_quarter_end - timedelta(days=300))[1]
    for end in (last_quarter_end, year_before):
        assert f'report?date={end.isoformat()}">{end.day} {end:%B %Y}</a>' in page
    earlier = quarter_of(year_before)[0] - timedelta(days=1)
    assert f"report?date={earlier.isoformat()}" not in page  # four quarters back is enough


def test_the_report_exports_xlsx_and_refuses_a_date_in_the_future(app, client, login, plan_id):
    login(Role.STAFF)
    assert client.get(f"/plans/{plan_id}/report.xlsx?date=2999-01-01").status_code == 404
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/plans/{plan_id}/report.xlsx?date=2022-09-30").data)
    )
    assert workbook.sheetnames == ["Actions", "Measures", "Summary"]
    assert workbook["Actions"].max_row == 1 + 19 and workbook["Measures"].max_row == 1 + 51


def test_the_report_marks_what_changed_status_since_the_quarter_before(app, client, login, plan_id):
    """A board reads each quarter's report against the last one: a status that moved since says what it
    was then; what was added since has no "then"."""
    login(Role.COORDINATOR)
    previous = quarter_of(clock.today())[0] - timedelta(days=1)
    long_ago = datetime.combine(previous - timedelta(days=60), datetime.min.time(), tzinfo=UTC)
    action_id = db_action_id(app)  # imported Green
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.reported_status.is_not(None)).limit(1))
        measure_id, measure_was = measure.id, measure.reported_status
    for entity_type, entity_id in (("Action", action_id), ("Measure", measure_id)):
        backdate(app, entity_type, entity_id, "insert", long_ago)
        backdate(app, entity_type, entity_id, "update", long_ago)  # the analyser's suggestion too
    on_the_day = f"{previous.day} {previous:%B %Y}"
    page = _text(client.get(f"/plans/{plan_id}/report"))
    assert f"Since the end of the quarter before, {on_the_day}: no action or measure changed status" in page
    assert "Was " not in page

    write_progress(client, action_id, "Recruitment paused.", "amber")
    with app.app_context():  # added since the quarter before, so its change is not a move since then
        added = db.session.scalar(sa.select(Action.id).where(Action.reference == "1.1.2"))
    write_progress(client, added, "Started late.", "red")
    with app.app_context():
        moved = ImpactStatus.RED if measure_was is not ImpactStatus.RED else ImpactStatus.GREEN
        db.session.get_one(Measure, measure_id).reported_status = moved
        db.session.commit()
    page = _text(client.get(f"/plans/{plan_id}/report"))
    assert f"{on_the_day}: 1 action and 1 measure changed status, each marked below" in page
    assert f"Amber: Some concerns </strong> Was Green at {on_the_day}." in page
    assert f"Was {measure_was.value.capitalize()} at {on_the_day}." in page
    assert "18 actions and 50 measures were added" in page  # the rest of the demo's plan, loaded today
    # The report of the quarter before is as it was, and so is its own comparison.
    earlier = _text(client.get(f"/plans/{plan_id}/report?date={previous.isoformat()}"))
    assert "Green: On track" in earlier.split("1.1.1 ")[1][:400] and "Was " not in earlier

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}/report.xlsx").data))
    actions = list(workbook["Actions"].values)
    column = actions[0].index(f"Progress at {previous.day} {previous:%b %Y}")
    assert {row[1]: row[column] for row in actions[1:]}["1.1.1"] == "green"
    assert {row[column] for row in actions[1:]} == {"green", "added since"}


def test_a_narrative_written_before_the_quarter_says_so(app, client, login, plan_id):
    """Last quarter's words, unchanged, would otherwise read as this quarter's update."""
    login(Role.COORDINATOR)
    action_id = db_action_id(app)
    write_progress(client, action_id, "Recruitment at 93%.", "green")
    quarter_began = quarter_of(clock.today())[0]
    stale = "before this quarter: no update since."
    chased = "<li>Helen Stephenson: 1.1.1</li>"  # in the list of leads with no update this quarter
    page = _text(client.get(f"/plans/{plan_id}/report"))
    assert stale not in page and chased not in page  # written today
    # The demo's plan came with the other leads' updates, imported this quarter.
    listed = (
        'by lead:</p> <ul class="govuk-list govuk-list--bullet"> <li>Bie Grobet: 1.1.2</li>'
        "<li>Debbie Hibberd: 3.2.1</li><li>Michelle Cresswell: 1.2.2</li> </ul>"
    )
    assert listed in page  # in the order of their names
    assert "<li>Marie Rooney" not in page  # 1.2.3 and 4.1.1 updated; 4.2.1 not due yet
    assert "<li>Lisa Mowe" not in page and "<li>Jo Rolls:" not in page  # complete: 2.2.1, 5.1.1
    written = datetime.combine(quarter_began - timedelta(days=20), datetime.min.time(), tzinfo=UTC)
    backdate(app, "Action", action_id, "insert", written - timedelta(days=30))
    backdate(app, "Action", action_id, "update", written)
    page = _text(client.get(f"/plans/{plan_id}/report"))
    hint = f'<p class="govuk-body-s govuk-hint">Written on {written:%-d %B %Y}, {stale}'
    assert f"Recruitment at 93%.</p>{hint}" in page
    assert page.count(stale) == 1 and chased in page
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}/report.xlsx").data))
    actions = list(workbook["Actions"].values)
    column = actions[0].index("Narrative written")
    assert {row[1]: row[column] for row in actions[1:]}["1.1.1"] == datetime.combine(
        written.date(), datetime.min.time()
    )
    # Emptied this quarter, it is no update: the report says there is none.
    write_progress(client, action_id, "", "green")
    page = _text(client.get(f"/plans/{plan_id}/report"))
    assert stale not in page and "Recruitment at 93%" not in page


def test_a_measure_without_a_reading_this_quarter_says_so(app, client, login, plan_id):
    login(Role.STAFF)
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).order_by(Measure.id).limit(1))
        db.session.execute(sa.delete(Reading).where(Reading.measure_id == measure.id))
        db.session.commit()
        measure_id = measure.id
        cell = f'<td class="govuk-table__cell">{measure.action.reference}/{measure.reference} '

    page = _text(client.get(f"/plans/{plan_id}/report"))
    row = page[page.index(cell) :].split("</tr>")[0]
    assert "No reading this quarter" in row and "None" not in page
    with app.app_context():
        db.session.add(
            Reading(
                measure_id=measure_id, period_end=clock.today(), value=61, n=40, source=ReadingSource.MANUAL
            )
        )
        db.session.commit()
    page = _text(client.get(f"/plans/{plan_id}/report"))
    row = page[page.index(cell) :].split("</tr>")[0]
    evidence = f'<td class="govuk-table__cell">61 weeks ({clock.today():%b}, n=40)</td>'  # a wait, in weeks
    assert "No reading this quarter" not in row and evidence in row

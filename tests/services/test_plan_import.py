"""Plan import: all or nothing, every bad row named, the same file twice changes nothing."""

from __future__ import annotations

import csv
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import (
    Action,
    Area,
    AuditEvent,
    CaseKind,
    DataSource,
    ImpactStatus,
    IStatement,
    Measure,
    Milestone,
    Plan,
    ProgressStatus,
    Reading,
    ReadingSource,
    Unit,
)
from feedback.services import plan_import, plans
from feedback.services.plan_import import (
    COLUMNS,
    ImportFailed,
    RowError,
    import_plan,
    parse,
    read_table,
    template_rows,
)
from feedback.services.spreadsheet import csv_bytes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_CSV = EXAMPLES / "warwickshire-wsoa-2022.csv"
EXAMPLE_XLSX = EXAMPLES / "warwickshire-wsoa-2022.xlsx"


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Plan, Area, IStatement, Action, Measure, Milestone)
    }


def _rows(path: Path = EXAMPLE_CSV) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_warwickshire_example_imports_its_five_areas(app):
    with app.app_context():
        result = import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        assert counts() == {
            "Plan": 1,
            "Area": 5,
            "IStatement": 8,
            "Action": 19,
            "Measure": 51,
            "Milestone": 16,
        }
        assert result.created == {"areas": 5, "actions": 19, "measures": 51, "readings": 0}
        wait = db.session.scalar(sa.select(Measure).where(Measure.text.startswith("Longest wait")))
        assert (wait.baseline_value, wait.target_value, wait.unit.value, wait.direction.value) == (
            242,
            13,
            "weeks",
            "decrease",
        )
        assert [(m.due_date.isoformat(), m.value) for m in wait.milestones] == [
            ("2022-09-30", 177),
            ("2023-06-30", 125),
        ]
        assert wait.action.i_statement.text.startswith("I can access specialist support")


@pytest.mark.parametrize(
    ("name", "kind", "shape", "pink"),
    [
        ("worcestershire-app-2022.csv", "app", {"Area": 4, "Action": 38, "Measure": 25}, 0),
        ("leicestershire-wsoa-2020.csv", "wsoa", {"Area": 2, "Action": 33, "Measure": 12}, 7),
        ("warwickshire-delivery-2019.csv", "delivery", {"Area": 6, "Action": 14, "Measure": 12}, 0),
    ],
)
def test_the_other_areas_plans_import_as_they_are_written(app, name, kind, shape, pink):
    """An Accelerated Progress Plan with no figures, a draft WSOA rated with Pink, and a delivery plan of
    key measures: the template holds each as its area wrote it."""
    with app.app_context():
        result = import_plan(db.session, EXAMPLES / name)
        db.session.commit()
        found = counts()
        assert {model: found[model] for model in shape} == shape
        assert result.plan.kind.value == kind
        assert found["Plan"] == 1
        statuses = db.session.scalars(sa.select(Action.progress_status)).all()
        assert statuses.count(ProgressStatus.PINK) == pink


def test_importing_the_same_file_twice_changes_nothing_and_counts_nothing(app):
    with app.app_context():
        import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        first = counts()
        result = import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        assert counts() == first
        assert result.created == result.changed == {"areas": 0, "actions": 0, "measures": 0, "readings": 0}


def test_an_update_counts_what_it_changed_and_nothing_else(app, tmp_path):
    """A coordinator reads the counts to check the file did what they meant: a lead renamed, milestones
    dropped, moved or added and an I statement added are what changed, not the whole plan."""
    rows = _rows()
    rows[0]["action_lead"] += " (acting)"  # action 1.1.1, on its one row
    rows[0]["milestones"] = "2022-09-30=177"  # one of two dropped
    rows[6]["milestones"] = "2022-12-31=72"  # one moved
    rows[9]["milestones"] += "; 2023-12-31=90"  # one added
    for row in rows:
        if row["action_ref"] == "2.1.1":  # a new I statement in area 2
            row["i_statement"] = "I know who to ask about my child's plan."
    with app.app_context():
        import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        result = import_plan(db.session, _write(tmp_path / "update.csv", rows))
        db.session.commit()
        # Action 2.1.1 now names the new I statement: it changed too.
        assert result.changed == {"areas": 1, "actions": 2, "measures": 3, "readings": 0}
        assert result.created == {"areas": 0, "actions": 0, "measures": 0, "readings": 0}


def test_areas_actions_and_measures_are_in_the_order_the_file_gives_them(app, tmp_path):
    """A plan's pages and its board report list them as the file does; an update that moves a row
    moves it there too."""

    def order(plan: Plan) -> list:
        return [
            (area.reference, [(a.reference, [m.reference for m in a.measures]) for a in area.actions])
            for area in plan.areas
        ]

    rows = _plan_of(2, 2, 2)
    with app.app_context():
        plan = import_plan(db.session, _write(tmp_path / "plan.csv", rows)).plan
        db.session.commit()
        plan_id = plan.id
        db.session.expire_all()
        in_order = order(db.session.get(Plan, plan_id))
        assert in_order[1] == ("2", [("2.1", ["2.1.1", "2.1.2"]), ("2.2", ["2.2.1", "2.2.2"])])
        import_plan(db.session, _write(tmp_path / "moved.csv", rows[::-1]))
        db.session.commit()
        db.session.expire_all()
        assert order(db.session.get(Plan, plan_id)) == [
            (area, [(action, measures[::-1]) for action, measures in actions[::-1]])
            for area, actions in in_order[::-1]
        ]


def _plan_of(areas: int, actions: int, measures: int) -> list[dict]:
    """A plan of ``areas`` x ``actions`` x ``measures``, each measure with a milestone and a latest figure."""
    return [
        {
            **dict.fromkeys(COLUMNS, ""),
            **{"plan": "Sized plan", "plan_kind": "wsoa", "area_ref": str(a), "area_title": f"Area {a}"},
            **{"i_statement": f"I statement {a}", "action_ref": f"{a}.{c}", "action_description": "Do it"},
            **{
                "measure_ref": f"{a}.{c}.{m}",
                "measure_text": "Agree",
                "measure_unit": "percent",
                "measure_direction": "increase",
            },
            **{"baseline_value": "40", "baseline_date": "2024-04-01", "target_value": "80"},
            **{"target_date": "2026-03-31", "milestones": "2025-03-31=60", "latest_value": "55"},
            **{"latest_date": "2025-01-31", "measure_data_source": "survey"},
        }
        for a in range(1, areas + 1)
        for c in range(1, actions + 1)
        for m in range(1, measures + 1)
    ]


def test_re_importing_or_downloading_a_plan_takes_as_many_queries_however_big_it_is(app, tmp_path):
    """Read a measure at a time, with a flush before each read, re-importing a plan of 5,000 measures took
    10 seconds and its download 5,000 queries."""
    statements: list[str] = []

    def queries(plan_rows: list[dict]) -> tuple[int, int]:
        path = _write(tmp_path / "plan.csv", plan_rows)
        import_plan(db.session, path)
        db.session.commit()
        db.session.expunge_all()  # read from the database, as the next request would
        statements.clear()
        plan_id = import_plan(db.session, path).plan.id
        db.session.commit()
        importing = len(statements)
        db.session.expunge_all()
        statements.clear()
        plan = plans.load_plan(db.session, plan_id)
        template_rows(plan)
        downloading = len(statements)
        db.session.delete(plan)
        db.session.commit()
        return importing, downloading

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        small = queries(_plan_of(1, 1, 1))
        big = queries(_plan_of(3, 4, 5))
    assert big == small


def test_xlsx_and_csv_give_the_same_plan(app):
    with app.app_context():
        import_plan(db.session, EXAMPLE_XLSX)
        db.session.commit()
        from_xlsx = counts()
        measures = {
            (m.action.reference, m.reference): (m.baseline_value, m.baseline_date, m.target_date)
            for m in db.session.scalars(sa.select(Measure))
        }
        narratives = dict(db.session.execute(sa.select(Action.reference, Action.progress_narrative)).all())
        import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        assert counts() == from_xlsx
        assert measures == {
            (m.action.reference, m.reference): (m.baseline_value, m.baseline_date, m.target_date)
            for m in db.session.scalars(sa.select(Measure))
        }
        assert (
            dict(db.session.execute(sa.select(Action.reference, Action.progress_narrative)).all())
            == narratives
        )
        assert narratives["1.2.3"].startswith("The September milestone has been missed.")


def test_a_changed_file_updates_in_place_and_is_audited(app, tmp_path):
    rows = _rows()
    with app.app_context():
        import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        ids = {m.id for m in db.session.scalars(sa.select(Measure))}
        rows[0]["target_value"] = "20"
        rows[0]["milestones"] = "2022-09-30=170"
        rows[0]["action_progress_status"] = "pink"
        import_plan(db.session, _write(tmp_path / "changed.csv", rows))
        db.session.commit()
        assert {m.id for m in db.session.scalars(sa.select(Measure))} == ids
        wait = db.session.scalar(sa.select(Measure).where(Measure.text.startswith("Longest wait")))
        assert wait.target_value == 20
        assert [(m.due_date.isoformat(), m.value) for m in wait.milestones] == [("2022-09-30", 170)]
        assert wait.action.progress_status is ProgressStatus.PINK
        assert wait.action.progress_status.colour == "grey"
        change = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "Measure",
                AuditEvent.entity_id == wait.id,
                AuditEvent.operation == "update",
            )
        )
        assert change.before == {"target_value": 13.0} and change.after == {"target_value": 20.0}
        dropped = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "Milestone", AuditEvent.operation == "delete"
            )
        ).all()
        assert [(e.before["measure_id"], e.before["due_date"]) for e in dropped] == [(wait.id, "2023-06-30")]


def test_a_measure_counting_cases_names_their_kind_as_the_measures_page_does(app, tmp_path):
    rows = _rows()
    tribunals = next(n for n, row in enumerate(rows) if row["measure_data_source"] == "cases:tribunal")
    with app.app_context():
        import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        counted = {
            m.text: m.case_kind
            for m in db.session.scalars(sa.select(Measure).where(Measure.data_source == DataSource.CASES))
        }
        assert sorted(kind.value for kind in counted.values()) == ["complaint", "mediation", "tribunal"]
        text = rows[tribunals]["measure_text"]
        rows[tribunals]["measure_data_source"] = "Cases"  # the kind is left as it was chosen
        import_plan(db.session, _write(tmp_path / "plain.csv", rows))
        assert _measure(text).case_kind is CaseKind.TRIBUNAL
        rows[tribunals]["measure_data_source"] = "manual"  # staff enter the readings from now on
        import_plan(db.session, _write(tmp_path / "manual.csv", rows))
        assert (_measure(text).data_source, _measure(text).case_kind) == (DataSource.MANUAL, None)


def test_readings_counted_for_a_measure_must_be_of_a_kind_there_is_and_in_its_unit(app, tmp_path):
    rows = _rows()
    rows[0]["measure_data_source"] = "cases:parking"  # row 2
    rows[1]["measure_data_source"] = "survey:tribunal"  # row 3
    rows[2]["measure_data_source"] = "cases:complaint"  # row 4, whose unit is percent
    rows[2]["measure_unit"] = "percent"
    rows[3]["measure_data_source"] = "cases:complaint"  # row 5: a count of cases is not in weeks either
    rows[3]["measure_unit"] = "weeks"
    rows[4]["measure_data_source"] = "survey"  # row 6: the analyser writes a percentage agreeing
    rows[4]["measure_unit"] = "count"
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_plan(db.session, _write(tmp_path / "bad.csv", rows))
    assert [(e.row, e.column) for e in failure.value.errors] == [
        (2, "measure_data_source"),
        (3, "measure_data_source"),
        (4, "measure_unit"),
        (5, "measure_unit"),
        (6, "measure_unit"),
    ]
    assert "as in cases:tribunal" in failure.value.errors[0].reason
    assert failure.value.errors[2].reason == "must be count for a count of cases"
    assert failure.value.errors[4].reason == "must be percent for readings from survey questions"


def test_a_measure_whose_readings_are_not_percentages_cannot_become_one(app, tmp_path):
    """The unit says what every reading means: re-importing a measure as a percentage while it holds a
    reading of 250 would show 250% on the board report. Its row is named, and nothing changes."""
    rows = _rows()
    row = next(n for n, r in enumerate(rows) if r["measure_unit"] == "weeks")
    with app.app_context():
        import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        measure = _measure(rows[row]["measure_text"])
        for day, value in ((date(2023, 3, 31), 250), (date(2023, 6, 30), 60), (date(2023, 9, 30), 300)):
            measure.readings.append(Reading(period_end=day, value=value, source=ReadingSource.MANUAL))
        db.session.commit()
        rows[row].update(measure_unit="percent", baseline_value="", target_value="", milestones="")
        rows[row]["measure_text"] = "Renamed in the same file"
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, _write(tmp_path / "percent.csv", rows))
        db.session.rollback()
        assert [(e.row, e.column) for e in failure.value.errors] == [(row + 2, "measure_unit")]
        assert failure.value.errors[0].reason == (
            "cannot be percent: 2 readings of this measure (the first: 250 for the period ending 31 March"
            " 2023) are outside 0 to 100"
        )
        unchanged = db.session.get_one(Measure, measure.id)
        assert (unchanged.unit, unchanged.text) == (Unit.WEEKS, _rows()[row]["measure_text"])


def test_a_percentage_s_milestones_are_0_to_100(app, tmp_path):
    rows = _rows()
    row = next(n for n, r in enumerate(rows) if r["measure_unit"] == "percent" and r["milestones"])
    rows[row]["milestones"] = "2022-09-30=40; 2023-06-30=140"
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_plan(db.session, _write(tmp_path / "milestones.csv", rows))
    assert [(e.row, e.column, e.reason) for e in failure.value.errors] == [
        (row + 2, "milestones", "each must be between 0 and 100 for a percentage")
    ]


def _measure(text: str) -> Measure:
    return db.session.scalar(sa.select(Measure).where(Measure.text == text))


DELIVERY_2019 = EXAMPLES / "warwickshire-delivery-2019.csv"


def _imported_readings() -> list[tuple[str, date, float, int | None]]:
    query = sa.select(Reading).where(Reading.source == ReadingSource.IMPORT).order_by(Reading.id)
    return [(r.measure.text, r.period_end, r.value, r.n) for r in db.session.scalars(query)]


def test_the_latest_figure_a_plan_gives_is_kept_as_an_imported_reading(app):
    """Warwickshire's 2019-20 plan gives each key measure's December 2019 figure beside its baseline: the
    measure's page, its chart and its suggested status start from them, not from nothing."""
    with app.app_context():
        result = import_plan(db.session, DELIVERY_2019)
        db.session.commit()
        assert result.created["readings"] == 11
        readings = _imported_readings()
        assert len(readings) == 11 and db.session.scalar(sa.select(sa.func.count(Reading.id))) == 11
        assert ("% of resourced provision places used", date(2019, 12, 31), 71.4, 98) in readings
        used = _measure("% of resourced provision places used")
        # 52% in January 2019 to 80% by August 2020: 71.4% in December is ahead of the trajectory.
        assert used.suggested_status is ImpactStatus.GREEN
        assert "70 of the 98 places" in used.readings[0].note

        again = import_plan(db.session, DELIVERY_2019)
        db.session.commit()
        assert (again.created["readings"], again.changed["readings"]) == (0, 0)
        assert _imported_readings() == readings


def test_each_update_of_a_plan_adds_its_latest_figure_and_corrects_one_of_the_same_date(app, tmp_path):
    rows = _rows(DELIVERY_2019)
    kitemark = next(row for row in rows if row["measure_text"].startswith("Early years settings"))
    with app.app_context():
        import_plan(db.session, DELIVERY_2019)
        db.session.commit()
        kitemark.update(latest_value="61", latest_date="31/03/2020", latest_note="March 2020")
        result = import_plan(db.session, _write(tmp_path / "march.csv", rows))
        db.session.commit()
        assert (result.created["readings"], result.changed["readings"]) == (1, 0)
        kitemark["latest_value"] = "63"  # the March figure, corrected
        result = import_plan(db.session, _write(tmp_path / "march-corrected.csv", rows))
        db.session.commit()
        assert (result.created["readings"], result.changed["readings"]) == (0, 1)
        measure = _measure(kitemark["measure_text"])
        assert [(r.period_end, r.value, r.source) for r in measure.readings] == [
            (date(2019, 12, 31), 54, ReadingSource.IMPORT),
            (date(2020, 3, 31), 63, ReadingSource.IMPORT),
        ]
        audited = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "Reading", AuditEvent.operation == "update")
        ).all()
        assert [event.after for event in audited if event.after.get("value") is not None] == [{"value": 63.0}]
        history = [line.text for line in plans.measure_history(db.session, measure)]
        assert history[:2] == [  # as a correction typed on the measure's page shows there
            "reading for the period ending 31 March 2020: changed value from “61” to “63”",
            "added reading for the period ending 31 March 2020",
        ]


def test_a_latest_figure_needs_its_date_fits_its_unit_and_belongs_to_a_measure(app, tmp_path):
    rows = _rows(DELIVERY_2019)
    rows[0]["latest_date"] = ""  # row 2: a value with no date
    rows[3]["latest_value"] = "101"  # row 5: a percentage over 100
    rows[4]["latest_n"] = "about 90"  # row 6
    rows[5]["latest_n"] = "-3"  # row 7
    rows[1]["latest_value"] = "12"  # row 3: an action with no measure
    rows[1]["latest_date"] = "31/12/2019"
    rows[7]["latest_note"] = "December 2019"  # row 9: a note alone, on an action with no measure
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, _write(tmp_path / "bad-latest.csv", rows))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Reading.id))) == 0
    reasons = {(error.row, error.column): error.reason for error in failure.value.errors}
    assert reasons == {
        (2, "latest_date"): "is empty",
        (3, "measure_ref"): "is empty",
        (3, "measure_text"): "is empty",
        (3, "measure_direction"): "is empty",
        (5, "latest_value"): "must be between 0 and 100 for a percentage",
        (6, "latest_n"): "must be a whole number, like 86",
        (7, "latest_n"): "must be a whole number from 0 to 2,147,483,647, like 86",
        (9, "measure_ref"): "is empty",
        (9, "measure_text"): "is empty",
        (9, "measure_direction"): "is empty",
        (9, "latest_value"): "is empty",
        (9, "latest_date"): "is empty",
    }


@pytest.mark.parametrize(
    "name",
    [
        "warwickshire-wsoa-2022.csv",
        "worcestershire-app-2022.csv",
        "leicestershire-wsoa-2020.csv",
        "warwickshire-delivery-2019.csv",
    ],
)
def test_a_plan_downloaded_in_the_template_says_what_its_file_said_and_imports_again_unchanged(
    app, tmp_path, name
):
    """What a coordinator downloads to write the next update in: the same plan, row for row, as the file
    it was imported from, and importing it as it is changes nothing at all."""
    with app.app_context():
        plan = import_plan(db.session, EXAMPLES / name).plan
        db.session.commit()
        exported = tmp_path / "exported.csv"
        exported.write_bytes(csv_bytes(template_rows(plan), COLUMNS))  # as the plan's page gives it
        assert parse(read_table(exported)) == parse(read_table(EXAMPLES / name))
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        result = import_plan(db.session, exported)
        db.session.commit()
        assert sum(result.created.values()) == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def test_words_a_spreadsheet_would_run_as_a_formula_are_downloaded_inert_and_imported_as_written(
    app, tmp_path
):
    with app.app_context():
        plan = import_plan(db.session, DELIVERY_2019).plan
        action = plan.areas[0].actions[0]
        formula = '=HYPERLINK("http://example.com", "Click")'
        action.description = formula
        action.lead = "-IDS 0-5 team"
        db.session.commit()
        downloaded = tmp_path / "again.csv"
        downloaded.write_bytes(csv_bytes(template_rows(plan), COLUMNS))  # as the plan's page gives it
        rows = _rows(downloaded)
        assert rows[0]["action_description"] == "'" + formula
        assert rows[0]["action_lead"] == "'-IDS 0-5 team"
        assert rows[0]["baseline_value"] == "40" and rows[3]["latest_value"] == "71.4"
        import_plan(db.session, downloaded)
        db.session.commit()
        assert (action.description, action.lead) == (
            '=HYPERLINK("http://example.com", "Click")',
            "-IDS 0-5 team",
        )


def _with_narratives(rows: list[dict], **by_row: str) -> list[dict]:
    """``rows`` with the narrative column, empty but where ``by_row`` ("r1": ...) gives one."""
    return [
        {**row, "action_progress_narrative": by_row.get(f"r{index}", "")} for index, row in enumerate(rows)
    ]


def _narrative(reference: str) -> str:
    return db.session.scalar(sa.select(Action.progress_narrative).where(Action.reference == reference))


@pytest.mark.parametrize("on", ["r1", "r2"])
def test_a_lead_s_update_in_the_file_becomes_the_narrative_and_an_empty_cell_keeps_one(app, tmp_path, on):
    """Rows 3 and 4 are action 1.1.2's two measures: its update may be on either, the other left empty (a
    merged cell keeps the first). An older file without the column, or an empty cell, must not wipe what
    leads typed on the action's page."""
    update = "Pilot started in July.\nEvaluation due in December."
    rows = _with_narratives(_rows(), **{on: update})
    with app.app_context():
        import_plan(db.session, _write(tmp_path / "update.csv", rows))
        db.session.commit()
        assert _narrative("1.1.2") == update and _narrative("1.1.1") == ""
        action_id = db.session.scalar(sa.select(Action.id).where(Action.reference == "1.1.2"))
        imported = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "Action", AuditEvent.entity_id == action_id)
        )
        assert imported.after["progress_narrative"] == update  # the trail the report dates updates by
        db.session.get(Action, action_id).progress_narrative = "Typed on the action's page."
        db.session.commit()

        import_plan(db.session, EXAMPLE_CSV)  # no narrative column
        import_plan(db.session, _write(tmp_path / "empty.csv", _with_narratives(_rows())))
        db.session.commit()
        assert _narrative("1.1.2") == "Typed on the action's page."


@pytest.mark.parametrize(
    ("narratives", "expected"),
    [
        ({"r1": "Pilot started.", "r2": "Pilot stopped."}, "differs from an earlier row for action 1.1.2"),
        ({"r1": "x" * 20_001}, "must be 20,000 characters or fewer"),
    ],
)
def test_a_narrative_that_differs_between_an_action_s_rows_or_is_too_long_is_refused(
    app, tmp_path, narratives, expected
):
    rows = _with_narratives(_rows(), **narratives)
    with app.app_context(), pytest.raises(ImportFailed) as failed:
        import_plan(db.session, _write(tmp_path / "bad.csv", rows))
    row = 4 if "r2" in narratives else 3
    assert [str(error) for error in failed.value.errors] == [
        f"row {row}, column action_progress_narrative: {expected}"
    ]


@pytest.mark.parametrize("column", ["area_ref", "action_ref", "measure_ref"])
def test_a_reference_longer_than_its_column_is_refused(app, tmp_path, column):
    """A reference is at most 20 characters: PostgreSQL failed the import of a longer one with a 500,
    where SQLite would have kept it."""
    rows = _rows()
    long_area = "1" * 21
    for row in rows:
        if column == "area_ref" and row["area_ref"] == "1":
            row["area_ref"], row["action_ref"] = long_area, long_area + row["action_ref"][1:]
    if column == "action_ref":
        rows[0]["action_ref"] = "1.1." + "1" * 17
    if column == "measure_ref":
        rows[0]["measure_ref"] = "1" * 21
    with app.app_context(), pytest.raises(ImportFailed) as failed:
        import_plan(db.session, _write(tmp_path / "long.csv", rows))
    assert f"row 2, column {column}: must be 20 characters or fewer" in map(str, failed.value.errors)


def test_a_downloaded_plan_carries_its_narratives_and_imports_again_unchanged(app, tmp_path):
    with app.app_context():
        plan = import_plan(db.session, EXAMPLE_CSV).plan
        action = plan.areas[0].actions[1]
        action.progress_narrative = "Pilot started in July.\nEvaluation due in December."
        db.session.commit()
        downloaded = tmp_path / "next-update.csv"
        downloaded.write_bytes(csv_bytes(template_rows(plan), COLUMNS))  # as the plan's page gives it
        assert [row["action_progress_narrative"] for row in _rows(downloaded)[1:3]] == [
            action.progress_narrative
        ] * 2
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        import_plan(db.session, downloaded)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def _refused_entirely(app, path: Path) -> list[RowError]:
    """The errors an import of ``path`` into an empty database failed with, having imported nothing."""
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, path)
        db.session.rollback()
        assert counts() == {"Plan": 0, "Area": 0, "IStatement": 0, "Action": 0, "Measure": 0, "Milestone": 0}
    return failure.value.errors


def test_a_malformed_file_names_every_bad_row_and_imports_nothing(app, tmp_path):
    rows = _rows()
    rows[0]["baseline_value"] = "about forty"  # row 2
    rows[1]["action_ref"] = "9.9.9"  # row 3: not in its area
    rows[2]["target_date"] = "31st of never"  # row 4
    rows[3]["measure_direction"] = "sideways"  # row 5
    rows[4]["plan_kind"] = ""  # row 6
    rows[5]["target_value"] = "140"  # row 7: a percentage over 100
    rows[6]["milestones"] = "2022-13-01=4"  # row 8
    rows[8]["measure_ref"] = rows[7]["measure_ref"]  # row 10 repeats row 9's measure
    rows[8]["action_ref"] = rows[7]["action_ref"]
    rows[8]["action_description"] = rows[7]["action_description"]
    errors = _refused_entirely(app, _write(tmp_path / "bad.csv", rows))
    found = {(error.row, error.column) for error in errors}
    assert found == {
        (2, "baseline_value"),
        (3, "action_ref"),
        (4, "target_date"),
        (5, "measure_direction"),
        (6, "plan_kind"),
        (7, "target_value"),
        (8, "milestones"),
        (10, "measure_ref"),
    }
    reasons = {error.row: error.reason for error in errors}
    assert reasons[2] == "must be a number, like 35 or 12.5"
    assert reasons[3] == "must start with its area's reference 1."
    assert "increase, decrease" in reasons[5]
    assert "already on row 9" in reasons[10]


def test_rows_that_disagree_with_each_other_or_break_a_limit_are_named_and_nothing_is_imported(app, tmp_path):
    """The refusals a file typed by hand meets: each row named with its column and what is wrong."""
    rows = _rows()
    rows[1]["area_title"] = "Waiting times"  # row 3: area 1 was named otherwise on row 2
    rows[2]["plan"] = "Another plan"  # row 4
    rows[4]["action_description"] = "Something else"  # row 6: action 1.2.1 was described on row 5
    rows[5]["area_ref"], rows[5]["action_ref"] = "1 a", "1.2 2"  # row 7
    rows[6]["measure_ref"] = "1 (a)"  # row 8
    rows[7]["baseline_date"], rows[7]["target_date"] = "2023-03-31", "2022-03-31"  # row 9
    rows[8]["measure_text"] = "x" * 2001  # row 10
    rows[9]["milestones"] = "2022-12-31 70"  # row 11
    rows[10]["milestones"] = "2022-12-31=70; 2022-12-31=72"  # row 12
    rows[11]["baseline_value"] = "nan"  # row 13
    for row in rows:
        row.update(latest_value="", latest_date="", latest_note="")
    rows[12].update(latest_value="40", latest_date="2022-09-30", latest_note="y" * 2001)  # row 14
    errors = _refused_entirely(app, _write(tmp_path / "typed.csv", rows))
    assert {(error.row, error.column): error.reason for error in errors} == {
        (3, "area_title"): "differs from an earlier row for area 1",
        (4, "plan"): f"differs from row 2 ({rows[0]['plan']}); one plan per file",
        (6, "action_description"): "differs from an earlier row for action 1.2.1",
        (7, "area_ref"): "must be a reference like 2 or 2.1.1",
        (7, "action_ref"): "must be a reference like 2 or 2.1.1",
        (8, "measure_ref"): "must be a reference like 1 or 1a",
        (9, "target_date"): "must not be before baseline_date",
        (10, "measure_text"): "must be 2,000 characters or fewer",
        (11, "milestones"): "must be like 2022-09-30=177; 2023-06-30=125",
        (12, "milestones"): "has two milestones on the same date",
        (13, "baseline_value"): "must be a number, like 35 or 12.5",
        (14, "latest_note"): "must be 2,000 characters or fewer",
    }


def test_a_file_with_only_its_header_or_not_there_at_all_is_refused(app, tmp_path):
    header_only = tmp_path / "empty.csv"
    header_only.write_text(",".join(_rows()[0]) + "\n")
    with app.app_context():
        for path, reason in (
            (header_only, "has no rows under the header"),
            (tmp_path / "gone.csv", "does not exist"),
        ):
            with pytest.raises(ImportFailed) as failure:
                import_plan(db.session, path)
            assert reason in str(failure.value.errors[0])
        assert counts()["Plan"] == 0


def test_an_existing_plan_is_untouched_by_a_failed_import(app, tmp_path):
    rows = _rows()
    with app.app_context():
        import_plan(db.session, EXAMPLE_CSV)
        db.session.commit()
        before = counts()
        rows[0]["target_value"] = "20"
        rows[-1]["baseline_date"] = "yesterday"
        with pytest.raises(ImportFailed):
            import_plan(db.session, _write(tmp_path / "half.csv", rows))
        db.session.rollback()
        assert counts() == before
        wait = db.session.scalar(sa.select(Measure).where(Measure.text.startswith("Longest wait")))
        assert wait.target_value == 13


@pytest.mark.parametrize(
    "content, expected",
    [
        ("", "could not be read"),
        ("plan,plan_kind\n", "this column is missing"),
        ("\x00\x01binary", "this column is missing"),
    ],
)
def test_files_that_are_not_the_template_are_refused_clearly(app, tmp_path, content, expected):
    path = tmp_path / "odd.csv"
    path.write_text(content)
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, path)
    assert expected in str(failure.value.errors[0])


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe not a workbook", EXAMPLE_XLSX.read_bytes()[:3000], "a zip of something else"],
    ids=["empty", "bytes", "cut short", "another zip"],
)
def test_a_file_named_xlsx_that_is_no_workbook_is_refused_clearly(app, tmp_path, content):
    path = tmp_path / "plan.xlsx"
    if isinstance(content, str):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", content)
    else:
        path.write_bytes(content)
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, path)
    assert str(failure.value.errors[0]) == (
        "file: is not an Excel workbook that can be opened: save it from Excel again as .xlsx, or as CSV"
    )


def test_a_file_of_more_rows_than_a_plan_has_is_refused_whether_csv_or_xlsx(app, tmp_path, monkeypatch):
    rows = _rows()
    csv_path = _write(tmp_path / "plan.csv", rows)
    xlsx_path = tmp_path / "plan.xlsx"
    pd.DataFrame(rows).to_excel(xlsx_path, index=False)
    with app.app_context():
        monkeypatch.setattr(plan_import, "MAX_ROWS", len(rows) - 1)
        for path in (csv_path, xlsx_path):
            with pytest.raises(ImportFailed) as failure:
                import_plan(db.session, path)
            assert [str(error) for error in failure.value.errors] == [
                f"file: has more than {len(rows) - 1} rows: split it into files of {len(rows) - 1} or fewer"
            ]
            assert set(counts().values()) == {0}
        monkeypatch.setattr(plan_import, "MAX_ROWS", len(rows))  # exactly as many: imported
        for path in (csv_path, xlsx_path):
            import_plan(db.session, path)
            assert counts()["Area"] == 5


def test_a_workbook_that_unpacks_to_more_than_it_may_is_refused_before_it_is_read(app, tmp_path, monkeypatch):
    """An .xlsx is a zip: 10 MB uploaded could unpack to gigabytes, all of it read into memory."""
    monkeypatch.setattr(plan_import, "MAX_UNPACKED_BYTES", 2**20)
    path = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE_XLSX, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr("xl/media/padding.bin", b"\0" * 2 * 2**20)  # 2 MB of nothing: a few KB zipped
    assert path.stat().st_size < EXAMPLE_XLSX.stat().st_size + 10_000
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, path)
        assert set(counts().values()) == {0}
    assert str(failure.value.errors[0]) == (
        "file: unpacks to 2 MB, more than the 1 MB a workbook may: save only the sheet to import, or save it "
        "as CSV"
    )


def test_unknown_columns_and_wrong_extensions_are_refused(app, tmp_path):
    rows = _rows()
    for row in rows:
        row["colour"] = "blue"
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, _write(tmp_path / "extra.csv", rows))
        assert str(failure.value.errors[0]) == "row 1, column colour: is not a column of the template"
        shutil.copy(EXAMPLE_CSV, tmp_path / "plan.txt")
        with pytest.raises(ImportFailed) as failure:
            import_plan(db.session, tmp_path / "plan.txt")
        assert "must be a .csv or .xlsx file" in str(failure.value.errors[0])


def test_the_command_reports_counts_and_every_bad_row(app, runner, tmp_path):
    result = runner.invoke(args=["plans", "import", str(EXAMPLE_CSV)])
    assert result.exit_code == 0, result.output
    assert "measures: 51 new, 0 changed" in result.output
    rows = _rows()
    rows[3]["target_value"] = "60"
    result = runner.invoke(args=["plans", "import", str(_write(tmp_path / "target.csv", rows))])
    assert "measures: 0 new, 1 changed" in result.output
    result = runner.invoke(args=["plans", "import", str(EXAMPLES / "warwickshire-delivery-2019.csv")])
    assert "readings: 11 new, 0 changed" in result.output

    rows = _rows()
    rows[3]["baseline_date"] = "2022-02-30"
    rows[20]["action_progress_status"] = "purple"
    result = runner.invoke(args=["plans", "import", str(_write(tmp_path / "bad.csv", rows))])
    assert result.exit_code == 1
    assert "row 5, column baseline_date: must be a date like 2024-03-31 or 31/03/2024" in result.output
    assert (
        "row 22, column action_progress_status: must be one of: blue, green, amber, red, grey, pink"
        in result.output
    )
    assert "2 problem(s) found" in result.output and "nothing was imported" in result.output


def test_the_template_has_the_documented_columns():
    from feedback.services.plan_import import COLUMNS

    with open(EXAMPLES / "plan-template.csv", newline="") as handle:
        assert next(csv.reader(handle)) == COLUMNS


def test_control_characters_in_a_file_are_dropped_not_stored(app, tmp_path):
    rows = _rows()
    rows[0]["action_lead"] = "Helen\x00 Stephenson\x1b"
    with app.app_context():
        import_plan(db.session, _write(tmp_path / "nul.csv", rows))
        db.session.commit()
        assert (
            db.session.scalar(sa.select(Action.lead).where(Action.reference == "1.1.1")) == "Helen Stephenson"
        )

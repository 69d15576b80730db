"""Staff pages for the plan: areas, actions, measures, readings and their history."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..extensions import db
from ..forms.plans import ActionForm, AreaForm, MeasureForm, PlanImportForm, ReadingForm, ReportDateForm
from ..models import Action, Area, Measure, Reading, ReadingSource, Role
from ..services import analysis, plan_import, plans
from ..services.charts import interval, measure_chart_svg
from ..services.report import end_of_quarter_before, progress_report, report_workbook
from . import once
from .access import require_role
from .download import csv_file
from .editing import unchanged_since_shown
from .uploads import saved_upload

bp = Blueprint("plans", __name__)


@bp.get("/plans")
@require_role(Role.STAFF)
def index():
    return render_template("plans/index.html", plans=plans.list_plans(db.session))


@bp.route("/plans/import", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def import_plan():
    """Upload a plan, or its next update, in the template's columns: every bad row is listed and nothing
    is imported, as with ``flask plans import``."""
    form = PlanImportForm()
    problems: list[plan_import.RowError] = []
    if form.validate_on_submit():
        with saved_upload(form.file.data) as path:
            try:
                result = plan_import.import_plan(db.session, path)
            except plan_import.ImportFailed as failure:
                problems = failure.errors  # the request rolls back what the import had changed
            else:
                added, changed = _in_words(result.created), _in_words(result.changed)
                if added == changed == "nothing":
                    flash(f"Imported {result.plan.title}: nothing added or changed.", "success")
                else:
                    flash(f"Imported {result.plan.title}: {added} added; {changed} changed.", "success")
                return redirect(url_for(".show", plan_id=result.plan.id))
    status = 400 if form.errors or problems else 200
    return render_template("plans/import.html", form=form, problems=problems), status


def _in_words(counts: dict[str, int]) -> str:
    """``{"areas": 1, "actions": 0, "measures": 12, ...}`` as "1 area and 12 measures"; "nothing" for none."""
    named = [f"{n} {kind if n != 1 else kind.removesuffix('s')}" for kind, n in counts.items() if n]
    if len(named) > 1:
        return f"{', '.join(named[:-1])} and {named[-1]}"
    return named[0] if named else "nothing"


@bp.get("/plans/template.csv")
@require_role(Role.STAFF)
def import_template():
    """The import template, empty: its header row names each column the import reads."""
    return csv_file([], plan_import.COLUMNS, "plan-template.csv")


@bp.get("/plans/<int:plan_id>/plan.csv")
@require_role(Role.STAFF)
def plan_csv(plan_id: int):
    """The plan as it is, in the import template, to write the next update in and import again."""
    plan = _plan_or_404(plan_id)
    filename = f"plan-{plan.id}-{clock.today().isoformat()}.csv"
    return csv_file(plan_import.template_rows(plan), plan_import.COLUMNS, filename)


def _plan_or_404(plan_id: int):
    plan = plans.load_plan(db.session, plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.get("/plans/<int:plan_id>")
@require_role(Role.STAFF)
def show(plan_id: int):
    plan = _plan_or_404(plan_id)
    summary = analysis.plan_summary(plan).to_dict("records")
    return render_template("plans/show.html", plan=plan, summary=summary)


@bp.get("/plans/<int:plan_id>/brag")
@require_role(Role.STAFF)
def brag(plan_id: int):
    """BRAG on a page: every action's progress and every measure's impact, filterable by area and lead."""
    plan = _plan_or_404(plan_id)
    area_ref = request.args.get("area", "")
    lead = request.args.get("lead", "")
    leads = sorted({a.lead for area in plan.areas for a in area.actions if a.lead})
    areas = [a for a in plan.areas if not area_ref or a.reference == area_ref]
    rows = [(area, action) for area in areas for action in area.actions if not lead or action.lead == lead]
    return render_template(
        "plans/brag.html",
        plan=plan,
        rows=rows,
        leads=leads,
        area_ref=area_ref,
        lead=lead,
        summary=analysis.plan_summary(plan).to_dict("records"),
    )


def _report_date_form() -> ReportDateForm:
    """The date asked for in the address; without one, today's, shown in the boxes."""
    return ReportDateForm(formdata=request.args if "date" in request.args else None, date=clock.today())


def _recent_quarter_ends(today: date, count: int = 4) -> list[date]:
    """The last days of the quarters before today's, newest first: the dates a board report is made at."""
    ends = [end_of_quarter_before(today)]
    while len(ends) < count:
        ends.append(end_of_quarter_before(ends[-1]))
    return ends


@bp.get("/plans/<int:plan_id>/report")
@require_role(Role.STAFF)
def report(plan_id: int):
    """The quarterly progress report at a chosen date, printable. A date that cannot be one is shown
    beside its boxes, over today's report."""
    plan = _plan_or_404(plan_id)
    form = _report_date_form()
    valid = form.validate()
    return render_template(
        "plans/report.html",
        report=progress_report(db.session, plan, form.chosen() if valid else clock.today()),
        form=form,
        quarter_ends=_recent_quarter_ends(clock.today()),
    ), (200 if valid else 400)


@bp.get("/plans/<int:plan_id>/report.xlsx")
@require_role(Role.STAFF)
def report_xlsx(plan_id: int):
    plan = _plan_or_404(plan_id)
    form = _report_date_form()
    if not form.validate():
        abort(404)
    as_of = form.chosen()
    body = report_workbook(progress_report(db.session, plan, as_of))
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="progress-report-{as_of.isoformat()}.xlsx"'},
    )


@bp.get("/measures/<int:measure_id>")
@require_role(Role.STAFF)
def measure(measure_id: int):
    measure = db.get_or_404(Measure, measure_id)
    notes_said_once, row_notes = _reading_notes(measure.readings)
    return render_template(
        "plans/measure.html",
        measure=measure,
        notes_said_once=notes_said_once,
        row_notes=row_notes,
        wrong_unit=plans.unit_against_source(measure.unit, measure.data_source),
        history=plans.measure_history(db.session, measure),
        intervals={r.id: interval(r.value, r.n, measure.unit) for r in measure.readings},
        changeable={r.id for r in measure.readings if plans.entered_by_staff(r)},
        imported=any(r.source is ReadingSource.IMPORT for r in measure.readings),
        questions=plans.tagged_question_results(db.session, measure),
        cases=plans.linked_cases(db.session, measure),
        entries=plans.linked_entries(db.session, measure),
    )


def _reading_notes(readings: list[Reading]) -> tuple[dict[ReadingSource, str], dict[int, str] | None]:
    """The notes said once above a measure's readings, and each reading's note left to say in its row
    (None when no row has one: then there is no Note column). A note that every reading from one source
    has, where there are several (the analyser's "% agree (or yes) from the survey"), is said once: on
    every row, it made each row several lines tall on a phone."""
    by_source: dict[ReadingSource, list[str]] = defaultdict(list)
    for reading in readings:
        by_source[reading.source].append(reading.note or "")
    said_once = {
        source: notes[0]
        for source, notes in by_source.items()
        if len(notes) > 1 and notes[0] and len(set(notes)) == 1
    }
    rows = {r.id: "" if r.source in said_once else r.note or "" for r in readings}
    return said_once, rows if any(rows.values()) else None


@bp.get("/measures/<int:measure_id>/chart-narrow.svg", defaults={"narrow": True})
@bp.get("/measures/<int:measure_id>/chart.svg", defaults={"narrow": False})  # first: url_for's when not told
@require_role(Role.STAFF)
def measure_chart(measure_id: int, narrow: bool):
    measure = db.get_or_404(Measure, measure_id)
    return Response(
        measure_chart_svg(measure, narrow),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "private, no-cache"},
    )


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit_area(area_id: int):
    area = db.get_or_404(Area, area_id)
    form = AreaForm(obj=area)
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, area)):
        plans.update_area(
            db.session,
            area,
            title=form.title.data,
            senior_responsible_officer=form.senior_responsible_officer.data or "",
            outcomes=form.outcomes.data or "",
        )
        flash(f"Area {area.reference} saved.", "success")
        return redirect(url_for(".show", plan_id=area.plan_id, _anchor=f"area-{area.reference}"))
    return render_template("plans/edit_area.html", form=form, area=area), 400 if form.errors else 200


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit_action(action_id: int):
    action = db.get_or_404(Action, action_id)
    form = ActionForm(obj=action)
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, action)):
        plans.update_action(
            db.session,
            action,
            description=form.description.data,
            lead=form.lead.data or "",
            completion_date=form.completion_date.data,
            progress_status=form.progress_status.data,
            progress_narrative=form.progress_narrative.data or "",
        )
        flash(f"Action {action.reference} saved.", "success")
        return redirect(url_for(".show", plan_id=action.area.plan_id, _anchor=f"action-{action.reference}"))
    return render_template("plans/edit_action.html", form=form, action=action), 400 if form.errors else 200


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit_measure(measure_id: int):
    measure = db.get_or_404(Measure, measure_id)
    readings_from = measure.data_source.value + (f":{measure.case_kind.value}" if measure.case_kind else "")
    form = MeasureForm(
        obj=measure, suggested_status=measure.suggested_status, data={"readings_from": readings_from}
    )
    also = ("data_source", "case_kind")  # what "readings from" sets
    if form.validate_on_submit(
        extra_validators=unchanged_since_shown(form, measure, also, described=plans.measure_change)
    ):
        try:
            plans.update_measure(
                db.session,
                measure,
                text=form.text.data,
                unit=form.unit.data,
                direction=form.direction.data,
                baseline_value=form.baseline_value.data,
                baseline_date=form.baseline_date.data,
                target_value=form.target_value.data,
                target_date=form.target_date.data,
                reported_status=form.reported_status.data or None,
                reported_status_reason=form.reported_status_reason.data or "",
                readings_from=form.readings_from.data or None,
                published=bool(form.published.data),
            )
        except plans.PlanError as error:
            getattr(form, error.field or "text").errors.append(str(error))
        else:
            flash("Measure saved.", "success")
            return redirect(url_for(".measure", measure_id=measure.id))
    return render_template("plans/edit_measure.html", form=form, measure=measure), 400 if form.errors else 200


@bp.route("/measures/<int:measure_id>/readings/new", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
@once.makes_once
def new_reading(measure_id: int):
    measure = db.get_or_404(Measure, measure_id)
    form = ReadingForm(unit=measure.unit)
    if form.validate_on_submit():
        try:
            plans.add_reading(db.session, measure, **form.values(), entered_by=current_user)
        except plans.PlanError as error:
            getattr(form, error.field or "value").errors.append(str(error))
        else:
            flash("Reading added.", "success")
            return redirect(once.made(url_for(".measure", measure_id=measure.id)))
    return render_template("plans/reading.html", form=form, measure=measure), 400 if form.errors else 200


@bp.route("/readings/<int:reading_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit_reading(reading_id: int):
    """Correct a reading staff entered: a mistyped value or date would otherwise stay on every report."""
    reading = _reading_staff_entered_or_404(reading_id)
    measure = reading.measure
    form = ReadingForm(obj=reading, unit=measure.unit)
    form.submit.label.text = "Save reading"
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, reading)):
        try:
            plans.change_reading(db.session, reading, **form.values())
        except plans.PlanError as error:
            getattr(form, error.field or "value").errors.append(str(error))
        else:
            flash("Reading saved.", "success")
            return redirect(url_for(".measure", measure_id=measure.id, _anchor="readings"))
    return render_template("plans/reading.html", form=form, measure=measure, reading=reading), (
        400 if form.errors else 200
    )


@bp.route("/readings/<int:reading_id>/remove", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def remove_reading(reading_id: int):
    """A page that asks first; the audit trail keeps the reading removed."""
    reading = _reading_staff_entered_or_404(reading_id)
    measure = reading.measure
    if request.method == "POST":
        plans.remove_reading(db.session, reading)
        flash("Reading removed.", "success")
        return redirect(url_for(".measure", measure_id=measure.id, _anchor="readings"))
    return render_template("plans/remove_reading.html", measure=measure, reading=reading)


def _reading_staff_entered_or_404(reading_id: int) -> Reading:
    reading = db.get_or_404(Reading, reading_id)
    if not plans.entered_by_staff(reading):
        abort(404)  # the analyser's and the case counts are written again at every run
    return reading

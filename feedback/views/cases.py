"""Staff log complaints, mediations, tribunal appeals, compliments and enquiries, and learn from them."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..analysis import cases as counting
from ..analysis.summary import area_label
from ..extensions import db
from ..forms.cases import CaseForm, CloseForm, StageForm
from ..models import STAGES_BY_KIND, Area, Case, CaseKind, CaseOutcome, Role, StageName
from ..services import cases
from ..services.surveys import measure_choices
from ..services.themes import themes_in_use
from . import once
from .access import record_shown, require_role
from .editing import unchanged_since_shown
from .paging import asked_page

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _filters() -> cases.CaseFilter:
    kind = request.args.get("kind", "")
    state = request.args.get("state", "all")
    year = request.args.get("year", "")
    return cases.CaseFilter(
        kind=CaseKind(kind) if kind in {k.value for k in CaseKind} else None,
        state=state if state in ("all", "open", "closed", "overdue") else "all",
        year=int(year) if year.isdigit() and 1900 <= int(year) <= 2100 else None,
    )


@bp.get("")
@require_role(Role.STAFF)
def index():
    filters = _filters()
    found = cases.list_cases(db.session, filters, asked_page(), clock.today())
    return render_template(
        "cases/index.html",
        cases=found.items,
        total=found.total,
        page=found.page,
        pages=found.pages,
        filters=filters,
        kinds=list(CaseKind),
    )


def _choices():
    in_use = themes_in_use(db.session)
    areas = db.session.scalars(db.select(Area).order_by(Area.plan_id, Area.position))
    return {
        "themes": [(t.id, t.name) for t in in_use],
        "areas": [(a.id, area_label(a.reference, a.title)) for a in areas],
        "measures": measure_choices(db.session),
    }


def _case_page(case: Case | None):
    data = None
    if case is not None:
        contact = case.contact
        data = {
            "kind": case.kind.value,
            "received_on": case.received_on,
            "reference": case.reference,
            "summary": case.summary,
            "learning": case.learning,
            "themes": [t.id for t in case.themes],
            "areas": [a.id for a in case.areas],
            "measures": [m.id for m in case.measures],
            "contact_name": contact.name if contact else "",
            "contact_email": contact.email if contact else "",
            "contact_phone": contact.phone if contact else "",
            "child_name": contact.child_name if contact else "",
        }
    form = CaseForm(data=data, **_choices())
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, case, described=cases.described)):
        assert form.received_on.data is not None  # the form requires it
        details = cases.CaseDetails(
            kind=CaseKind(form.kind.data),
            received_on=form.received_on.data,
            reference=form.reference.data or "",
            summary=form.summary.data or "",
            learning=form.learning.data or "",
            theme_ids=form.themes.data or [],
            area_ids=form.areas.data or [],
            measure_ids=form.measures.data or [],
            contact=cases.Contact(
                name=form.contact_name.data or "",
                email=form.contact_email.data or "",
                phone=form.contact_phone.data or "",
                child_name=form.child_name.data or "",
            ),
        )
        try:
            saved = cases.save_case(db.session, case, details, clock.today())
        except cases.CaseError as error:
            _field(form, error, "summary").errors.append(str(error))
        else:
            flash(f"Case {saved.reference} saved.", "success")
            return redirect(once.made(url_for(".show", case_id=saved.id)))
    return render_template("cases/edit.html", form=form, case=case), 400 if form.errors else 200


def _field(form, error: cases.CaseError, default: str):
    field = error.field or default
    name = {"theme_ids": "themes", "area_ids": "areas", "measure_ids": "measures"}.get(field, field)
    return getattr(form, name, None) or getattr(form, default)


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.STAFF)
@once.makes_once
def new():
    return _case_page(None)


@bp.get("/<int:case_id>")
@require_role(Role.STAFF)
def show(case_id: int):
    case = cases.load_case(db.session, case_id) or abort(404)
    if case.contact is not None:
        record_shown(cases=[case.id])
    next_stages = [s for s in STAGES_BY_KIND[case.kind] if s not in {st.name for st in case.stages}]
    return render_template(
        "cases/show.html",
        case=case,
        history=cases.history(db.session, case),
        next_stages=next_stages,
        today=clock.today(),
    )


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@require_role(Role.STAFF)
def edit(case_id: int):
    case = cases.load_case(db.session, case_id) or abort(404)
    if request.method == "GET" and case.contact is not None:  # the form opens filled in with them
        record_shown(cases=[case.id])
    return _case_page(case)


@bp.route("/<int:case_id>/stage", methods=["GET", "POST"])
@require_role(Role.STAFF)
def stage(case_id: int):
    case = cases.load_case(db.session, case_id) or abort(404)
    wanted = request.args.get("name", "")
    existing = next((s for s in case.stages if s.name.value == wanted), None)
    data = None
    if existing is not None:
        data = {
            "name": existing.name.value,
            "started_on": existing.started_on,
            "completed_on": existing.completed_on,
        }
    elif wanted in {s.value for s in STAGES_BY_KIND[case.kind]}:
        data = {"name": wanted}
    form = StageForm(data=data, kind=case.kind)
    named = existing.name.label if existing is not None else ""
    checks = unchanged_since_shown(form, existing, described=lambda event: cases.described(event, named))
    if form.validate_on_submit(extra_validators=checks):
        assert form.started_on.data is not None  # the form requires it
        try:
            cases.record_stage(
                db.session,
                case,
                StageName(form.name.data),
                form.started_on.data,
                form.completed_on.data,
                clock.today(),
            )
        except cases.CaseError as error:
            _field(form, error, "started_on").errors.append(str(error))
        else:
            flash("Stage saved.", "success")
            return redirect(url_for(".show", case_id=case.id))
    return render_template("cases/stage.html", form=form, case=case), 400 if form.errors else 200


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
@require_role(Role.STAFF)
def close(case_id: int):
    case = cases.load_case(db.session, case_id) or abort(404)
    form = CloseForm(kind=case.kind)
    if form.validate_on_submit():
        try:
            cases.close_case(
                db.session, case, CaseOutcome(form.outcome.data), form.closed_on.data, clock.today()
            )
        except cases.CaseError as error:
            _field(form, error, "outcome").errors.append(str(error))
        else:
            flash(f"Case {case.reference} closed.", "success")
            return redirect(url_for(".show", case_id=case.id))
    return render_template("cases/close.html", form=form, case=case), 400 if form.errors else 200


@bp.post("/<int:case_id>/reopen")
@require_role(Role.COORDINATOR)
def reopen(case_id: int):
    case = cases.load_case(db.session, case_id) or abort(404)
    cases.reopen_case(db.session, case)
    flash(f"Case {case.reference} reopened.", "success")
    return redirect(url_for(".show", case_id=case.id))


@bp.post("/<int:case_id>/draft-entry")
@require_role(Role.COORDINATOR)
@once.makes_once
def draft_entry(case_id: int):
    case = cases.load_case(db.session, case_id) or abort(404)
    try:
        entry = cases.draft_entry(db.session, case, current_user)
    except cases.CaseError as error:
        flash(str(error), "error")
    else:
        once.made(url_for(".show", case_id=case.id))
        flash(
            f"Draft “You said, we did” entry made ({entry.slug}). Nothing is published until a second person"
            " approves it.",
            "success",
        )
    return redirect(url_for(".show", case_id=case.id))


@bp.get("/dashboard")
@require_role(Role.STAFF)
def dashboard():
    period = request.args.get("period", "quarter")
    if period not in ("month", "quarter"):
        period = "quarter"
    frame, stages, themes = cases.case_frames(db.session)
    by_period = counting.counts_by_period(frame, period)
    yearly = counting.counts_by_period(frame, "year")
    baselines = {}
    for measure in cases.case_measures(db.session):
        assert measure.case_kind is not None  # case_measures gives measures that count cases
        kind = measure.case_kind.value
        if kind in yearly.columns and measure.baseline_date is not None:
            baselines[kind] = {
                "measure": measure,
                "table": counting.against_baseline(
                    yearly[kind].rename(lambda p: p.year),
                    measure.baseline_date.year,
                    measure.baseline_value,
                    measure.target_value,
                ).to_dict("records"),
            }
    return render_template(
        "cases/dashboard.html",
        period=period,
        by_period=by_period,
        baselines=baselines,
        on_time=counting.on_time(stages).to_dict("records"),
        outcomes=counting.outcomes(frame).to_dict("records"),
        top_themes=counting.top_themes(themes, frame).to_dict("records"),
        kinds={k.value: k.label for k in CaseKind},
        plurals={k.value: k.plural for k in CaseKind},
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
@require_role(Role.STAFF)
def export(fmt: str):
    with_contacts = request.args.get("contacts") == "1"
    if with_contacts and not current_user.has_role(Role.COORDINATOR):
        abort(403)
    # One date for the overdue filter, the record of who was shown the contacts and the file's name.
    filters, today = _filters(), clock.today()
    if with_contacts:
        record_shown(cases=cases.ids_with_contacts(db.session, filters, today))
    frame = cases.export_frame(db.session, filters, today, with_contacts=with_contacts)
    name = f"cases-{today.isoformat()}{'-with-contacts' if with_contacts else ''}"
    if fmt == "csv":
        body = frame.to_csv(index=False).encode("utf-8-sig")
        mimetype = "text/csv"
    else:
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, sheet_name="Cases")
        body = buffer.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "no-store"},
    )

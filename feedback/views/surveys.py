"""Staff pages for surveys: build, open and close, QR codes and the Local Offer widget, paper responses."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlsplit

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from .. import clock
from ..extensions import db
from ..forms.respond import page_values
from ..forms.surveys import ResponsesImportForm, SurveyForm, paper_form_class, question_form, versions_form
from ..models import Question, Role, Survey, SurveyStateError, key_pattern
from ..models.types import utcnow
from ..services import respond, response_import, surveys
from ..services.plan_import import ImportFailed
from ..services.respond import Page
from ..services.text import counted, were
from . import once
from .access import require_role
from .editing import Part, unchanged_since_shown
from .uploads import saved_upload

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
PAPER_KEY = key_pattern("paper-")


@bp.get("")
@require_role(Role.STAFF)
def index():
    all_surveys = surveys.list_surveys(db.session)
    counts = {s.id: surveys.response_count(db.session, s) for s in all_surveys}
    return render_template("surveys/index.html", surveys=all_surveys, counts=counts)


@bp.get("/<int:survey_id>")
@require_role(Role.STAFF)
def show(survey_id: int):
    survey = db.get_or_404(Survey, survey_id)
    public_url = url_for("respond.start", slug=survey.slug, _external=True)
    widget_url = url_for("widget.show", slug=survey.slug, _external=True)
    return render_template(
        "surveys/show.html",
        survey=survey,
        public_url=public_url,
        widget_url=widget_url,
        widget_origin="{0.scheme}://{0.netloc}".format(urlsplit(widget_url)),
        box_follow_up=respond.box_follow_up(survey),
        responses=surveys.response_count(db.session, survey),
        plan=respond.page_plan(survey),
        finishing_until=respond.finishing_until(survey, utcnow()),
        history=surveys.history(db.session, survey),
        can_rearrange=surveys.can_rearrange(survey),
    )


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
@once.makes_once
def new():
    return _survey_page(None)


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit(survey_id: int):
    return _survey_page(db.get_or_404(Survey, survey_id))


def _posted(fixed: dict[str, str]) -> MultiDict | None:
    """The form as sent, with the fields a page shows but does not ask for (``fixed``) at their values,
    whatever was sent for them; None when nothing was sent."""
    if request.method != "POST":
        return None
    formdata = request.form.copy()
    for name, value in fixed.items():
        formdata[name] = value  # replaces what was sent (MultiDict.update would add to it)
    return formdata


def _survey_page(survey: Survey | None):
    fixed = {"slug": survey.slug} if survey is not None and not surveys.can_change_address(survey) else {}
    form = SurveyForm(
        formdata=_posted(fixed),  # see surveys.ADDRESS_IS_SET
        obj=survey,
        slug_taken=lambda slug: surveys.slug_taken(db.session, slug, survey.id if survey else None),
    )
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, survey)):
        saved = surveys.save_survey(
            db.session,
            survey,
            title=form.title.data,
            slug=form.slug.data,
            audience=form.audience.data,
            anonymous=form.anonymous.data,
            consent_text=form.consent_text.data or "",
        )
        flash("Survey saved." if survey else "Survey created. Add its questions, then open it.", "success")
        return redirect(once.made(url_for(".show", survey_id=saved.id)))
    return render_template(
        "surveys/edit.html",
        form=form,
        survey=survey,
        why_address_is_fixed=surveys.ADDRESS_IS_SET if fixed else None,
    ), 400 if form.errors else 200


@bp.route("/<int:survey_id>/versions", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def versions(survey_id: int):
    """The titles of the standard, young people's and easy read versions, and versions in other languages.
    Each question's wording in a version is set on the question's page."""
    survey = db.get_or_404(Survey, survey_id)
    form = versions_form(survey.variants, data={f"title_{v.id}": v.title for v in survey.variants})
    titles = [Part(v, frozenset({"title"}), f"version {v.title}") for v in survey.variants]
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, survey, parts=titles)):
        surveys.save_versions(
            db.session,
            survey,
            {v.id: form[f"title_{v.id}"].data for v in survey.variants},
            form.new_language.data or "",
            form.new_title.data or "",
        )
        flash("Versions saved.", "success")
        return redirect(url_for(".show", survey_id=survey.id))
    return render_template("surveys/versions.html", form=form, survey=survey), 400 if form.errors else 200


@bp.post("/<int:survey_id>/<any(open, close):transition>")
@require_role(Role.COORDINATOR)
def change_status(survey_id: int, transition: str):
    survey = db.get_or_404(Survey, survey_id)
    try:
        survey.open() if transition == "open" else survey.close()
    except SurveyStateError as error:
        flash(str(error), "error")
    else:
        db.session.flush()
        flash(f"The survey is now {survey.status.value}.", "success")
    return redirect(url_for(".show", survey_id=survey.id))


def _question_page(survey: Survey, question: Question | None):
    def key_taken(key: str) -> bool:
        return any(q.key == key and q is not question for q in survey.questions)

    data = {}
    if question is not None:
        data = {
            "key": question.key,
            "kind": question.kind.value,
            "required": question.required,
            "choices": "\n".join(question.choice_labels),
            "measures": [m.id for m in question.measures],
        }
        for wording in question.wordings:
            data[f"wording_{wording.variant_id}"] = wording.text
            data[f"hint_{wording.variant_id}"] = wording.hint
    answered = question is not None and surveys.is_answered(db.session, question)
    fixed, answered_with = {}, []
    if question is not None and answered:
        fixed = {"key": question.key, "kind": question.kind.value}  # see surveys.ANSWERED
        answered_with = question.choice_labels
    form = question_form(
        survey.variants,
        formdata=_posted(fixed),
        data=data,
        measure_choices=surveys.measure_choices(db.session),
        key_taken=key_taken,
        answered_with=answered_with,
    )
    wordings = [
        Part(w, frozenset({"text", "hint"}), f"wording in {w.variant.title}")
        for w in (question.wordings if question is not None else [])
    ]
    if form.validate_on_submit(
        extra_validators=unchanged_since_shown(
            form, question, described=lambda event: surveys.question_change(db.session, event), parts=wordings
        )
    ):
        surveys.save_question(
            db.session,
            survey,
            question,
            key=form.key.data,
            kind=form.kind.data,
            required=form.required.data,
            choices=form.choice_list(),
            measure_ids=form.measures.data or [],
            wordings={
                v.id: (form[f"wording_{v.id}"].data or "", form[f"hint_{v.id}"].data or "")
                for v in survey.variants
            },
        )
        flash("Question saved.", "success")
        return redirect(once.made(url_for(".show", survey_id=survey.id, _anchor="questions")))
    return render_template(
        "surveys/question.html",
        form=form,
        survey=survey,
        question=question,
        why_fixed=surveys.ANSWERED if answered else None,
    ), 400 if form.errors else 200


@bp.route("/<int:survey_id>/questions/new", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
@once.makes_once
def new_question(survey_id: int):
    return _question_page(db.get_or_404(Survey, survey_id), None)


@bp.route("/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit_question(survey_id: int, question_id: int):
    survey = db.get_or_404(Survey, survey_id)
    return _question_page(survey, _question_or_404(survey, question_id))


@bp.post("/<int:survey_id>/questions/<int:question_id>/move-<any(up, down):direction>")
@require_role(Role.COORDINATOR)
def move_question(survey_id: int, question_id: int, direction: str):
    survey = db.get_or_404(Survey, survey_id)
    question = _question_or_404(survey, question_id)
    try:
        surveys.move_question(db.session, survey, question, -1 if direction == "up" else 1)
    except SurveyStateError as error:
        flash(str(error), "error")
        return redirect(url_for(".show", survey_id=survey.id))  # the top of the page, where it says why
    return redirect(url_for(".show", survey_id=survey.id, _anchor=f"question-{question.id}"))


@bp.route("/<int:survey_id>/questions/<int:question_id>/remove", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def remove_question(survey_id: int, question_id: int):
    """A page that asks first: removing is for a question added by mistake, before the survey opens."""
    survey = db.get_or_404(Survey, survey_id)
    question = _question_or_404(survey, question_id)
    if request.method == "POST":
        try:
            surveys.remove_question(db.session, survey, question)
        except SurveyStateError as error:
            flash(str(error), "error")
            return redirect(url_for(".show", survey_id=survey.id))
        flash(f"Question “{question.key}” removed.", "success")
        return redirect(url_for(".show", survey_id=survey.id, _anchor="questions"))
    return render_template(
        "surveys/remove_question.html",
        survey=survey,
        question=question,
        allowed=surveys.can_rearrange(survey),
        order_is_set=surveys.ORDER_IS_SET,
    )


def _question_or_404(survey: Survey, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


@bp.route("/<int:survey_id>/import", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def import_responses(survey_id: int):
    """Upload a Microsoft Forms export: every bad row is listed and nothing is imported."""
    survey = db.get_or_404(Survey, survey_id)
    form = ResponsesImportForm()
    problems = []
    if form.validate_on_submit():
        with saved_upload(form.file.data) as path:
            try:
                result = response_import.import_responses(
                    db.session, survey, path, response_import.read_mapping(form.mapping_pairs())
                )
            except ImportFailed as failure:
                problems = failure.errors
            else:
                flash(
                    f"Imported {counted(result.created, 'response')}; {result.already_imported:,}"
                    f" {were(result.already_imported)} already there.",
                    "success",
                )
                return redirect(url_for(".show", survey_id=survey.id))
    status = 400 if form.errors or problems else 200
    return render_template("surveys/import.html", form=form, survey=survey, problems=problems), status


@bp.get("/<int:survey_id>/qr.<any(svg, png):fmt>")
@require_role(Role.STAFF)
def qr_code(survey_id: int, fmt: str):
    """A QR code for posters, leading to the survey with the QR channel recorded."""
    survey = db.get_or_404(Survey, survey_id)
    qr = segno.make(url_for("respond.start", slug=survey.slug, _external=True, **{"from": "qr"}), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=10, border=4, title=f"QR code for {survey.title}")
        mimetype = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=12, border=4)
        mimetype = "image/png"
    return Response(
        buffer.getvalue(),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{survey.slug}-qr.{fmt}"'},
    )


@bp.route("/<int:survey_id>/paper", methods=["GET", "POST"])
@require_role(Role.STAFF)
def paper(survey_id: int):
    """Type in a response that came on paper, all questions on one page."""
    survey = db.get_or_404(Survey, survey_id)
    standard = next(v for v in survey.variants if v.kind.value == "standard")
    page = Page(1, tuple(survey.questions))
    entry_key = request.form.get("entry_key") or surveys.new_entry_key()
    if not PAPER_KEY.match(entry_key):
        abort(400)
    carried = _date_of_the_last_form(request.args.get("filled_in")) if request.method == "GET" else None
    form = paper_form_class(page, standard)(
        formdata=request.form if request.method == "POST" else None, filled_in=carried
    )
    if request.method == "POST" and form.validate():
        values = page_values(form, page)
        dated = form.filled_in.data
        result = surveys.record_paper_response(db.session, survey, values, entry_key, dated)
        if result is None:
            abort(400)
        flash(
            "Paper response saved." if result.created else "That paper response was already saved.", "success"
        )
        # The next form is dated as this one was: a pile typed in after an event shares one date.
        following = dated.isoformat() if dated else None
        return redirect(url_for(".paper", survey_id=survey.id, filled_in=following))
    return render_template(
        "surveys/paper.html", survey=survey, form=form, page=page, entry_key=entry_key, carried=carried
    ), 400 if form.errors else 200


def _date_of_the_last_form(written: str | None) -> date | None:
    """The date the last paper response was given (``?filled_in=2026-09-27``), to start the next one with;
    None for anything else, or a date the form would refuse."""
    try:
        dated = date.fromisoformat(written or "")
    except ValueError:
        return None
    return dated if 1900 <= dated.year and dated <= clock.today() else None

"""Staff pages of the analyser's work: its runs, and a survey's agreement broken down."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..analysis.agreement import SUPPRESS_BELOW
from ..extensions import db
from ..models import Role, Survey
from ..services import analysis
from .access import require_role

bp = Blueprint("analysis", __name__)


@bp.get("/analysis")
@require_role(Role.STAFF)
def runs():
    return render_template("analysis/runs.html", runs=analysis.recent_runs(db.session))


@bp.get("/surveys/<int:survey_id>/results")
@require_role(Role.STAFF)
def results(survey_id: int):
    survey = db.get_or_404(Survey, survey_id)
    by = request.args.get("by", "quarter")
    if by not in analysis.BREAKDOWNS:
        by = "quarter"
    table = analysis.agreement_breakdown(db.session, survey.id, by)
    questions = [q for q in survey.questions if q.kind in analysis.COUNTED_KINDS]
    rows = {q.id: table[table["question_id"] == q.id].to_dict("records") for q in questions}
    return render_template(
        "analysis/results.html",
        survey=survey,
        by=by,
        breakdowns=analysis.BREAKDOWNS,
        questions=questions,
        rows=rows,
        small=SUPPRESS_BELOW,
    )

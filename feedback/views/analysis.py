"""Staff pages of the analyser's work: its runs, and a survey's agreement broken down."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..analysis.agreement import SUPPRESS_BELOW
from ..extensions import db
from ..models import QuestionKind, Role, Survey
from ..services import analysis
from ..services.themes import themes_in_use
from .access import require_role
from .paging import asked_page

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
        breakdowns=analysis.breakdowns_for(db.session, survey),
        label=analysis.BREAKDOWNS[by],
        questions=questions,
        rows=rows,
        small=SUPPRESS_BELOW,
    )


@bp.get("/surveys/<int:survey_id>/comments")
@require_role(Role.STAFF)
def comments(survey_id: int):
    """What families wrote in a survey's free-text questions, redacted, newest first."""
    survey = db.get_or_404(Survey, survey_id)
    in_use = themes_in_use(db.session)
    theme = next((t for t in in_use if str(t.id) == request.args.get("theme")), None)  # else all
    found = analysis.survey_comments(
        db.session, survey.id, asked_page(), current_app.config["REDACT_PLACES"], theme.id if theme else None
    )
    free_text = [q for q in survey.questions if q.kind is QuestionKind.FREE_TEXT]
    return render_template(
        "analysis/comments.html",
        survey=survey,
        found=found,
        themes=in_use,
        theme=theme,
        # Each comment says which question it answers, where the survey asks for more than one.
        questions={q.id: q.wordings[0].text if q.wordings else q.key for q in free_text}
        if len(free_text) > 1
        else {},
    )

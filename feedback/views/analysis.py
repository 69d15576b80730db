"""Staff pages of the analyser's work: its runs, and a survey's agreement broken down."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from .. import clock
from ..analysis.agreement import SUPPRESS_BELOW
from ..extensions import db
from ..models import QuestionKind, Role, Survey, Theme
from ..services import analysis
from ..services.themes import themes_in_use
from .access import require_role
from .download import csv_file
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
    theme = _theme_asked(in_use)
    found = analysis.survey_comments(
        db.session, survey.id, asked_page(), current_app.config["REDACT_PLACES"], theme.id if theme else None
    )
    questions = _free_text_questions(survey)
    return render_template(
        "analysis/comments.html",
        survey=survey,
        found=found,
        themes=in_use,
        theme=theme,
        # Each comment says which question it answers, where the survey asks for more than one.
        questions=questions if len(questions) > 1 else {},
        most_downloaded=analysis.COMMENTS_DOWNLOADED,
    )


COMMENT_COLUMNS = ["Submitted", "Question", "Comment", "Taken out", "Tone", "Themes"]


@bp.get("/surveys/<int:survey_id>/comments.csv")
@require_role(Role.STAFF)
def comments_csv(survey_id: int):
    """The newest comments, or those on a theme, redacted as the page shows them: for a board paper."""
    survey = db.get_or_404(Survey, survey_id)
    theme = _theme_asked(themes_in_use(db.session))
    found = analysis.newest_comments(
        db.session, survey.id, current_app.config["REDACT_PLACES"], theme.id if theme else None
    )
    questions = _free_text_questions(survey)
    rows = [
        {
            "Submitted": clock.uk_time(comment.submitted_at, "%Y-%m-%d %H:%M"),
            "Question": questions.get(comment.question_id, ""),
            "Comment": comment.quote.text,
            "Taken out": ", ".join(comment.quote.kinds),
            "Tone": comment.tone or "Not read yet",
            "Themes": "; ".join(comment.themes),
        }
        for comment in found
    ]
    on = f"-theme-{theme.id}" if theme else ""
    return csv_file(rows, COMMENT_COLUMNS, f"comments-{survey.slug}{on}-{clock.today().isoformat()}.csv")


def _theme_asked(in_use: list[Theme]) -> Theme | None:
    """The theme in use that the address asks for (?theme=ID); None for all comments."""
    return next((t for t in in_use if str(t.id) == request.args.get("theme")), None)


def _free_text_questions(survey: Survey) -> dict[int, str]:
    """{question id: its wording} for the survey's free-text questions."""
    return {
        q.id: q.wordings[0].text if q.wordings else q.key
        for q in survey.questions
        if q.kind is QuestionKind.FREE_TEXT
    }

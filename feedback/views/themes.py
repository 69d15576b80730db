"""The theme lexicon and what the analyser found with it: trends, candidates, redacted quotes."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ..analysis.themes import latest_period, theme_trends
from ..clock import period_name
from ..extensions import db
from ..forms.themes import ThemeForm
from ..models import Role, Theme
from ..services import themes
from . import once
from .access import require_role
from .editing import unchanged_since_shown

bp = Blueprint("themes", __name__, url_prefix="/themes")


def _period() -> str:
    return "month" if request.args.get("period") == "month" else "quarter"


@bp.get("")
@require_role(Role.STAFF)
def index():
    period = _period()
    all_themes = db.session.scalars(db.select(Theme).order_by(Theme.name)).all()
    trends = theme_trends(themes.theme_counts(db.session), period)
    latest = latest_period(trends)
    candidates = [t for t in all_themes if t.candidate and not t.dismissed]
    return render_template(
        "themes/index.html",
        period=period,
        in_use=[t for t in all_themes if t.in_use],
        candidates=candidates,
        phrase_counts=themes.phrase_counts(db.session, candidates),
        latest={int(r["theme_id"]): r for r in latest.to_dict("records")},
        newest=period_name(latest["period"].iloc[0]) if not latest.empty else None,
    )


@bp.get("/<int:theme_id>")
@require_role(Role.STAFF)
def show(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    period = _period()
    places = current_app.config["REDACT_PLACES"]
    candidate = theme.candidate  # or dismissed: matched against nothing unless it is accepted
    if candidate:  # no trend: it has none until accepted
        quotes = themes.candidate_quotes(db.session, theme, places=places)
        rows = []
    else:
        quotes = themes.quotes(db.session, theme, places=places)
        trends = theme_trends(themes.theme_counts(db.session), period)
        rows = (
            trends[trends["theme_id"] == theme.id].sort_values("period", ascending=False).to_dict("records")
        )
    # Where to read every comment on it: a survey's comments are filtered only by a theme in use.
    by_survey = themes.comments_by_survey(db.session, theme) if theme.in_use else []
    return render_template(
        "themes/show.html",
        theme=theme,
        period=period,
        rows=rows,
        quotes=quotes,
        by_survey=by_survey,
        candidate=candidate,
        phrase_count=themes.phrase_counts(db.session, [theme]).get(theme.id) if candidate else None,
        newest_read=themes.CANDIDATE_QUOTES_READ,
    )


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
@once.makes_once
def new():
    return _theme_page(None)


@bp.route("/<int:theme_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit(theme_id: int):
    return _theme_page(db.get_or_404(Theme, theme_id))


def _theme_page(theme: Theme | None):
    form = ThemeForm(data={"name": theme.name, "keywords": theme.keywords} if theme else None)
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, theme)):
        try:
            if theme is None:
                theme = themes.create_theme(db.session, name=form.name.data, keywords=form.keywords.data)
            else:
                themes.update_theme(db.session, theme, name=form.name.data, keywords=form.keywords.data)
        except themes.ThemeError as error:
            form.name.errors.append(str(error))
        else:
            flash("Theme saved. The next analysis run matches every comment against it.", "success")
            return redirect(once.made(url_for(".show", theme_id=theme.id)))
    return render_template("themes/edit.html", form=form, theme=theme), 400 if form.errors else 200


@bp.post("/<int:theme_id>/<any(accept, dismiss):decision>")
@require_role(Role.COORDINATOR)
def decide(theme_id: int, decision: str):
    theme = db.get_or_404(Theme, theme_id)
    try:
        if decision == "accept":
            themes.accept_candidate(db.session, theme)
            flash(f"“{theme.name}” is now a theme. Edit its words and phrases if it needs more.", "success")
        else:
            themes.dismiss_candidate(db.session, theme)
            flash(f"“{theme.name}” dismissed; it will not be offered again.", "success")
    except themes.ThemeError as error:
        flash(str(error), "error")
    return redirect(url_for(".index"))

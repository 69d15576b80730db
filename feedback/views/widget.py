"""The "Did you find what you were looking for?" box that Local Offer pages embed in an iframe."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, render_template, request

from ..extensions import csrf, db
from ..models import Channel, QuestionKind, key_pattern
from ..services import respond
from .access import public

bp = Blueprint("widget", __name__, url_prefix="/w")
WIDGET_KEY = key_pattern("widget-")
# Embedded on other sites, where our session cookie is third-party and often blocked: the server-issued
# entry key carried by the form is what makes a submission count once.
csrf.exempt(bp)


def _widget_survey(slug: str):
    survey = respond.open_survey(db.session, slug)
    if survey is None or not survey.questions or survey.questions[0].kind is not QuestionKind.YES_NO:
        abort(404)
    return survey


@bp.route("/<slug>", methods=["GET", "POST"])
@public
def show(slug: str):
    survey = _widget_survey(slug)
    question = survey.questions[0]
    variant = respond.variant_for(survey, None)
    wording = question.wording_for(variant) or question.wordings[0]
    if request.method == "POST":
        answer = request.form.get("answer")
        key = request.form.get("entry_key", "")
        if answer not in ("yes", "no") or not WIDGET_KEY.match(key):
            return render_template(
                "widget/show.html", survey=survey, wording=wording, entry_key=_key(), error="Select yes or no"
            ), 400
        draft = respond.draft_under_key(db.session, survey, variant, Channel.WIDGET, key)
        if draft is None:
            abort(404)
        if not draft.submitted:
            draft.answers = {question.key: answer}
        respond.submit(db.session, draft, {question.key: question})
        return render_template("widget/thanks.html", survey=survey, answer=answer)
    return render_template("widget/show.html", survey=survey, wording=wording, entry_key=_key(), error=None)


def _key() -> str:
    return "widget-" + secrets.token_urlsafe(18)

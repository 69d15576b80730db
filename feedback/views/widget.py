"""The "Did you find what you were looking for?" box that Local Offer pages embed in an iframe."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, render_template, request

from ..extensions import csrf, db
from ..forms.respond import AnswerCheck
from ..models import Channel, QuestionKind, Survey, key_pattern
from ..services import respond
from .access import public

bp = Blueprint("widget", __name__, url_prefix="/w")
WIDGET_KEY = key_pattern("widget-")
# Embedded on other sites, where our session cookie is third-party and often blocked: the server-issued
# entry key carried by the form is what makes a submission count once.
csrf.exempt(bp)

CHOOSE = "Select yes or no"
SEND_AGAIN = "Something went wrong. Send your answer again."


def _widget_survey(slug: str) -> Survey:
    survey = respond.open_survey(db.session, slug)
    if survey is None or not survey.questions or survey.questions[0].kind is not QuestionKind.YES_NO:
        abort(404)
    return survey


@bp.route("/<slug>", methods=["GET", "POST"])
@public
def show(slug: str):
    survey = _widget_survey(slug)
    question, asked = survey.questions[0], respond.box_follow_up(survey)
    variant = respond.variant_for(survey, None)
    box: dict[str, Any] = {
        "survey": survey,
        "wording": question.wording_for(variant) or question.wordings[0],
        "follow_up": asked,
        "follow_up_wording": asked and (asked.wording_for(variant) or asked.wordings[0]),
        "answer": None,
        "details": "",
        "errors": {},
    }
    if request.method == "GET":
        return render_template("widget/show.html", entry_key=_key(), **box)

    answer = request.form.get("answer")
    key = request.form.get("entry_key", "")
    errors = {}
    if answer not in ("yes", "no"):
        errors["answer"] = CHOOSE
    details = ""
    if asked:  # checked as an optional comment box on a survey's page is
        sent, error = AnswerCheck(key=asked.key, kind="text", required=None)(request.form.getlist("details"))
        details = sent or ""  # None when nothing was sent
        if error is not None:
            errors["details"] = error
    key_ok = WIDGET_KEY.match(key) is not None
    if not key_ok and not errors:  # not from this box's page: a new key, and the same answers again
        errors["answer"] = SEND_AGAIN
    if errors:  # shown again with what was sent, so that nothing typed is lost
        summary = [{"text": message, "href": f"#{field}"} for field, message in errors.items()]
        box.update(answer=answer, details=details, errors=errors, error_list=summary)
        return render_template("widget/show.html", entry_key=key if key_ok else _key(), **box), 400
    draft = respond.draft_under_key(db.session, survey, variant, Channel.WIDGET, key)
    if draft is None:
        abort(404)
    if not draft.submitted:
        answers = {question.key: answer}
        if asked and not respond.unanswered(details):
            answers[asked.key] = details.strip()
        draft.answers = answers
    respond.submit(db.session, draft, {q.key: q for q in (question, asked) if q is not None})
    return render_template("widget/thanks.html", survey=survey, answer=answer)


def _key() -> str:
    return "widget-" + secrets.token_urlsafe(18)

"""Subject access and erasure requests, for an admin in the browser: the same services as the commands."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for

from ..config import ForgottenComments
from ..extensions import db
from ..forms.data_protection import EraseForm, PersonForm
from ..models import Role
from ..services import cases, data_protection
from ..services.text import counted
from .access import record_shown, require_role

bp = Blueprint("data_protection", __name__, url_prefix="/data-protection")


@bp.route("", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def find():
    """The person is looked for by a POST, so that their email address never sits in a URL or a log."""
    form = PersonForm()
    if not form.validate_on_submit():
        return render_template("data_protection/find.html", form=form), 400 if form.errors else 200
    return _found(form, EraseForm(formdata=None, email=form.email.data, phone=form.phone.data))


@bp.post("/export")
@require_role(Role.ADMIN)
def export():
    form = PersonForm()
    if not form.validate_on_submit():
        return render_template("data_protection/find.html", form=form), 400
    _record_shown(form.email.data, form.phone.data)
    held = data_protection.subject_access(db.session, email=form.email.data, phone=form.phone.data)
    return Response(
        json.dumps(held, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="subject-access.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/erase")
@require_role(Role.ADMIN)
def erase():
    form = EraseForm()
    if not form.validate_on_submit():
        if form.confirmed.errors and not form.email.errors and not form.phone.errors:
            return _found(form, form, status=400)
        return render_template("data_protection/find.html", form=form), 400
    places = current_app.config["REDACT_PLACES"]
    details = {"email": form.email.data, "phone": form.phone.data, "places": places}
    comments = current_app.config["FORGOTTEN_COMMENTS"]
    responses = data_protection.erase_response_contacts(db.session, **details, comments=comments)
    references = cases.erase_family_details(db.session, **details)
    flash(
        f"Erased their details from {counted(responses, 'survey response')} and"
        f" {counted(len(references), 'case')}"
        f"{': ' + ', '.join(references) if references else ''}. Their answers and the cases stay, anonymous.",
        "success",
    )
    return redirect(url_for(".find"))


def _record_shown(email: str, phone: str) -> None:
    case_ids, response_ids = data_protection.holders(db.session, email=email, phone=phone)
    record_shown(cases=case_ids, responses=response_ids)


def _found(person: PersonForm, erase_form: EraseForm, status: int = 200):
    _record_shown(person.email.data, person.phone.data)
    held = data_protection.subject_access(db.session, email=person.email.data, phone=person.phone.data)
    shown = sum(len(entry["seen_by"]) for entry in [*held["survey_responses"], *held["cases"]])
    return render_template(
        "data_protection/found.html",
        person=person,
        held=held,
        erase_form=erase_form,
        shown_to_staff=shown,
        comments_deleted=current_app.config["FORGOTTEN_COMMENTS"] == ForgottenComments.DELETE,
    ), status

"""Staff side of "You said, we did": suggestions from the themes, drafting, quote review, a second
person's approval, withdrawal."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms.base import BaseForm
from ..forms.entries import EntryForm, WithdrawForm
from ..models import Action, Area, Audience, EntryKind, EntryStatus, Role, Theme, YouSaidWeDid
from ..services import publication
from ..services.surveys import measure_choices
from ..services.text import strip_control_characters
from ..services.themes import themes_in_use
from . import once
from .access import require_role
from .editing import unchanged_since_shown

bp = Blueprint("entries", __name__, url_prefix="/entries")
QUOTE_LIMIT = 2000  # characters; a family's comment is at most 1,200 before redaction


def _places() -> list[str]:
    return current_app.config["REDACT_PLACES"]


@bp.get("")
@require_role(Role.STAFF)
def index():
    return render_template("entries/index.html", entries=publication.staff_entries(db.session))


@bp.get("/suggestions")
@require_role(Role.COORDINATOR)
def suggestions():
    period = "month" if request.args.get("period") == "month" else "quarter"
    return render_template(
        "entries/suggestions.html",
        period=period,
        suggestions=publication.suggestions(db.session, period, places=_places()),
    )


@bp.post("/from-theme/<int:theme_id>/<any(we_did, we_listened):kind>")
@require_role(Role.COORDINATOR)
@once.makes_once
def from_theme(theme_id: int, kind: str):
    theme = db.get_or_404(Theme, theme_id)
    try:
        entry = publication.draft_from_theme(db.session, theme, current_user, EntryKind(kind), _places())
    except publication.EntryError as error:
        flash(str(error), "error")
        return redirect(url_for(".suggestions"))
    flash("Draft made. Write what we did, check the quotes, then send it for review.", "success")
    return redirect(once.made(url_for(".edit", entry_id=entry.id)))


def _choices() -> dict:
    in_use = themes_in_use(db.session)
    actions = db.session.execute(
        db.select(Action.id, Action.reference, Action.description)
        .join(Area)
        .order_by(Area.position, Action.position)
    )
    return {
        "themes": [(t.id, t.name) for t in in_use],
        "actions": [(i, f"{ref} {description[:90]}") for i, ref, description in actions],
        "measures": measure_choices(db.session),
    }


def _entry_page(entry: YouSaidWeDid | None):
    data = None
    if entry is not None:
        data = {
            "kind": entry.kind.value,
            "audience": entry.audience.value,
            "title": entry.title,
            "you_said": entry.you_said,
            "we_did": entry.we_did,
            "theme": str(entry.theme_id or ""),
            "actions": [a.id for a in entry.actions],
            "measures": [m.id for m in entry.measures],
        }
    form = EntryForm(data=data, **_choices())
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, entry, also=("theme_id",))):
        details = publication.EntryDetails(
            kind=EntryKind(form.kind.data),
            audience=Audience(form.audience.data),
            title=form.title.data or "",
            you_said=form.you_said.data or "",
            we_did=form.we_did.data or "",
            theme_id=int(form.theme.data) if (form.theme.data or "").isdigit() else None,
            action_ids=form.actions.data or [],
            measure_ids=form.measures.data or [],
        )
        try:
            saved = publication.save_entry(db.session, entry, details, current_user)
        except publication.EntryError as error:
            getattr(form, error.field or "title").errors.append(str(error))
        else:
            flash("Draft saved.", "success")
            return redirect(once.made(url_for(".show", entry_id=saved.id)))
    return render_template("entries/edit.html", form=form, entry=entry), 400 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
@once.makes_once
def new():
    return _entry_page(None)


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit(entry_id: int):
    return _entry_page(db.get_or_404(YouSaidWeDid, entry_id))


@bp.get("/<int:entry_id>")
@require_role(Role.STAFF)
def show(entry_id: int):
    entry = db.get_or_404(YouSaidWeDid, entry_id)
    removed = {q.id: publication.removed_from(q, _places()) for q in entry.quotes}
    return render_template(
        "entries/show.html",
        entry=entry,
        removed=removed,
        preview=publication.snapshot(entry),
        sentence=publication.evidence_sentence(publication.snapshot(entry)["evidence"]),
        form=BaseForm(),
    )


@bp.post("/<int:entry_id>/quotes")
@require_role(Role.COORDINATOR)
def quotes(entry_id: int):
    entry = db.get_or_404(YouSaidWeDid, entry_id)
    if entry.status is EntryStatus.WITHDRAWN:
        flash("A withdrawn entry cannot be changed.", "error")
        return redirect(url_for(".show", entry_id=entry.id))
    approved = {q.id: request.form.get(f"quote-{q.id}-approved") == "yes" for q in entry.quotes}
    # Read from the request itself, not through a form class (the quotes vary), so cleaned here as every
    # form's fields are (forms/base.py): PostgreSQL refuses a NUL.
    texts = {q.id: strip_control_characters(request.form.get(f"quote-{q.id}-text", "")) for q in entry.quotes}
    too_long = [number for number, q in enumerate(entry.quotes, 1) if len(texts[q.id]) > QUOTE_LIMIT]
    if too_long:
        flash(f"Quote {too_long[0]} must be {QUOTE_LIMIT:,} characters or fewer. Nothing was saved.", "error")
        return redirect(url_for(".show", entry_id=entry.id))
    publication.review_quotes(db.session, entry, approved, texts)
    if entry.status is not EntryStatus.DRAFT:
        entry.status = EntryStatus.DRAFT  # what a reviewer approves must not change under them
    flash("Quotes saved. Only the ticked ones will be shown.", "success")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.post("/<int:entry_id>/<any(review, approve):step>")
@require_role(Role.COORDINATOR)
def step(entry_id: int, step: str):
    entry = db.get_or_404(YouSaidWeDid, entry_id)
    try:
        if step == "review":
            publication.send_for_review(db.session, entry)
            flash("Sent for review. Someone other than you must approve it.", "success")
        else:
            publication.approve(db.session, entry, current_user)
            flash("Approved and published.", "success")
    except publication.EntryError as error:
        flash(str(error), "error")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.route("/<int:entry_id>/withdraw", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def withdraw(entry_id: int):
    entry = db.get_or_404(YouSaidWeDid, entry_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            publication.withdraw(db.session, entry, form.reason.data or "")
        except publication.EntryError as error:
            form.reason.errors.append(str(error))
        else:
            flash("Withdrawn. Its page now says when and why.", "success")
            return redirect(url_for(".show", entry_id=entry.id))
    return render_template("entries/withdraw.html", form=form, entry=entry), 400 if form.errors else 200

"""Replies families asked for: who is waiting, and recording that someone replied."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..extensions import db
from ..models import Role
from ..services import replies
from .access import record_shown, require_role

bp = Blueprint("replies", __name__, url_prefix="/replies")


@bp.get("")
@require_role(Role.STAFF)
def index():
    answered = request.args.get("show") == "replied"
    shown = replies.requests(db.session, replied=answered)
    record_shown(responses=[r.response_id for r in shown])
    return render_template(
        "replies/index.html",
        requests=shown,
        answered=answered,
        waiting=replies.waiting_count(db.session),
        working_days=replies.REPLY_WORKING_DAYS,
        today=clock.today(),
    )


@bp.post("/<int:contact_id>/replied")
@require_role(Role.STAFF)
def replied(contact_id: int):
    done = replies.mark_replied(db.session, contact_id, current_user) or abort(404)
    who = f"{done.name or 'the family'} ({done.email or done.phone})"
    if done.replied_by == current_user.email:
        flash(f"Recorded that you replied to {who}.", "success")
    else:
        flash(f"{done.replied_by or 'Someone'} had already recorded a reply to {who}.", "success")
    return redirect(url_for(".index"))

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from .. import clock
from ..config import ForgottenComments
from ..extensions import db
from ..models import Role
from ..services import respond, worklist
from .access import public, require_role

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for(".home"))
    return render_template("main/index.html", surveys=respond.surveys_to_offer(db.session))


@bp.get("/home")
@require_role(Role.STAFF)
def home():
    """Where staff land after signing in: what is waiting for them, each with a link to it."""
    return render_template("main/home.html", work=worklist.work(db.session, clock.today()))


@bp.get("/privacy")
@public
def privacy():
    """The privacy notice for families and young people: what is kept, why, for how long, and their
    rights. The periods are the ones the daily housekeeping and the retention commands use."""
    return render_template(
        "main/privacy.html",
        draft_days=respond.DRAFT_LIFETIME.days,
        response_years=current_app.config["RESPONSE_RETENTION_YEARS"],
        access_years=current_app.config["ACCESS_RETENTION_YEARS"],
        comments_deleted=current_app.config["FORGOTTEN_COMMENTS"] == ForgottenComments.DELETE,
        contact=current_app.config["PRIVACY_CONTACT"],
        asks_where=bool(current_app.config["DISTRICTS"]),
    )


@bp.get("/accessibility")
@public
def accessibility():
    """The accessibility statement a public sector website must publish: what people can expect, how the
    pages are tested, how to ask for another format, and where to complain."""
    return render_template("main/accessibility.html", contact=current_app.config["ACCESSIBILITY_CONTACT"])


@bp.get("/healthz")
@public
def healthz():
    """For a load balancer or a monitor: 200 when the service can reach its database, 503 when not. It is
    asked every few seconds, so a failure is logged in a line, not with its traceback each time."""
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError as error:
        db.session.rollback()
        current_app.logger.warning(
            "Health check: the database cannot be reached (%s)", type(error.orig).__name__
        )
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}

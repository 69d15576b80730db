"""Public "You said, we did" pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import EntryStatus, YouSaidWeDid
from .access import public

bp = Blueprint("published", __name__)


@bp.get("/you-said-we-did")
@public
def index():
    entries = db.session.scalars(
        select(YouSaidWeDid)
        .where(YouSaidWeDid.status == EntryStatus.PUBLISHED)
        .order_by(YouSaidWeDid.published_at.desc())
    ).all()
    return render_template("published/index.html", entries=entries)

"""The audit trail: who changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import MOST_EMAIL, UTCDateTime, utcnow


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Kept as text as well as an id so the trail still reads after a user is deleted.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(MOST_EMAIL))
    operation: Mapped[str] = mapped_column(sa.String(10))
    entity_type: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[int]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    __table_args__ = (
        sa.CheckConstraint("operation IN ('insert', 'update', 'delete')", name="operation"),
        sa.Index("ix_audit_event_entity", "entity_type", "entity_id"),
    )


class AccessEvent(Model):
    """Someone on the staff was shown a family's contact details: who, when, on which page, and whose, by
    the case or response they belong to (OWASP ASVS 8.3.5). The details themselves are never copied.

    Cases and responses are never deleted, only made anonymous, so their ids are never given to another
    family's row, as a deleted contact's could be; once their details are erased, the events stay with
    the anonymous case or response, until the daily housekeeping deletes them at the end of
    FEEDBACK_ACCESS_RETENTION_YEARS (by ``at``, hence its index)."""

    __tablename__ = "access_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(MOST_EMAIL))
    subject_type: Mapped[str] = mapped_column(sa.String(10))
    subject_id: Mapped[int]
    page: Mapped[str] = mapped_column(sa.String(60))  # the view's endpoint, such as cases.show

    __table_args__ = (
        sa.CheckConstraint("subject_type IN ('case', 'response')", name="subject_type"),
        sa.Index("ix_access_event_subject", "subject_type", "subject_id"),
    )

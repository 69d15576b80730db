"""Complaints, mediations, tribunal appeals, compliments and enquiries, and what was learned from them."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .plan import Area, Measure
from .theme import Theme
from .types import UTCDateTime, checked_enum, utcnow


class CaseKind(enum.Enum):
    COMPLAINT = "complaint"
    MEDIATION = "mediation"
    TRIBUNAL = "tribunal"
    COMPLIMENT = "compliment"
    ENQUIRY = "enquiry"

    @property
    def label(self) -> str:
        return {
            "complaint": "Complaint",
            "mediation": "Mediation",
            "tribunal": "Tribunal appeal",
            "compliment": "Compliment",
            "enquiry": "Enquiry",
        }[self.value]


class CaseOutcome(enum.Enum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"
    AGREEMENT_REACHED = "agreement_reached"
    NO_AGREEMENT = "no_agreement"
    CONCEDED = "conceded"
    WITHDRAWN = "withdrawn"
    DECIDED = "decided"
    RESPONDED = "responded"


OUTCOMES_BY_KIND: dict[CaseKind, frozenset[CaseOutcome]] = {
    CaseKind.COMPLAINT: frozenset(
        {CaseOutcome.UPHELD, CaseOutcome.PARTLY_UPHELD, CaseOutcome.NOT_UPHELD, CaseOutcome.WITHDRAWN}
    ),
    CaseKind.MEDIATION: frozenset(
        {CaseOutcome.AGREEMENT_REACHED, CaseOutcome.NO_AGREEMENT, CaseOutcome.WITHDRAWN}
    ),
    CaseKind.TRIBUNAL: frozenset({CaseOutcome.CONCEDED, CaseOutcome.WITHDRAWN, CaseOutcome.DECIDED}),
    CaseKind.COMPLIMENT: frozenset({CaseOutcome.RESPONDED}),
    CaseKind.ENQUIRY: frozenset({CaseOutcome.RESPONDED}),
}


def _outcome_fits_kind_sql() -> str:
    clauses = [
        f"(kind = '{kind.value}' AND outcome IN ({', '.join(sorted(repr(o.value) for o in outcomes))}))"
        for kind, outcomes in OUTCOMES_BY_KIND.items()
    ]
    return "outcome IS NULL OR " + " OR ".join(clauses)


case_theme = sa.Table(
    "case_theme",
    db.metadata,
    sa.Column("case_id", sa.ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)

case_area = sa.Table(
    "case_area",
    db.metadata,
    sa.Column("case_id", sa.ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("area.id", ondelete="CASCADE"), primary_key=True, index=True),
)

case_measure = sa.Table(
    "case_measure",
    db.metadata,
    sa.Column("case_id", sa.ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("measure_id", sa.ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Case(db.Model):
    # "case" is a reserved word in SQL.
    __tablename__ = "case_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(30), unique=True)
    kind: Mapped[CaseKind] = mapped_column(checked_enum(CaseKind, "case_kind"))
    received_on: Mapped[date]
    stage: Mapped[str] = mapped_column(sa.String(60), default="")
    due_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    outcome: Mapped[CaseOutcome | None] = mapped_column(checked_enum(CaseOutcome, "case_outcome"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    learning: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    themes: Mapped[list[Theme]] = relationship(secondary=case_theme)
    areas: Mapped[list[Area]] = relationship(secondary=case_area)
    measures: Mapped[list[Measure]] = relationship(secondary=case_measure)

    __table_args__ = (
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= received_on", name="closed_after_received"),
        sa.CheckConstraint("due_on IS NULL OR due_on >= received_on", name="due_after_received"),
        sa.CheckConstraint("closed_on IS NULL OR outcome IS NOT NULL", name="closed_has_outcome"),
        sa.CheckConstraint(_outcome_fits_kind_sql(), name="outcome_fits_kind"),
        sa.Index("ix_case_record_kind_received_on", "kind", "received_on"),
    )


class CaseContact(db.Model):
    """The family's personal details for a case, kept apart from the case so that exports leave them out
    and retention can anonymise them."""

    __tablename__ = "case_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_record.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    child_name: Mapped[str] = mapped_column(sa.String(200), default="")

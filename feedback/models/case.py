"""Complaints, mediations, tribunal appeals, compliments and enquiries, and what was learned from them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from .kinds import CaseKind
from .plan import Area, Measure
from .theme import Theme
from .types import MOST_EMAIL, UTCDateTime, ValueInWords, checked_enum, utcnow


class CaseOutcome(ValueInWords):
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


class StageName(enum.Enum):
    """The steps of each kind of case, in order."""

    STAGE_1 = "stage_1"
    STAGE_2 = "stage_2"
    OMBUDSMAN = "ombudsman"
    MEDIATION_REQUESTED = "mediation_requested"
    MEDIATION_HELD = "mediation_held"
    TRIBUNAL_REGISTERED = "tribunal_registered"
    TRIBUNAL_RESPONSE = "tribunal_response"
    TRIBUNAL_HEARING = "tribunal_hearing"
    ACKNOWLEDGED = "acknowledged"

    @property
    def label(self) -> str:
        return STAGE_RULES[self].label


@dataclass(frozen=True)
class StageRule:
    label: str
    # How long the area has to complete the stage once it starts: (number, "working" or "calendar" days).
    # None where the timing is someone else's (the Ombudsman, the tribunal's hearing date).
    allowed: tuple[int, str] | None


# Complaints: the corporate procedure's 20 working days at each stage. Mediation: held within 30 days of
# the request (SEND Regulations 2014, reg. 37). Tribunal: the authority's response within 30 working days
# of registration. Compliments and enquiries: acknowledged within 10 working days.
STAGE_RULES: dict[StageName, StageRule] = {
    StageName.STAGE_1: StageRule("Stage 1 response", (20, "working")),
    StageName.STAGE_2: StageRule("Stage 2 review", (20, "working")),
    StageName.OMBUDSMAN: StageRule("With the Ombudsman", None),
    StageName.MEDIATION_REQUESTED: StageRule(
        "Mediation requested: certificate or meeting arranged", (3, "working")
    ),
    StageName.MEDIATION_HELD: StageRule("Mediation held", (30, "calendar")),
    StageName.TRIBUNAL_REGISTERED: StageRule("Appeal registered", None),
    StageName.TRIBUNAL_RESPONSE: StageRule("Our response to the tribunal", (30, "working")),
    StageName.TRIBUNAL_HEARING: StageRule("Hearing", None),
    StageName.ACKNOWLEDGED: StageRule("Acknowledged", (10, "working")),
}

STAGES_BY_KIND: dict[CaseKind, tuple[StageName, ...]] = {
    CaseKind.COMPLAINT: (StageName.STAGE_1, StageName.STAGE_2, StageName.OMBUDSMAN),
    CaseKind.MEDIATION: (StageName.MEDIATION_REQUESTED, StageName.MEDIATION_HELD),
    CaseKind.TRIBUNAL: (
        StageName.TRIBUNAL_REGISTERED,
        StageName.TRIBUNAL_RESPONSE,
        StageName.TRIBUNAL_HEARING,
    ),
    CaseKind.COMPLIMENT: (StageName.ACKNOWLEDGED,),
    CaseKind.ENQUIRY: (StageName.ACKNOWLEDGED,),
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


class Case(Model):
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
    # When the retention period had passed and the family's details were deleted and the text redacted
    # (services/cases.py): each run of the retention job reads only cases not yet anonymised.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    themes: Mapped[list[Theme]] = relationship(secondary=case_theme)
    areas: Mapped[list[Area]] = relationship(secondary=case_area)
    measures: Mapped[list[Measure]] = relationship(secondary=case_measure)
    stages: Mapped[list[CaseStage]] = relationship(
        back_populates="case", order_by="CaseStage.started_on, CaseStage.id", cascade="all, delete-orphan"
    )
    contact: Mapped[CaseContact | None] = relationship(cascade="all, delete-orphan", uselist=False)

    __table_args__ = (
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= received_on", name="closed_after_received"),
        sa.CheckConstraint("due_on IS NULL OR due_on >= received_on", name="due_after_received"),
        sa.CheckConstraint("closed_on IS NULL OR outcome IS NOT NULL", name="closed_has_outcome"),
        sa.CheckConstraint(_outcome_fits_kind_sql(), name="outcome_fits_kind"),
        sa.Index("ix_case_record_kind_received_on", "kind", "received_on"),
    )


class CaseStage(Model):
    """One step of a case: when it started, when it was due (computed from STAGE_RULES in working days
    without bank holidays) and when it was done."""

    __tablename__ = "case_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    name: Mapped[StageName] = mapped_column(checked_enum(StageName, "stage_name"))
    started_on: Mapped[date]
    due_on: Mapped[date | None]
    completed_on: Mapped[date | None]

    case: Mapped[Case] = relationship(back_populates="stages")

    __table_args__ = (
        sa.UniqueConstraint("case_id", "name"),
        sa.CheckConstraint(
            "completed_on IS NULL OR completed_on >= started_on", name="completed_after_started"
        ),
        sa.CheckConstraint("due_on IS NULL OR due_on >= started_on", name="due_after_started"),
    )

    @property
    def on_time(self) -> bool | None:
        """Whether it was done by its due date; None while open or when nothing was due."""
        if self.completed_on is None or self.due_on is None:
            return None
        return self.completed_on <= self.due_on


class CaseContact(Model):
    """The family's personal details for a case, kept apart from the case so that exports leave them out
    and retention can anonymise them."""

    __tablename__ = "case_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_record.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(MOST_EMAIL), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    child_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # When these details were given, and again when they become someone else's (services/cases.py,
    # _same_person), so that the subject access export tells the person who was shown their details,
    # not who was shown the details of whoever was the case's contact before. None for details held
    # before this was kept.
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

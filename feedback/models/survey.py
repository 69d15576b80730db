"""Surveys, their variants and questions, and the tags that tie questions to the plan."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import Model, db
from .plan import Area, IStatement, Measure
from .types import UTCDateTime, ValueInWords, checked_enum, utcnow


class Audience(enum.Enum):
    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"
    PROFESSIONAL = "professional"

    @property
    def label(self) -> str:
        return {
            "parent_carer": "Parents and carers",
            "young_person": "Children and young people",
            "professional": "Professionals",
        }[self.value]


class SurveyStatus(ValueInWords):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class VariantKind(ValueInWords):
    STANDARD = "standard"
    YOUNG_PERSON = "young_person"
    EASY_READ = "easy_read"
    LANGUAGE = "language"


class QuestionKind(enum.Enum):
    AGREEMENT = "agreement"
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    RATING = "rating"
    NUMBER = "number"
    FREE_TEXT = "free_text"

    @property
    def label(self) -> str:
        """As the question form offers it."""
        return {
            "agreement": "Agreement scale (strongly agree to strongly disagree, and don't know)",
            "yes_no": "Yes or no",
            "single_choice": "One choice from a list",
            "multiple_choice": "Any number of choices from a list",
            "rating": "Rating from 1 to 5",
            "number": "A number",
            "free_text": "Free text",
        }[self.value]


class SurveyStateError(Exception):
    """A survey was asked to move to a state it cannot reach from where it is."""


question_measure = sa.Table(
    "question_measure",
    db.metadata,
    sa.Column("question_id", sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("measure_id", sa.ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True, index=True),
)

question_area = sa.Table(
    "question_area",
    db.metadata,
    sa.Column("question_id", sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("area.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# The longest title of a survey, and of each of its versions.
MOST_SURVEY_TITLE = 200


class Survey(Model):
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(MOST_SURVEY_TITLE))
    audience: Mapped[Audience] = mapped_column(checked_enum(Audience, "audience"))
    status: Mapped[SurveyStatus] = mapped_column(
        checked_enum(SurveyStatus, "survey_status"), default=SurveyStatus.DRAFT
    )
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When somebody last closed it (close()): families who began before then may still finish for a while.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymous: Mapped[bool] = mapped_column(default=True)
    consent_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A new random mark whenever the survey, its versions, questions or wordings change (_mark_revision),
    # so that a web process knows when the copy it keeps of the survey's shape is out of date. Random
    # rather than counted, so that two databases never share one by chance (tests build many).
    revision: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")

    variants: Mapped[list[SurveyVariant]] = relationship(
        back_populates="survey", order_by="SurveyVariant.id", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", order_by="Question.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="close_after_open"
        ),
    )

    def open(self) -> None:
        if self.status is SurveyStatus.OPEN:
            raise SurveyStateError("This survey is already open.")
        if not self.questions:
            raise SurveyStateError("Add at least one question before opening the survey.")
        self.status = SurveyStatus.OPEN
        self.closed_at = None

    def close(self) -> None:
        if self.status is not SurveyStatus.OPEN:
            raise SurveyStateError("Only an open survey can be closed.")
        self.status = SurveyStatus.CLOSED
        self.closed_at = utcnow()

    def ended_at(self, now: datetime) -> datetime | None:
        """When families stopped being able to begin it, if they have: closed by hand, or the end of its
        dates, whichever came first. None while it is open, a draft or not yet open, and for a survey
        closed before the time was kept."""
        ends = [self.closes_at] if self.closes_at is not None and self.closes_at <= now else []
        if self.status is SurveyStatus.CLOSED and self.closed_at is not None:
            ends.append(self.closed_at)
        return min(ends) if ends and self.status is not SurveyStatus.DRAFT else None

    def __repr__(self) -> str:
        return f"<Survey {self.slug}>"


class SurveyVariant(Model):
    """A version of a survey's wording for an audience or language: standard, young person, easy read."""

    __tablename__ = "survey_variant"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    kind: Mapped[VariantKind] = mapped_column(checked_enum(VariantKind, "variant_kind"))
    language: Mapped[str] = mapped_column(sa.String(10), default="en")
    title: Mapped[str] = mapped_column(sa.String(MOST_SURVEY_TITLE))

    survey: Mapped[Survey] = relationship(back_populates="variants")

    __table_args__ = (sa.UniqueConstraint("survey_id", "kind", "language"),)

    @property
    def slug(self) -> str:
        """How the address names this version: ?version=young-person, or a language code."""
        if self.kind is VariantKind.LANGUAGE:
            return self.language
        return self.kind.value.replace("_", "-")


class Question(Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    # A stable code that names the question in imports, exports and analysis ("heard").
    key: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(checked_enum(QuestionKind, "question_kind"))
    required: Mapped[bool] = mapped_column(default=False)
    # Choices for single and multiple choice questions, as [{"value": ..., "label": ...}].
    choices: Mapped[list | None] = mapped_column(sa.JSON)
    i_statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("i_statement.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship(back_populates="questions")
    wordings: Mapped[list[QuestionWording]] = relationship(
        back_populates="question", cascade="all, delete-orphan"
    )
    i_statement: Mapped[IStatement | None] = relationship()
    measures: Mapped[list[Measure]] = relationship(secondary=question_measure)
    areas: Mapped[list[Area]] = relationship(secondary=question_area)

    __table_args__ = (sa.UniqueConstraint("survey_id", "key"),)

    @property
    def choice_labels(self) -> list[str]:
        """The choices' words, in their places (an answer is kept as its choice's place)."""
        return [choice["label"] for choice in self.choices or []]

    def wording_for(self, variant: SurveyVariant) -> QuestionWording | None:
        by_variant = {w.variant_id: w for w in self.wordings}
        return by_variant.get(variant.id)


class QuestionWording(Model):
    __tablename__ = "question_wording"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_variant.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    hint: Mapped[str] = mapped_column(sa.Text, default="")

    question: Mapped[Question] = relationship(back_populates="wordings")
    variant: Mapped[SurveyVariant] = relationship()

    __table_args__ = (sa.UniqueConstraint("question_id", "variant_id"),)


def _survey_of(obj: object) -> Survey | None:
    if isinstance(obj, Survey):
        return obj
    if isinstance(obj, SurveyVariant | Question):
        return obj.survey
    if isinstance(obj, QuestionWording):
        return obj.question.survey if obj.question is not None else None
    return None


@event.listens_for(Session, "before_flush")
def _mark_revision(session: Session, flush_context: object, instances: object) -> None:
    """A change to what a family answers (the survey, a version, a question, a wording) moves the survey's
    revision mark in the same transaction, so no process can keep an old shape once the change commits.
    Tags to measures and areas are not part of the shape and leave it alone."""
    changed: set[Survey] = set()
    with session.no_autoflush:
        for obj in (*session.new, *session.deleted):
            survey = _survey_of(obj)
            if survey is not None:
                changed.add(survey)
        for obj in session.dirty:
            if session.is_modified(obj, include_collections=False):
                survey = _survey_of(obj)
                if survey is not None:
                    changed.add(survey)
    for survey in changed:
        if survey not in session.deleted:
            survey.revision = secrets.token_hex(8)

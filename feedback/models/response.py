"""Responses and answers, the contact details kept apart from them, and what the analyser found in text."""

from __future__ import annotations

import enum
import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from .survey import Question, Survey, SurveyVariant
from .theme import Theme
from .types import MOST_EMAIL, UTCDateTime, ValueInWords, checked_enum, utcnow
from .user import User


class Agreement(enum.Enum):
    STRONGLY_AGREE = "strongly_agree"
    AGREE = "agree"
    NEITHER = "neither"
    DISAGREE = "disagree"
    STRONGLY_DISAGREE = "strongly_disagree"
    DONT_KNOW = "dont_know"

    @property
    def label(self) -> str:
        return {
            "strongly_agree": "Strongly agree",
            "agree": "Agree",
            "neither": "Neither agree nor disagree",
            "disagree": "Disagree",
            "strongly_disagree": "Strongly disagree",
            "dont_know": "Don't know or not applicable",
        }[self.value]


class RespondentRole(ValueInWords):
    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"
    PROFESSIONAL = "professional"
    OTHER = "other"


class Channel(enum.Enum):
    WEB = "web"
    QR = "qr"
    WIDGET = "widget"
    PAPER = "paper"
    IMPORT = "import"


# The length of a response's idempotency key, in characters: its draft's token for one answered page by
# page, else one with a prefix (client-, widget-, paper-, import-), so that none can be taken for another.
KEY_LENGTH = 64


def key_pattern(prefix: str) -> re.Pattern[str]:
    """A key sent back or made by a client, with its ``prefix``: 16 or more letters, digits, - or _, as
    many as then fit the column, and nothing after them ("$" would let a line break through, and with it a
    key one character too long for the column)."""
    return re.compile(rf"^{re.escape(prefix)}[A-Za-z0-9_-]{{16,{KEY_LENGTH - len(prefix)}}}\Z")


class Response(Model):
    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_variant.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    respondent_role: Mapped[RespondentRole] = mapped_column(checked_enum(RespondentRole, "respondent_role"))
    channel: Mapped[Channel] = mapped_column(checked_enum(Channel, "channel"), default=Channel.WEB)
    # Optional profile, in the bands the area reports on; never enough to identify a child.
    area_of_need: Mapped[str | None] = mapped_column(sa.String(60))
    age_band: Mapped[str | None] = mapped_column(sa.String(20))
    school_phase: Mapped[str | None] = mapped_column(sa.String(30))
    district: Mapped[str | None] = mapped_column(sa.String(60))
    # Made by the client (or issued by the server with the form) so that a retried submit stores once.
    idempotency_key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    # When the retention period had passed and what could identify its author was forgotten
    # (services/data_protection.py): each run of the retention job reads only responses not yet forgotten.
    forgotten_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship()
    variant: Mapped[SurveyVariant | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "idempotency_key"),
        sa.Index("ix_response_survey_id_submitted_at", "survey_id", "submitted_at"),
        sa.Index("ix_response_submitted_at", "submitted_at"),
        # Those forgotten lately: the analyser recounts their months' tallies (services/tally.py) and
        # leaves their comments' old findings unwritten (services/themes.py).
        sa.Index(
            "ix_response_forgotten_at",
            "forgotten_at",
            sqlite_where=sa.text("forgotten_at IS NOT NULL"),
            postgresql_where=sa.text("forgotten_at IS NOT NULL"),
        ),
    )


class Answer(Model):
    """One answer; exactly one of its value columns is filled, by the question's kind."""

    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    agreement: Mapped[Agreement | None] = mapped_column(checked_enum(Agreement, "agreement"))
    number: Mapped[float | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
    choices: Mapped[list | None] = mapped_column(sa.JSON)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("response_id", "question_id"),
        # The analyser looks for comments it has not read among these; without it, among every answer.
        sa.Index(
            "ix_answer_id_with_text",
            "id",
            sqlite_where=sa.text("text IS NOT NULL"),
            postgresql_where=sa.text("text IS NOT NULL"),
        ),
        sa.CheckConstraint(
            "(CASE WHEN agreement IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN number IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN text IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN choices IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_value",
        ),
    )


class ResponseContact(Model):
    """Contact details a respondent gave because they asked for a reply; kept apart so they can be erased
    without touching the answers."""

    __tablename__ = "response_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(MOST_EMAIL), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The confirmation page promises a reply within a few working days (services/replies.py): who replied,
    # and when, is kept with the request.
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship()
    replied_by: Mapped[User | None] = relationship()


comment_theme = sa.Table(
    "comment_theme",
    db.metadata,
    sa.Column("answer_id", sa.ForeignKey("comment_analysis.answer_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
    # A theme's comments newest first (its quotes), read in order from the index instead of sorted.
    sa.Index("ix_comment_theme_theme_id_answer_id", "theme_id", "answer_id"),
)


class CommentAnalysis(Model):
    """Themes and sentiment of one free-text answer, computed once by the analyser."""

    __tablename__ = "comment_analysis"

    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True)
    polarity: Mapped[float]
    subjectivity: Mapped[float]
    # The comment's tokens and their lemmas, space-separated: an edited lexicon is matched again from
    # these without parsing the text again.
    tokens: Mapped[str] = mapped_column(sa.Text, default="")
    lemmas: Mapped[str] = mapped_column(sa.Text, default="")
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    themes: Mapped[list[Theme]] = relationship(secondary=comment_theme)

    __table_args__ = (
        sa.CheckConstraint("polarity BETWEEN -1 AND 1", name="polarity_range"),
        sa.CheckConstraint("subjectivity BETWEEN 0 AND 1", name="subjectivity_range"),
    )


class SurveyDraft(Model):
    """A survey in progress, saved page by page so that nothing a family typed is lost.

    The token is the resume link's secret and the submission's id: the response made from a draft takes
    it as its idempotency key, so a double tap, a refresh or a retry after a dropped signal stores one
    response. Once submitted, the answers are cleared from the draft; it only remembers which response it
    became, to show the same confirmation again.
    """

    __tablename__ = "survey_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_variant.id", ondelete="SET NULL"))
    channel: Mapped[Channel] = mapped_column(checked_enum(Channel, "draft_channel"), default=Channel.WEB)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    page: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("response.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship()
    variant: Mapped[SurveyVariant | None] = relationship()
    response: Mapped[Response | None] = relationship()

    __table_args__ = (sa.CheckConstraint("page >= 1", name="page_positive"),)

    @property
    def submitted(self) -> bool:
        return self.response_id is not None

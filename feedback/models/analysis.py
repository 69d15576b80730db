"""Analysis runs and the lease that lets only one analyser run at a time, whichever process asks."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .response import RespondentRole
from .types import UTCDateTime, checked_enum, utcnow


class RunStatus(enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AnalysisRun(Model):
    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[RunStatus] = mapped_column(
        checked_enum(RunStatus, "run_status"), default=RunStatus.RUNNING
    )
    trigger: Mapped[str] = mapped_column(sa.String(30), default="manual")
    readings_written: Mapped[int] = mapped_column(default=0)
    statuses_changed: Mapped[int] = mapped_column(default=0)
    comments_analysed: Mapped[int] = mapped_column(default=0)
    comments_rethemed: Mapped[int] = mapped_column(default=0)
    candidates_offered: Mapped[int] = mapped_column(default=0)
    # Where the next run starts from: the lexicon and the question tags it used, and the newest response
    # it counted. A run with a different lexicon or tags redoes that part in full.
    lexicon_version: Mapped[str] = mapped_column(sa.String(16), default="")
    tags_version: Mapped[str] = mapped_column(sa.String(16), default="")
    last_response_id: Mapped[int] = mapped_column(default=0)
    # The newest response in the answer tallies this run left; None for runs from before there were any.
    tallied_to: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class TallySplit(enum.Enum):
    """How an answer tally splits a question's answers besides by month: by month alone, or by one thing
    about the response (analysis.BREAKDOWNS: the month and quarter breakdowns read the month tallies)."""

    MONTH = "month"
    VERSION = "version"
    ROLE = "role"
    DISTRICT = "district"
    NEED = "need"


class AnswerTally(Model):
    """How many answers a counted question (agreement, yes/no) had with each value, by UK month and one
    split: kept by the analyser (services/tally.py) up to its run's ``tallied_to``, so that the results
    pages add only newer responses to them instead of counting every answer.

    One row a question, month, split, group and value. Forgetting a response clears its district and area
    of need, so the district and need rows of its month are counted again then. Only the column of the
    row's split is filled (none for a month tally); month is 'YYYY-MM' in UK time."""

    __tablename__ = "answer_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"))
    split: Mapped[TallySplit] = mapped_column(checked_enum(TallySplit, "tally_split"))
    month: Mapped[str] = mapped_column(sa.String(7))
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_variant.id", ondelete="SET NULL"))
    respondent_role: Mapped[RespondentRole | None] = mapped_column(
        checked_enum(RespondentRole, "respondent_role")
    )
    district: Mapped[str | None] = mapped_column(sa.String(60))
    area_of_need: Mapped[str | None] = mapped_column(sa.String(60))
    value: Mapped[str] = mapped_column(sa.String(20))
    count: Mapped[int]

    __table_args__ = (sa.Index("ix_answer_tally_question_id_split_month", "question_id", "split", "month"),)


class ThemeTally(Model):
    """How many analysed comments, and how many of them negative and positive (with their polarities'
    sum), each theme had in a UK month ('YYYY-MM'); theme_id None for every analysed comment, themed or
    not. Only the analyser writes comments' analyses and themes, and it adds those it writes here in the
    same transaction (services/themes.py; every month is counted again after the lexicon changes), so the
    themes and suggestions pages read these few rows instead of counting every comment's themes (2 to 3.5
    s at 500,000 responses)."""

    __tablename__ = "theme_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"))
    comments: Mapped[int]
    negative: Mapped[int]
    positive: Mapped[int]
    polarity_sum: Mapped[float]


class JobLease(Model):
    """Who holds a job until when. Taking it is one conditional UPDATE, so two schedulers, or a manual
    run beside one, never both run it."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

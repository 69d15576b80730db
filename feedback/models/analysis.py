"""Analysis runs and the lease that lets only one analyser run at a time, whichever process asks."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
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
    error: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class JobLease(Model):
    """Who holds a job until when. Taking it is one conditional UPDATE, so two schedulers, or a manual
    run beside one, never both run it."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

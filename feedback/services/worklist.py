"""What is waiting for staff, for the page they land on after signing in: families waiting for a reply,
cases with a stage overdue, entries waiting for a second person's approval, measures whose reported
status differs from the suggested one, and whether the analyser's last run failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ..database import DbSession
from ..models import AnalysisRun, EntryStatus, Measure, RunStatus, YouSaidWeDid
from . import cases, replies


@dataclass(frozen=True)
class Work:
    replies_waiting: int
    replies_overdue: int
    cases_open: int
    cases_overdue: int
    entries_in_review: int
    measures_suggested: int  # measures with a status the analyser suggests: none before its first run
    measures_differing: int
    last_run_at: datetime | None  # when the analyser's newest run finished; None if none has
    last_run_failed: bool

    @property
    def nothing(self) -> bool:
        return (
            not (
                self.replies_waiting
                or self.cases_overdue
                or self.entries_in_review
                or self.measures_differing
            )
            and not self.last_run_failed
        )


def work(session: DbSession, today: date) -> Work:
    newest = session.scalar(
        sa.select(AnalysisRun)
        .where(AnalysisRun.status != RunStatus.RUNNING)
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )
    suggested, differing = session.execute(
        sa.select(
            sa.func.count(Measure.suggested_status),
            sa.func.count().filter(
                Measure.reported_status.is_not(None), Measure.suggested_status != Measure.reported_status
            ),
        )
    ).one()
    return Work(
        replies_waiting=replies.waiting_count(session),
        replies_overdue=replies.overdue_count(session, today),
        cases_open=cases.count_cases(session, cases.CaseFilter(state="open"), today),
        cases_overdue=cases.count_cases(session, cases.CaseFilter(state="overdue"), today),
        entries_in_review=_count(session, YouSaidWeDid, YouSaidWeDid.status == EntryStatus.IN_REVIEW),
        measures_suggested=suggested,
        measures_differing=differing,
        last_run_at=newest.finished_at if newest is not None else None,
        last_run_failed=newest is not None and newest.status is RunStatus.FAILED,
    )


def _count(session: DbSession, model: type, condition: sa.ColumnElement[bool]) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(model).where(condition)).scalar_one()

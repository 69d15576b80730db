"""What is waiting for staff, for the page they land on after signing in: families waiting for a reply,
cases with a stage overdue, entries waiting for a second person's approval, actions in progress whose
lead has written no update this quarter, measures whose reported status differs from the suggested one,
and whether the analyser's last run failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from .. import clock
from ..database import DbSession
from ..models import Action, AnalysisRun, EntryStatus, Measure, Plan, RunStatus, YouSaidWeDid
from . import audit, cases, replies
from .report import NO_UPDATE_DUE, end_of_quarter_before, narratives_written, quarter_of


@dataclass(frozen=True)
class Work:
    replies_waiting: int
    replies_overdue: int
    cases_open: int
    cases_overdue: int
    entries_in_review: int
    quarter_started: date
    actions_in_progress: int
    actions_without_update: int  # in progress, with no narrative written since the quarter started
    only_plan_id: int | None  # the plan, when there is one: where its actions' updates are read
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
                or self.actions_without_update
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
    quarter_started = quarter_of(today)[0]
    in_progress = session.scalars(
        sa.select(Action.id).where(
            sa.or_(Action.progress_status.is_(None), Action.progress_status.not_in(NO_UPDATE_DUE))
        )
    ).all()
    # Whether a lead wrote an update this quarter is decided by the newest change to the narrative since
    # the quarter began: only that much of the trail is read.
    last_quarter_ended = clock.day_ends(end_of_quarter_before(today))
    this_quarter = audit.trail(session, "Action", list(in_progress), after=last_quarter_ended)
    updated = narratives_written(this_quarter, clock.day_ends(today))
    plans = session.scalars(sa.select(Plan.id).limit(2)).all()
    return Work(
        replies_waiting=replies.waiting_count(session),
        replies_overdue=replies.overdue_count(session, today),
        cases_open=cases.count_cases(session, cases.CaseFilter(state="open"), today),
        cases_overdue=cases.count_cases(session, cases.CaseFilter(state="overdue"), today),
        entries_in_review=_count(session, YouSaidWeDid, YouSaidWeDid.status == EntryStatus.IN_REVIEW),
        quarter_started=quarter_started,
        actions_in_progress=len(in_progress),
        actions_without_update=len(in_progress) - len(updated),
        only_plan_id=plans[0] if len(plans) == 1 else None,
        measures_suggested=suggested,
        measures_differing=differing,
        last_run_at=newest.finished_at if newest is not None else None,
        last_run_failed=newest is not None and newest.status is RunStatus.FAILED,
    )


def _count(session: DbSession, model: type, condition: sa.ColumnElement[bool]) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(model).where(condition)).scalar_one()

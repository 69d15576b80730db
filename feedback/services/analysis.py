"""The analysis run: survey-linked measures get monthly readings from their tagged questions, and every
measure with a baseline and a target gets the impact status its readings suggest.

Themes and sentiment of free text are not computed yet (see the analyser issue).
"""

from __future__ import annotations

import traceback
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..analysis.agreement import agreement_from_counts
from ..analysis.trajectory import Plan as Trajectory
from ..analysis.trajectory import suggested_status
from ..models import (
    AnalysisRun,
    Answer,
    DataSource,
    Direction,
    ImpactStatus,
    Measure,
    Question,
    QuestionKind,
    Reading,
    ReadingSource,
    Response,
    RunStatus,
)
from ..models.survey import question_measure
from ..models.types import utcnow


def survey_readings(session: Session, measure: Measure) -> pd.DataFrame:
    """Monthly % agree over every agreement question tagged to the measure, counted by the database:
    month, agree, n, percent, low, high."""
    submitted = Response.submitted_at
    if session.get_bind().dialect.name == "postgresql":
        month = sa.func.to_char(submitted, "YYYY-MM")
    else:
        month = sa.func.strftime("%Y-%m", submitted)
    rows = session.execute(
        sa.select(month.label("month"), Answer.agreement, sa.func.count().label("count"))
        .join(Answer, Answer.response_id == Response.id)
        .join(question_measure, question_measure.c.question_id == Answer.question_id)
        .join(Question, Question.id == Answer.question_id)
        .where(question_measure.c.measure_id == measure.id, Question.kind == QuestionKind.AGREEMENT)
        .group_by(month, Answer.agreement)
    ).all()
    counts = pd.DataFrame(
        [(m, a.value if a is not None else None, c) for m, a, c in rows],
        columns=["month", "agreement", "count"],
    )
    if counts.empty:
        return pd.DataFrame(columns=["month", "agree", "n", "percent", "low", "high"])
    table = agreement_from_counts(counts, ["month"])
    table["month"] = pd.PeriodIndex(table["month"], freq="M")
    return table


def _write_readings(session: Session, measure: Measure, table: pd.DataFrame) -> int:
    existing = {r.period_end: r for r in measure.readings if r.source is ReadingSource.ANALYSIS}
    written = 0
    for row in table.itertuples():
        start = row.month.start_time.date()
        end = row.month.end_time.date()
        reading = existing.get(end)
        value, n = round(float(row.percent), 1), int(row.n)
        if reading is None:
            measure.readings.append(
                Reading(
                    period_start=start,
                    period_end=end,
                    value=value,
                    n=n,
                    source=ReadingSource.ANALYSIS,
                    note="% agree from the survey",
                )
            )
            written += 1
        elif (reading.value, reading.n) != (value, n):
            reading.value, reading.n = value, n
            written += 1
    return written


def _suggest(measure: Measure, as_of: date) -> ImpactStatus | None:
    if None in (measure.baseline_value, measure.baseline_date, measure.target_value, measure.target_date):
        return None
    trajectory = Trajectory(
        baseline=(measure.baseline_date, measure.baseline_value),
        target=(measure.target_date, measure.target_value),
        milestones=[(m.due_date, m.value) for m in measure.milestones],
        increase_is_better=measure.direction is Direction.INCREASE,
    )
    readings = [(r.period_end, r.value) for r in measure.readings]
    return ImpactStatus(suggested_status(trajectory, readings, as_of))


def analyse(session: Session, as_of: date | None = None, trigger: str = "manual") -> int:
    """One run, recorded whatever happens; a failure rolls back its own changes and leaves earlier
    results as they were."""
    run = AnalysisRun(trigger=trigger, status=RunStatus.RUNNING)
    session.add(run)
    session.commit()
    as_of = as_of or date.today()
    try:
        measures = session.scalars(
            sa.select(Measure).options(selectinload(Measure.readings), selectinload(Measure.milestones))
        ).all()
        for measure in measures:
            if measure.data_source is DataSource.SURVEY:
                run.readings_written += _write_readings(session, measure, survey_readings(session, measure))
        session.flush()
        for measure in measures:
            suggestion = _suggest(measure, as_of)
            if suggestion is not measure.suggested_status:
                measure.suggested_status = suggestion
                run.statuses_changed += 1
        run.status = RunStatus.SUCCEEDED
        run.finished_at = utcnow()
        session.commit()
    except Exception:
        session.rollback()
        run = session.get(AnalysisRun, run.id)
        run.status = RunStatus.FAILED
        run.finished_at = utcnow()
        run.error = traceback.format_exc(limit=5)[-4000:]
        session.commit()
    return run.id

"""Keeping the plan: edits coordinators make through forms, readings they enter, and the page queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..database import DbSession
from ..models import (
    Action,
    Area,
    AuditEvent,
    Case,
    CaseKind,
    DataSource,
    Direction,
    ImpactStatus,
    Measure,
    Plan,
    ProgressStatus,
    Question,
    QuestionKind,
    Reading,
    ReadingSource,
    Survey,
    Unit,
    User,
    YouSaidWeDid,
)
from ..models.case import case_measure
from ..models.publication import entry_measure
from ..models.survey import question_measure
from . import analysis
from .audit import HistoryLine, describe, history_of, lives


class PlanError(ValueError):
    """A change that breaks a rule of the plan; the message is for the person who made it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def list_plans(session: DbSession) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.title)))


def load_plan(session: DbSession, plan_id: int) -> Plan | None:
    """A plan with everything its page shows, in a handful of queries whatever its size."""
    return session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(
            selectinload(Plan.areas).selectinload(Area.i_statements),
            selectinload(Plan.areas)
            .selectinload(Area.actions)
            .selectinload(Action.measures)
            .selectinload(Measure.readings),
        )
    )


def update_area(
    session: DbSession, area: Area, *, title: str, senior_responsible_officer: str, outcomes: str
) -> Area:
    area.title = title.strip()
    area.senior_responsible_officer = senior_responsible_officer.strip()
    area.outcomes = outcomes.strip()
    session.flush()
    return area


def update_action(
    session: DbSession,
    action: Action,
    *,
    description: str,
    lead: str,
    completion_date: date | None,
    progress_status: str,
    progress_narrative: str,
) -> Action:
    action.description = description.strip()
    action.lead = lead.strip()
    action.completion_date = completion_date
    action.progress_status = ProgressStatus(progress_status)
    action.progress_narrative = progress_narrative.strip()
    session.flush()
    return action


def update_measure(
    session: DbSession,
    measure: Measure,
    *,
    text: str,
    unit: str,
    direction: str,
    baseline_value: float | None,
    baseline_date: date | None,
    target_value: float | None,
    target_date: date | None,
    reported_status: str | None,
    reported_status_reason: str,
    readings_from: str | None = None,
    published: bool | None = None,
) -> Measure:
    """``readings_from``: "manual", "survey" or "cases:<kind>"; None leaves it as it is."""
    if target_date and baseline_date and target_date < baseline_date:
        raise PlanError("Target date must be the same as or after the baseline date", "target_date")
    measure.text = text.strip()
    measure.unit = Unit(unit)
    measure.direction = Direction(direction)
    measure.baseline_value = baseline_value
    measure.baseline_date = baseline_date
    measure.target_value = target_value
    measure.target_date = target_date
    measure.reported_status = ImpactStatus(reported_status) if reported_status else None
    measure.reported_status_reason = reported_status_reason.strip()
    if published is not None:
        measure.published = published
    if readings_from:
        source, _, kind = readings_from.partition(":")
        measure.data_source = DataSource(source)
        measure.case_kind = CaseKind(kind) if source == DataSource.CASES.value else None
        if source == DataSource.CASES.value and measure.unit is Unit.PERCENT:
            raise PlanError("A count of cases is a number, not a percentage: change the unit", "unit")
    session.flush()
    return measure


def add_reading(
    session: DbSession,
    measure: Measure,
    *,
    period_end: date,
    value: float,
    n: int | None,
    note: str,
    entered_by: User | None,
) -> Reading:
    duplicate = session.scalar(
        select(Reading.id).where(
            Reading.measure_id == measure.id,
            Reading.period_end == period_end,
            Reading.source == ReadingSource.MANUAL,
        )
    )
    if duplicate:
        raise PlanError("There is already a reading for the period ending on this date", "period_end")
    reading = Reading(
        measure=measure,
        period_end=period_end,
        value=value,
        n=n,
        note=note.strip(),
        source=ReadingSource.MANUAL,
        entered_by_id=entered_by.id if entered_by else None,
    )
    session.add(reading)
    session.flush()
    return reading


# The measure page's neighbours ------------------------------------------------------------------------


def tagged_question_results(session: DbSession, measure: Measure, quarters: int = 4) -> list[dict]:
    """For each survey question tagged to the measure, its % agree (or % yes) over the last ``quarters``
    quarters with answers: question, survey, yes_no, rows (group, agree, n, percent, low, high, change,
    significant)."""
    questions = session.scalars(
        select(Question).join(question_measure).where(question_measure.c.measure_id == measure.id)
    ).all()
    results = []
    for survey_id in sorted({q.survey_id for q in questions}):
        table = analysis.agreement_breakdown(session, survey_id, "quarter")
        for question in (q for q in questions if q.survey_id == survey_id):
            rows = table[table["question_id"] == question.id].tail(quarters).to_dict("records")
            wording = question.wordings[0].text if question.wordings else question.key
            yes_no = question.kind is QuestionKind.YES_NO
            results.append({"question": wording, "survey": question.survey, "rows": rows, "yes_no": yes_no})
    return results


def measure_history(session: DbSession, measure: Measure, limit: int = 50) -> list[HistoryLine]:
    """The newest changes to the measure, and to which survey questions count towards it, newest first."""
    lines = [describe(event) for event in history_of(session, measure, limit)]
    lines += _tagging_history(session, measure)
    return sorted(lines, key=lambda line: (line.at, line.event_id), reverse=True)[:limit]


def _tagging_history(session: DbSession, measure: Measure) -> list[HistoryLine]:
    """When each survey question started or stopped counting towards the measure. A question's audit events
    keep the ids of the measures it counts towards (services/audit.py); staff change them seldom, so reading
    every question's events is cheaper than a JSON query each database spells differently."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "Question").order_by(AuditEvent.id)
    ).all()
    titles: dict[int | None, str] = {
        id_: title for id_, title in session.execute(select(Survey.id, Survey.title))
    }
    current = {
        id_: (key, survey_id)
        for id_, key, survey_id in session.execute(select(Question.id, Question.key, Question.survey_id))
    }
    lines = []
    for life in lives(events):
        # What the question is called now, or was when it was removed: its delete event keeps every column.
        last = life[-1]
        if last.operation == "delete":
            removed = last.before or {}
            key, survey_id = removed.get("key"), removed.get("survey_id")
        else:
            key, survey_id = current.get(last.entity_id, ("?", None))
        question = f"question “{key}” of {titles.get(survey_id, 'a survey since deleted')}"
        for event in life:
            before = set((event.before or {}).get("measures") or [])
            after = set((event.after or {}).get("measures") or [])
            if (measure.id in before) != (measure.id in after):
                counts = "now counts" if measure.id in after else "no longer counts"
                lines.append(
                    HistoryLine(event.at, event.actor, f"{question} {counts} towards this measure", event.id)
                )
    return lines


def linked_cases(session: DbSession, measure: Measure, limit: int = 20) -> tuple[list[Case], int]:
    query = select(Case).join(case_measure).where(case_measure.c.measure_id == measure.id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return list(session.scalars(query.order_by(Case.received_on.desc()).limit(limit))), total


def linked_entries(session: DbSession, measure: Measure) -> list[YouSaidWeDid]:
    return list(
        session.scalars(
            select(YouSaidWeDid)
            .join(entry_measure)
            .where(entry_measure.c.measure_id == measure.id)
            .order_by(YouSaidWeDid.created_at.desc())
        )
    )

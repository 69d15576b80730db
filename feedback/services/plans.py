"""Keeping the plan: edits coordinators make through forms, readings they enter, and the page queries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
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
    """A plan with everything its page, its download and an import of its next update read, in a handful
    of queries whatever its size: read a measure at a time, a plan of 5,000 measures took 5,000 queries."""
    return _whole_plan(session, Plan.id == plan_id)


def plan_titled(session: DbSession, title: str) -> Plan | None:
    """The plan with this title, loaded as load_plan loads it: what an import updates."""
    return _whole_plan(session, Plan.title == title)


def _whole_plan(session: DbSession, which: ColumnElement[bool]) -> Plan | None:
    measures = selectinload(Plan.areas).selectinload(Area.actions).selectinload(Action.measures)
    return session.scalar(
        select(Plan)
        .where(which)
        .options(
            selectinload(Plan.areas).selectinload(Area.i_statements),
            measures.selectinload(Measure.readings),
            measures.selectinload(Measure.milestones),
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
    """``readings_from``: "manual", "survey" or "cases:<kind>"; None leaves it as it is. Refused, with
    nothing changed, if the unit is not the one its readings will come in, or is percent while a
    reading is outside 0 to 100: the same figures would then mean something else."""
    if target_date and baseline_date and target_date < baseline_date:
        raise PlanError("Target date must be the same as or after the baseline date", "target_date")
    source, case_kind = measure.data_source, measure.case_kind
    if readings_from:
        name, _, kind = readings_from.partition(":")
        source = DataSource(name)
        case_kind = CaseKind(kind) if source is DataSource.CASES else None
    measure_unit = Unit(unit)
    _check_unit(measure, measure_unit, source)
    measure.text = text.strip()
    measure.unit = measure_unit
    measure.direction = Direction(direction)
    measure.baseline_value = baseline_value
    measure.baseline_date = baseline_date
    measure.target_value = target_value
    measure.target_date = target_date
    measure.reported_status = ImpactStatus(reported_status) if reported_status else None
    measure.reported_status_reason = reported_status_reason.strip()
    if published is not None:
        measure.published = published
    measure.data_source, measure.case_kind = source, case_kind
    measure.suggested_status = analysis.suggest(measure)  # in the same audit event as the edit
    session.flush()
    return measure


UNIT_OF_SOURCE = {
    DataSource.SURVEY: "Readings from survey questions are a percentage agreeing: choose percent as the unit",
    DataSource.CASES: "Readings from cases are a number of cases: choose count as the unit",
}


def unit_against_source(unit: Unit, source: DataSource) -> str:
    """What is wrong with ``unit`` for readings from ``source``; empty if nothing is. A measure saved before
    the rule may still break it: its page says so until a coordinator chooses the unit."""
    return "" if source.fits(unit) else UNIT_OF_SOURCE[source]


def _check_unit(measure: Measure, unit: Unit, source: DataSource) -> None:
    if wrong := unit_against_source(unit, source):
        raise PlanError(wrong, "unit")
    if unit is Unit.PERCENT and (outside := outside_a_percentage(measure)):
        raise PlanError(f"{outside[0].upper()}{outside[1:]}, so it cannot be a percentage", "unit")


def outside_a_percentage(measure: Measure) -> str:
    """What the measure's readings say against its being a percentage; empty if nothing does."""
    outside = [reading for reading in measure.readings if not Unit.PERCENT.holds(reading.value)]
    if not outside:
        return ""
    first = f"{outside[0].value:g} for the period ending {outside[0].period_end:%-d %B %Y}"
    if len(outside) == 1:
        return f"a reading of this measure ({first}) is outside 0 to 100"
    return f"{len(outside)} readings of this measure (the first: {first}) are outside 0 to 100"


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
    _refuse_a_second_reading(session, measure, period_end)
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
    _suggest_again(session, measure)
    return reading


def change_reading(
    session: DbSession, reading: Reading, *, period_end: date, value: float, n: int | None, note: str
) -> Reading:
    """Correct a reading staff entered. The audit trail keeps what it was and who changed it."""
    _refuse_a_second_reading(session, reading.measure, period_end, other_than=reading)
    reading.period_end, reading.value, reading.n, reading.note = period_end, value, n, note.strip()
    _suggest_again(session, reading.measure)
    return reading


def remove_reading(session: DbSession, reading: Reading) -> None:
    """Remove a reading staff entered by mistake; the audit trail keeps it."""
    measure = reading.measure
    session.delete(reading)
    _suggest_again(session, measure)


def _suggest_again(session: DbSession, measure: Measure) -> None:
    """The status the measure's figures now suggest, at once: the page, the BRAG report and the warning
    that the reported status differs follow the edit just made, not the analyser's next run."""
    session.flush()
    session.expire(measure, ["readings"])  # a reading removed or moved is out of order or still there
    measure.suggested_status = analysis.suggest(measure)
    session.flush()


def entered_by_staff(reading: Reading) -> bool:
    """Whether staff may change or remove the reading: the analyser writes its own and the case counts
    again at every run, so only those staff entered are theirs to correct."""
    return reading.source is ReadingSource.MANUAL


def _refuse_a_second_reading(
    session: DbSession, measure: Measure, period_end: date, other_than: Reading | None = None
) -> None:
    query = select(Reading.id).where(
        Reading.measure_id == measure.id,
        Reading.period_end == period_end,
        Reading.source == ReadingSource.MANUAL,
    )
    if other_than is not None:
        query = query.where(Reading.id != other_than.id)
    if session.scalar(query) is not None:
        raise PlanError("There is already a reading for the period ending on this date", "period_end")


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
        of_survey = [q for q in questions if q.survey_id == survey_id]
        table = analysis.agreement_breakdown(session, survey_id, "quarter", [q.id for q in of_survey])
        for question in of_survey:
            rows = table[table["question_id"] == question.id].tail(quarters).to_dict("records")
            wording = question.wordings[0].text if question.wordings else question.key
            yes_no = question.kind is QuestionKind.YES_NO
            results.append({"question": wording, "survey": question.survey, "rows": rows, "yes_no": yes_no})
    return results


# What a measure's history says of being published; its statuses, direction and source are said as their
# types say them (audit.said_by_type).
_MEASURE_NAMES: dict[str, Mapping[Any, str]] = {
    "published": {False: "not published", True: "published as open data"},
}


def measure_change(event: AuditEvent) -> HistoryLine:
    """An event of a measure itself in words, as its history says it: "added the measure", or each field
    changed."""
    return describe(event, "" if event.operation == "update" else "the measure", _MEASURE_NAMES)


def measure_history(session: DbSession, measure: Measure, limit: int = 50) -> list[HistoryLine]:
    """The newest changes to the measure, to the readings staff entered, and to which survey questions
    count towards it, newest first."""
    lines = [measure_change(event) for event in history_of(session, measure, limit)]
    lines += _reading_history(session, measure)
    lines += _tagging_history(session, measure)
    return sorted(lines, key=lambda line: (line.at, line.event_id), reverse=True)[:limit]


# The readings people gave, on the measure's page or in an imported plan; the analyser writes its own and
# the case counts again at every run.
_GIVEN = {ReadingSource.MANUAL, ReadingSource.IMPORT}


def _reading_history(session: DbSession, measure: Measure) -> list[HistoryLine]:
    """When staff added, changed or removed a reading of the measure, on its page or by importing the plan
    again: what a board was shown, and who corrected it. The analyser's readings are left out. A removed
    reading is found by its delete event, which keeps every column; readings are removed seldom, so
    reading every such event is cheaper than a JSON query each database spells differently."""

    given_sources = {source.value for source in _GIVEN}  # as an audit event keeps them

    def given(values: dict | None) -> bool:
        values = values or {}
        return values.get("measure_id") == measure.id and values.get("source") in given_sources

    current = {reading.id for reading in measure.readings if reading.source in _GIVEN}  # loaded by the page
    removed = {
        event.entity_id
        for event in session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "Reading", AuditEvent.operation == "delete")
        )
        if given(event.before)
    }
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "Reading", AuditEvent.entity_id.in_(current | removed))
        .order_by(AuditEvent.id)
    ).all()
    lines = []
    for life in lives(events):
        # Every column is in an insert's after and a delete's before; an update keeps only what changed.
        whole = next(
            (e.after if e.operation == "insert" else e.before for e in life if e.operation != "update"), None
        )
        if not (given(whole) if whole is not None else life[-1].entity_id in current):
            continue  # another row that had the same id (SQLite gives a deleted row's id again)
        period_end = (whole or {}).get("period_end")
        for event in life:
            if event.operation == "update" and period_end is None:
                period_end = (event.before or {}).get("period_end")
            named = f" for the period ending {date.fromisoformat(period_end):%-d %B %Y}" if period_end else ""
            lines.append(describe(event, f"reading{named}"))
            period_end = (event.after or {}).get("period_end", period_end)
    return lines


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

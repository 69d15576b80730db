"""The quarterly progress report for a board: one section an area, with each action's progress status and
the lead's narrative as they stood at the report's date, the evidence of the quarter (readings), and the
impact measures with their statuses, each beside the status it had at the end of the quarter before, so
that a board sees what has moved since its last report.

The narrative and status "as they stood" come from the audit trail, which keeps every change: the
current values, with every later change undone. So a report for last quarter, run today, says what
last quarter's report said, however often the lead has written since.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

import pandas as pd

from .. import clock
from ..analysis.summary import area_label, quantitative_summary
from ..database import DbSession
from ..models import Action, AuditEvent, ImpactStatus, Measure, Plan, ProgressStatus, Reading
from . import audit
from .spreadsheet import inert

Status = TypeVar("Status", ProgressStatus, ImpactStatus)
# Actions whose lead is not expected to write an update: complete, or not due yet.
NO_UPDATE_DUE = (ProgressStatus.BLUE, ProgressStatus.GREY, ProgressStatus.PINK)


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter holding ``day``: its first and last dates."""
    quarter = pd.Period(day, freq="Q")
    return quarter.start_time.date(), quarter.end_time.date()


def end_of_quarter_before(day: date) -> date:
    """The last day of the quarter before the one holding ``day``: what a report compares with."""
    return quarter_of(day)[0] - timedelta(days=1)


@dataclass
class Past:
    """What ``as_they_were`` found: for each entity changed since the moment, the values of the changed
    columns as they were then (columns absent were not changed since); and which entities were created
    since."""

    values: dict[int, dict] = field(default_factory=dict)
    created: set[int] = field(default_factory=set)

    def of(self, entity_id: int) -> dict:
        return self.values.get(entity_id, {})


def as_they_were(events: list[AuditEvent], *moments: datetime) -> list[Past]:
    """The entities of ``events`` (a trail, newest first, reaching back past the earliest of ``moments``) as
    they were at each of ``moments``. An entity created since a moment (a plan imported after the fact) gets
    the values it was created with, the oldest there are."""
    pasts = [Past() for _ in moments]
    for event in events:
        for moment, past in zip(moments, pasts, strict=True):
            if event.at <= moment:
                continue
            if event.operation == "insert":
                past.values[event.entity_id] = dict(event.after or {})
                past.created.add(event.entity_id)
            elif event.operation == "update":
                past.values.setdefault(event.entity_id, {}).update(event.before or {})
    return pasts


def narratives_written(events: list[AuditEvent], moment: datetime) -> dict[int, datetime]:
    """When each action's progress narrative, as it stood at ``moment``, was written, from its trail
    ``events`` (newest first): the newest change to it up to then, or the import that brought it. Actions
    with none in ``events`` are absent."""
    written: dict[int, datetime] = {}
    settled: set[int] = set()
    for event in events:
        if event.at > moment or event.operation == "delete":
            continue
        if event.entity_id in settled or "progress_narrative" not in (event.after or {}):
            continue
        settled.add(event.entity_id)  # the newest change to it: written then, or emptied
        if (event.after or {})["progress_narrative"]:
            written[event.entity_id] = event.at
    return written


@dataclass
class ActionLine:
    action: Action
    status: ProgressStatus | None
    narrative: str
    written_on: date | None = None  # the day, in the UK, the narrative was written
    updated: bool = False  # a narrative was written in the report's quarter
    before: ProgressStatus | None = None  # at the end of the quarter before
    new: bool = False  # created since the end of the quarter before: there is no "before"

    @property
    def changed(self) -> bool:
        return not self.new and self.before != self.status


@dataclass
class MeasureLine:
    measure: Measure
    latest: Reading | None
    evidence: list[Reading]
    suggested: ImpactStatus | None
    reported: ImpactStatus | None
    reason: str
    before: ImpactStatus | None = None  # the reported status, or else the suggested one, a quarter before
    new: bool = False

    @property
    def status(self) -> ImpactStatus | None:
        """What the report counts: the status the lead reported, or else the one the analyser suggests."""
        return self.reported or self.suggested

    @property
    def changed(self) -> bool:
        return not self.new and self.before != self.status


@dataclass
class AreaSection:
    reference: str
    title: str
    actions: list[ActionLine] = field(default_factory=list)
    measures: list[MeasureLine] = field(default_factory=list)


@dataclass
class Report:
    plan: Plan
    as_of: date
    quarter: tuple[date, date]
    areas: list[AreaSection]
    summary: list[dict]

    @property
    def previous(self) -> date:
        """The end of the quarter before the report's: what "before" is measured against."""
        return end_of_quarter_before(self.as_of)

    def leads_without_update(self) -> list[tuple[str, list[str]]]:
        """The leads of actions in progress with no narrative written in the report's quarter, each with
        those actions' references: whom a coordinator chases before the board meets."""
        leads: dict[str, list[str]] = {}
        for section in self.areas:
            for line in section.actions:
                if line.status in NO_UPDATE_DUE:
                    continue
                if line.updated:
                    continue
                leads.setdefault(line.action.lead, []).append(line.action.reference)
        return sorted(leads.items(), key=lambda lead: (not lead[0], lead[0]))

    def moved(self, kind: str) -> tuple[int, int]:
        """How many actions (``kind`` "actions") or measures changed status since the quarter before, and
        how many were added since."""
        lines: list[ActionLine | MeasureLine] = [
            line for s in self.areas for line in (s.actions if kind == "actions" else s.measures)
        ]
        return sum(line.changed for line in lines), sum(line.new for line in lines)


def progress_report(session: DbSession, plan: Plan, as_of: date) -> Report:
    """The report at the end of ``as_of``: statuses and narratives as they stood then, readings up to then
    and the quarter's readings as its evidence."""
    moment = clock.day_ends(as_of)
    start, end = quarter_of(as_of)
    actions = [a for area in plan.areas for a in area.actions]
    measures = [m for a in actions for m in a.measures]
    before = clock.day_ends(end_of_quarter_before(as_of))
    action_trail = audit.trail(session, "Action", [a.id for a in actions])  # all of it, for the narratives
    written = narratives_written(action_trail, moment)
    action_past, action_before = as_they_were(action_trail, moment, before)
    measure_trail = audit.trail(session, "Measure", [m.id for m in measures], after=before)
    measure_past, measure_before = as_they_were(measure_trail, moment, before)
    sections = []
    for area in plan.areas:
        section = AreaSection(area.reference, area.title)
        for action in area.actions:
            past, then = action_past.of(action.id), action_before.of(action.id)
            narrative = past.get("progress_narrative", action.progress_narrative) or ""
            written_on = clock.in_uk(written[action.id]).date() if action.id in written else None
            section.actions.append(
                ActionLine(
                    action=action,
                    status=_status(ProgressStatus, past.get("progress_status", action.progress_status)),
                    narrative=narrative,
                    written_on=written_on,
                    updated=bool(narrative) and written_on is not None and written_on >= start,
                    before=_status(ProgressStatus, then.get("progress_status", action.progress_status)),
                    new=action.id in action_before.created,
                )
            )
            for measure in action.measures:
                mpast = measure_past.of(measure.id)
                suggested, reported = _impacts(mpast, measure)
                suggested_then, reported_then = _impacts(measure_before.of(measure.id), measure)
                readings = [r for r in measure.readings if r.period_end <= as_of]
                section.measures.append(
                    MeasureLine(
                        measure=measure,
                        latest=readings[-1] if readings else None,
                        evidence=[r for r in readings if start <= r.period_end <= end],
                        suggested=suggested,
                        reported=reported,
                        reason=mpast.get("reported_status_reason", measure.reported_status_reason) or "",
                        before=reported_then or suggested_then,
                        new=measure.id in measure_before.created,
                    )
                )
        sections.append(section)
    return Report(plan, as_of, (start, end), sections, _summary(plan, sections))


def _impacts(past: dict, measure: Measure) -> tuple[ImpactStatus | None, ImpactStatus | None]:
    """The suggested and the reported status of ``measure`` as ``past`` has them, or else as they are."""
    return (
        _status(ImpactStatus, past.get("suggested_status", measure.suggested_status)),
        _status(ImpactStatus, past.get("reported_status", measure.reported_status)),
    )


def _status(kind: type[Status], value) -> Status | None:
    """``value`` as a status of ``kind``: the audit trail keeps a status as its value."""
    if value is None or isinstance(value, kind):
        return value
    return kind(value)


def _summary(plan: Plan, sections: list[AreaSection]) -> list[dict]:
    """The quantitative summary with the statuses of the report's date."""
    items = []
    for section in sections:
        label = area_label(section.reference, section.title)
        items += [(label, "action", line.status.value if line.status else None) for line in section.actions]
        items += [(label, "measure", line.status.value if line.status else None) for line in section.measures]
    return quantitative_summary(pd.DataFrame(items, columns=["area", "kind", "status"])).to_dict("records")


def _before(line: ActionLine | MeasureLine) -> str:
    """A line's status at the end of the quarter before, for the workbook."""
    if line.new:
        return "added since"
    return line.before.value if line.before else ""


def report_workbook(report: Report) -> bytes:
    """The report as an XLSX workbook: actions, measures and the summary, a sheet each."""
    actions = pd.DataFrame(
        [
            {
                "Area": section.reference,
                "Action": line.action.reference,
                "Description": line.action.description,
                "Lead": line.action.lead,
                "Due": line.action.completion_date,
                "Progress (BRAG)": line.status.value if line.status else "",
                f"Progress at {report.previous:%-d %b %Y}": _before(line),
                "Progress narrative": line.narrative,
                # In the quarter, or before it: last quarter's words are no update of this one's.
                "Narrative written": line.written_on,
            }
            for section in report.areas
            for line in section.actions
        ]
    )
    measures = pd.DataFrame(
        [
            {
                "Area": section.reference,
                "Measure": f"{line.measure.action.reference}/{line.measure.reference}",
                "Text": line.measure.text,
                "Baseline": line.measure.baseline_value,
                "Target": line.measure.target_value,
                "Latest value": line.latest.value if line.latest else None,
                "Latest n": line.latest.n if line.latest else None,
                "Latest period end": line.latest.period_end if line.latest else None,
                "Readings this quarter": len(line.evidence),
                "Suggested impact": line.suggested.value if line.suggested else "",
                "Reported impact": line.reported.value if line.reported else "",
                f"Impact at {report.previous:%-d %b %Y}": _before(line),
                "Reason": line.reason,
            }
            for section in report.areas
            for line in section.measures
        ]
    )
    summary = pd.DataFrame(report.summary)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        # Text that begins like a formula is written as text: openpyxl writes "=..." as a formula.
        actions.map(inert).to_excel(writer, sheet_name="Actions", index=False)
        measures.map(inert).to_excel(writer, sheet_name="Measures", index=False)
        summary.map(inert).to_excel(writer, sheet_name="Summary", index=False)
    return buffer.getvalue()

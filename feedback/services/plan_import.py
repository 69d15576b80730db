"""Importing a plan from the documented CSV or XLSX template: everything or nothing.

One row per measure, carrying its area, I statement and action, and the latest figure the plan gives for
it, which is kept as the measure's reading (see examples/plan-template.csv and docs in the README). Every
bad row is reported with its row number, column and reason before anything is written; importing the same
file again updates the plan in place, matched by plan title and references.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import inspect

from ..database import DbSession
from ..extensions import Base
from ..models import (
    MOST_NARRATIVE,
    MOST_READING_N,
    MOST_REFERENCE,
    Action,
    Area,
    CaseKind,
    DataSource,
    Direction,
    ImpactStatus,
    IStatement,
    Measure,
    Milestone,
    Plan,
    PlanKind,
    ProgressStatus,
    Reading,
    ReadingSource,
    Unit,
)
from . import analysis
from .plans import outside_a_percentage, plan_titled
from .spreadsheet import as_written
from .text import strip_control_characters

COLUMNS = [
    "plan",
    "plan_kind",
    "local_area",
    "area_ref",
    "area_title",
    "area_sro",
    "area_outcomes",
    "i_statement",
    "action_ref",
    "action_description",
    "action_lead",
    "action_completion_date",
    "action_progress_status",
    "action_progress_narrative",
    "measure_ref",
    "measure_text",
    "measure_unit",
    "measure_direction",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "milestones",
    "measure_data_source",
    "measure_reported_status",
    "measure_status_reason",
    "latest_value",
    "latest_date",
    "latest_n",
    "latest_note",
]
MEASURE_COLUMNS = COLUMNS[COLUMNS.index("measure_ref") :]  # a row with any of these filled in has a measure
REQUIRED = ["plan", "plan_kind", "area_ref", "area_title", "action_ref", "action_description"]
REFERENCE = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")
MAX_ROWS = 5000  # under the header, in a plan or in a Microsoft Forms export
# What an .xlsx file (a zip of XML parts) may unpack to. A workbook of MAX_ROWS full rows unpacks to a few
# megabytes; an upload of 10 MB (config.py) could unpack to gigabytes, all read into memory.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
PERCENTAGE = "must be between 0 and 100 for a percentage"
UNIT_OF_SOURCE = {
    DataSource.SURVEY: "must be percent for readings from survey questions",
    DataSource.CASES: "must be count for a count of cases",
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return (
            f"row {self.row}, column {self.column}: {self.reason}"
            if self.row
            else f"{self.column}: {self.reason}"
        )


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported")
        self.errors = errors


KINDS = ("areas", "actions", "measures", "readings")  # what an import counts, new and changed


@dataclass
class ImportResult:
    plan: Plan
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    changed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))


@dataclass(frozen=True)
class LatestRow:
    """The newest figure the plan gives for a measure, kept as the measure's imported reading."""

    period_end: date
    value: float
    n: int | None
    note: str


@dataclass
class MeasureRow:
    ref: str
    text: str
    unit: Unit
    direction: Direction
    baseline_value: float | None
    baseline_date: date | None
    target_value: float | None
    target_date: date | None
    milestones: list[tuple[date, float]]
    data_source: DataSource
    case_kind: CaseKind | None
    reported_status: ImpactStatus | None
    status_reason: str
    latest: LatestRow | None
    row: int  # the file's row it was read from


@dataclass
class ActionRow:
    ref: str
    description: str
    lead: str
    completion_date: date | None
    progress_status: ProgressStatus
    i_statement: str
    narrative: str  # the lead's progress update; empty leaves the action's as it is
    measures: list[MeasureRow] = field(default_factory=list)


@dataclass
class AreaRow:
    ref: str
    title: str
    sro: str
    outcomes: str
    i_statements: list[str] = field(default_factory=list)
    actions: dict[str, ActionRow] = field(default_factory=dict)


def read_table(path: Path) -> pd.DataFrame:
    """The rows of a CSV or .xlsx file under its header, every cell as the text it shows; or raise
    ImportFailed saying why the file cannot be read. Reading stops one row past MAX_ROWS: a file with a
    million rows (a sheet formatted to its last row, say) is refused in a moment, not after reading them."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = _read_csv(path)
        elif suffix in (".xlsx", ".xlsm"):
            _check_unpacked_size(path)
            frame = pd.read_excel(
                path, dtype=str, keep_default_na=False, engine="openpyxl", nrows=MAX_ROWS + 1
            )
        else:
            raise ImportFailed([RowError(0, "file", "must be a .csv or .xlsx file")])
    except ImportFailed:
        raise
    except FileNotFoundError:
        raise ImportFailed([RowError(0, "file", f"{path} does not exist")]) from None
    except (zipfile.BadZipFile, KeyError):  # not the zip of XML parts that an .xlsx workbook is
        message = "is not an Excel workbook that can be opened: save it from Excel again as .xlsx, or as CSV"
        raise ImportFailed([RowError(0, "file", message)]) from None
    except UnicodeDecodeError:
        message = 'is not text that can be read: save it from Excel as "CSV UTF-8", or as .xlsx'
        raise ImportFailed([RowError(0, "file", message)]) from None
    except (ValueError, OSError, pd.errors.ParserError) as error:
        raise ImportFailed(
            [RowError(0, "file", f"could not be read as {suffix[1:].upper()}: {error}")]
        ) from None
    if len(frame) > MAX_ROWS:
        message = f"has more than {MAX_ROWS} rows: split it into files of {MAX_ROWS} or fewer"
        raise ImportFailed([RowError(0, "file", message)])
    frame.columns = [strip_control_characters(str(column)).strip().lower() for column in frame.columns]
    return frame.map(
        lambda value: as_written(strip_control_characters(value).strip()) if isinstance(value, str) else value
    )


def _check_unpacked_size(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than MAX_UNPACKED_BYTES, before any is unpacked. The
    sizes are the ones the zip declares; Python's zipfile unpacks no more of a part than its declared size."""
    with zipfile.ZipFile(path) as workbook:
        unpacked = sum(part.file_size for part in workbook.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        message = (
            f"unpacks to {unpacked / 2**20:,.0f} MB, more than the {MAX_UNPACKED_BYTES // 2**20} MB a "
            "workbook may: save only the sheet to import, or save it as CSV"
        )
        raise ImportFailed([RowError(0, "file", message)])


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file in UTF-8 or, failing that, in Windows-1252: Excel on Windows saves "CSV (Comma
    delimited)" in that, where a curly apostrophe or a pound sign is not UTF-8."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", nrows=MAX_ROWS + 1)
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252", nrows=MAX_ROWS + 1)


def _parse_date(text: str) -> date:
    text = text.removesuffix(" 00:00:00")
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (only the date is kept)
        except ValueError:
            continue
    raise ValueError("must be a date like 2024-03-31 or 31/03/2024")


def _parse_number(text: str) -> float:
    try:
        value = float(text.replace(",", "").removesuffix("%"))
    except ValueError:
        raise ValueError("must be a number, like 35 or 12.5") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("must be a number, like 35 or 12.5")
    return value


def _parse_n(text: str) -> int:
    """A reading's n: a whole number of answers or cases, which an INTEGER column holds."""
    try:
        value = float(text.replace(",", ""))  # a spreadsheet may hand a whole number over as 86.0
    except ValueError:
        raise ValueError("must be a whole number, like 86") from None
    if not value.is_integer() or not 0 <= value <= MOST_READING_N:
        raise ValueError(f"must be a whole number from 0 to {MOST_READING_N:,}, like 86")
    return int(value)


def _one_of(enum_class):
    """A parser for a cell naming one of ``enum_class``'s values, in any case and with spaces for _."""

    def parse(text: str):
        try:
            return enum_class(text.lower().replace(" ", "_"))
        except ValueError:
            allowed = ", ".join(member.value for member in enum_class)
            raise ValueError(f"must be one of: {allowed}") from None

    return parse


@dataclass
class _Line:
    """One row of the file, read and checked: the plan, area and action it names, and its measure."""

    plan: dict
    area: AreaRow
    action: ActionRow
    measure: MeasureRow | None


def parse(frame: pd.DataFrame) -> tuple[dict, dict[str, AreaRow]]:
    """Check every row and build the plan's tree, or raise with every problem found."""
    frame = _with_template_columns(frame)
    errors: list[RowError] = []
    plan_info: dict = {}
    areas: dict[str, AreaRow] = {}
    seen_measures: dict[tuple[str, str], int] = {}
    for index, record in enumerate(frame.to_dict("records")):
        row = index + 2  # the header is row 1, as a spreadsheet shows it
        line, row_errors = _read_line(record, row, plan_info.get("title"), seen_measures)
        if line is None:
            errors.extend(row_errors)
            continue
        plan_info = plan_info or line.plan
        error = _place(areas, line, row)
        if error is not None:
            errors.append(error)
    if errors:
        raise ImportFailed(errors)
    return plan_info, areas


def _with_template_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every column of the template, the optional ones empty where the file has none; or
    raise if a required column is missing, a column is unknown, or there are no rows or too many."""
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise ImportFailed(
            [RowError(1, column, "this column is missing from the header row") for column in missing]
        )
    unknown = [column for column in frame.columns if column not in COLUMNS]
    if unknown:
        raise ImportFailed([RowError(1, column, "is not a column of the template") for column in unknown])
    if frame.empty:
        raise ImportFailed([RowError(0, "file", "has no rows under the header")])
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame


def _read_line(
    record: dict, row: int, plan_title: str | None, seen_measures: dict[tuple[str, str], int]
) -> tuple[_Line | None, list[RowError]]:
    """One row read and checked on its own, and against the plan's title and the measures seen so far:
    the line, or None and every problem found in it."""
    reader = _RowReader(record, row)
    get, row_errors = reader.get, reader.errors
    title = get("plan", required=True)
    kind = get("plan_kind", _one_of(PlanKind), required=True)
    area_ref = get("area_ref", required=True)
    area_title = get("area_title", required=True)
    action_ref = get("action_ref", required=True)
    description = get("action_description", required=True)
    completion = get("action_completion_date", _parse_date)
    progress = get("action_progress_status", _one_of(ProgressStatus))

    for column, value in (("area_ref", area_ref), ("action_ref", action_ref)):
        if value and not REFERENCE.match(value):
            row_errors.append(RowError(row, column, "must be a reference like 2 or 2.1.1"))
    if area_ref and action_ref and REFERENCE.match(action_ref) and not action_ref.startswith(area_ref + "."):
        row_errors.append(RowError(row, "action_ref", f"must start with its area's reference {area_ref}."))
    if title and plan_title and title != plan_title:
        row_errors.append(RowError(row, "plan", f"differs from row 2 ({plan_title}); one plan per file"))
    for column, limit in (
        ("area_ref", MOST_REFERENCE),
        ("action_ref", MOST_REFERENCE),
        ("plan", 200),
        ("area_title", 300),
        ("area_sro", 200),
        ("action_lead", 200),
        ("i_statement", 500),
        ("local_area", 120),
        ("action_progress_narrative", MOST_NARRATIVE),
    ):
        if len(record[column]) > limit:
            row_errors.append(RowError(row, column, f"must be {limit:,} characters or fewer"))
    has_measure = any(record[column] for column in MEASURE_COLUMNS)
    measure = _read_measure(reader, action_ref or "", seen_measures) if has_measure else None
    if row_errors:
        return None, row_errors
    return (
        _Line(
            plan={"title": title, "kind": kind, "local_area": get("local_area") or ""},
            area=AreaRow(area_ref, area_title, record["area_sro"], record["area_outcomes"]),
            action=ActionRow(
                action_ref,
                description,
                record["action_lead"],
                completion,
                progress or ProgressStatus.GREY,
                record["i_statement"],
                record["action_progress_narrative"],
            ),
            measure=measure,
        ),
        [],
    )


def _read_measure(
    reader: _RowReader, action_ref: str, seen_measures: dict[tuple[str, str], int]
) -> MeasureRow:
    """The row's measure; what is wrong with it goes to the reader's errors, and the row is then dropped.
    Notes where each measure of an action is first seen, so that a second row for it is refused."""
    get, row, row_errors = reader.get, reader.row, reader.errors
    measure_ref = get("measure_ref", required=True)
    if measure_ref and not REFERENCE.match(measure_ref):
        row_errors.append(RowError(row, "measure_ref", "must be a reference like 1 or 1a"))
    if len(measure_ref or "") > MOST_REFERENCE:
        row_errors.append(RowError(row, "measure_ref", f"must be {MOST_REFERENCE} characters or fewer"))
    text = get("measure_text", required=True)
    unit = get("measure_unit", _one_of(Unit)) or Unit.PERCENT
    direction = get("measure_direction", _one_of(Direction), required=True)
    baseline_value = get("baseline_value", _parse_number)
    baseline_date = get("baseline_date", _parse_date)
    target_value = get("target_value", _parse_number)
    target_date = get("target_date", _parse_date)
    milestones = get("milestones", _parse_milestones) or []
    source, case_kind = get("measure_data_source", _reading_source) or (DataSource.MANUAL, None)
    reported = get("measure_reported_status", _one_of(ImpactStatus))
    for column, value in (("baseline_value", baseline_value), ("target_value", target_value)):
        if value is not None and not unit.holds(value):
            row_errors.append(RowError(row, column, PERCENTAGE))
    if not all(unit.holds(value) for _, value in milestones):
        row_errors.append(RowError(row, "milestones", f"each {PERCENTAGE}"))
    if not source.fits(unit):
        row_errors.append(RowError(row, "measure_unit", UNIT_OF_SOURCE[source]))
    if baseline_date and target_date and target_date < baseline_date:
        row_errors.append(RowError(row, "target_date", "must not be before baseline_date"))
    key = (action_ref, measure_ref or "")
    if measure_ref and key in seen_measures:
        row_errors.append(
            RowError(
                row,
                "measure_ref",
                f"measure {measure_ref} of action {action_ref} is already on row {seen_measures[key]}",
            )
        )
    seen_measures.setdefault(key, row)
    if text and len(text) > 2000:
        row_errors.append(RowError(row, "measure_text", "must be 2,000 characters or fewer"))
    latest = _read_latest(reader, unit)
    return MeasureRow(
        measure_ref,
        text,
        unit,
        direction,
        baseline_value,
        baseline_date,
        target_value,
        target_date,
        milestones,
        source,
        case_kind,
        reported,
        reader.record["measure_status_reason"],
        latest,
        row,
    )


def _read_latest(reader: _RowReader, unit: Unit) -> LatestRow | None:
    """The measure's latest figure, if the row gives one: its value and date both, n and a note if known.
    What is wrong with it goes to the reader's errors."""
    if not any(reader.record[column] for column in COLUMNS if column.startswith("latest_")):
        return None
    value = reader.get("latest_value", _parse_number, required=True)
    period_end = reader.get("latest_date", _parse_date, required=True)
    n = reader.get("latest_n", _parse_n)
    note = reader.record["latest_note"]
    if value is not None and not unit.holds(value):
        reader.errors.append(RowError(reader.row, "latest_value", PERCENTAGE))
    if len(note) > 2000:
        reader.errors.append(RowError(reader.row, "latest_note", "must be 2,000 characters or fewer"))
    if value is None or period_end is None:
        return None
    return LatestRow(period_end, value, n, note)


def _place(areas: dict[str, AreaRow], line: _Line, row: int) -> RowError | None:
    """Put the line's measure under its action and area, the first row naming each making it; an area or
    action whose title or description differs from its first row's is refused. An action's narrative may
    be on any one of its rows (a merged cell leaves the others empty), or repeated, but not differ."""
    area = areas.setdefault(line.area.ref, line.area)
    if area.title != line.area.title:
        return RowError(row, "area_title", f"differs from an earlier row for area {area.ref}")
    statement = line.action.i_statement
    if statement and statement not in area.i_statements:
        area.i_statements.append(statement)
    action = area.actions.setdefault(line.action.ref, line.action)
    if action.description != line.action.description:
        return RowError(row, "action_description", f"differs from an earlier row for action {action.ref}")
    if line.action.narrative and action.narrative not in ("", line.action.narrative):
        return RowError(
            row, "action_progress_narrative", f"differs from an earlier row for action {action.ref}"
        )
    action.narrative = action.narrative or line.action.narrative
    if line.measure:
        action.measures.append(line.measure)
    return None


class _RowReader:
    """Reads one row's cells, collecting a RowError for each empty required cell or unparseable value."""

    def __init__(self, record: dict, row: int):
        self.record = record
        self.row = row
        self.errors: list[RowError] = []

    def get(self, column: str, parser=None, required: bool = False):
        text = self.record[column]
        if not text:
            if required:
                self.errors.append(RowError(self.row, column, "is empty"))
            return None
        if parser is None:
            return text
        try:
            return parser(text)
        except ValueError as error:
            self.errors.append(RowError(self.row, column, str(error)))
            return None


def _reading_source(text: str) -> tuple[DataSource, CaseKind | None]:
    """``manual``, ``survey``, ``cases``, or ``cases:tribunal``: the cases of one kind received in the last
    12 months, counted each month (as the measure's page offers)."""
    source, colon, kind = (part.strip() for part in text.lower().partition(":"))
    if not colon and source in {member.value for member in DataSource}:
        return DataSource(source), None
    if source == DataSource.CASES.value and kind in {member.value for member in CaseKind}:
        return DataSource.CASES, CaseKind(kind)
    kinds = ", ".join(member.value for member in CaseKind)
    raise ValueError(f"must be manual, survey, cases, or cases: and one of {kinds}, as in cases:tribunal")


def _parse_milestones(text: str) -> list[tuple[date, float]]:
    """``2022-09-30=177; 2023-06-30=125``"""
    milestones = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        when, sep, value = part.partition("=")
        if not sep:
            raise ValueError("must be like 2022-09-30=177; 2023-06-30=125")
        milestones.append((_parse_date(when.strip()), _parse_number(value.strip())))
    if len({when for when, _ in milestones}) != len(milestones):
        raise ValueError("has two milestones on the same date")
    return sorted(milestones)


def import_plan(session: DbSession, path: Path) -> ImportResult:
    plan_info, areas = parse(read_table(path))
    return apply(session, plan_info, areas)


def apply(session: DbSession, plan_info: dict, areas: dict[str, AreaRow]) -> ImportResult:
    """Make the plan titled in ``plan_info`` say what the file's ``areas`` say, creating what is new and
    counting what changed. ImportFailed if only the plan as it is shows a row wrong: readings that no
    percentage could be, under a measure the file now gives as one."""
    # The whole plan is read here, in a handful of queries, and compared in memory. Read a measure at a
    # time, each read flushing the changes before it, re-importing a plan of 5,000 measures took 10 s.
    plan = plan_titled(session, plan_info["title"])
    if plan is None:
        plan = Plan(title=plan_info["title"], kind=plan_info["kind"], local_area=plan_info["local_area"])
        session.add(plan)
    else:
        plan.kind = plan_info["kind"]
        plan.local_area = plan_info["local_area"] or plan.local_area
    result = ImportResult(plan)
    errors: list[RowError] = []
    existing = {area.reference: area for area in plan.areas}
    for position, row in enumerate(areas.values()):
        area = existing.get(row.ref)
        if area is None:
            area = Area(plan=plan, reference=row.ref)
            session.add(area)
        area.position = position
        _apply_area(session, area, row, result, errors)
    if errors:
        raise ImportFailed(errors)  # the caller rolls back what was changed before
    session.flush()
    return result


def _apply_area(
    session: DbSession, area: Area, row: AreaRow, result: ImportResult, errors: list[RowError]
) -> None:
    area.title = row.title
    area.senior_responsible_officer = row.sro or area.senior_responsible_officer or ""
    area.outcomes = row.outcomes or area.outcomes or ""
    statements = {statement.text: statement for statement in area.i_statements}
    new_statements = [text for text in dict.fromkeys(row.i_statements) if text not in statements]
    for text in new_statements:
        statements[text] = IStatement(area=area, text=text)
        session.add(statements[text])
    _count(result, "areas", area, also_changed=bool(new_statements))
    existing = {action.reference: action for action in area.actions}
    for position, action_row in enumerate(row.actions.values()):
        action = existing.get(action_row.ref)
        if action is None:
            action = Action(area=area, reference=action_row.ref)
            session.add(action)
        action.position = position
        action.i_statement = statements.get(action_row.i_statement)
        _apply_action(session, action, action_row, result, errors)


def _apply_action(
    session: DbSession, action: Action, row: ActionRow, result: ImportResult, errors: list[RowError]
) -> None:
    action.description = row.description
    action.lead = row.lead
    action.completion_date = row.completion_date
    action.progress_status = row.progress_status
    if row.narrative:  # a file without one, or an older file, keeps what leads wrote
        action.progress_narrative = row.narrative
    _count(result, "actions", action)
    existing = {measure.reference: measure for measure in action.measures}
    for position, measure_row in enumerate(row.measures):
        measure = existing.get(measure_row.ref)
        if measure is None:
            measure = Measure(action=action, reference=measure_row.ref)
            session.add(measure)
        elif measure_row.unit is Unit.PERCENT and (outside := outside_a_percentage(measure)):
            errors.append(RowError(measure_row.row, "measure_unit", f"cannot be percent: {outside}"))
        measure.position = position
        _apply_measure(measure, measure_row, result)


def _apply_measure(measure: Measure, row: MeasureRow, result: ImportResult) -> None:
    measure.text = row.text
    measure.unit = row.unit
    measure.direction = row.direction
    measure.baseline_value = row.baseline_value
    measure.baseline_date = row.baseline_date
    measure.target_value = row.target_value
    measure.target_date = row.target_date
    measure.data_source = row.data_source
    if row.data_source is not DataSource.CASES:
        measure.case_kind = None
    elif row.case_kind is not None:  # plain "cases" keeps the kind chosen on the measure's page
        measure.case_kind = row.case_kind
    measure.reported_status = row.reported_status
    measure.reported_status_reason = row.status_reason
    milestones_changed = _sync_milestones(measure, row.milestones)
    _count(result, "measures", measure, also_changed=milestones_changed)
    if row.latest is not None:
        _count(result, "readings", _keep_latest(measure, row.latest))
    # What a new baseline, target or milestone suggests, at once and in the same audit event.
    measure.suggested_status = analysis.suggest(measure)


def _sync_milestones(measure: Measure, milestones: list[tuple[date, float]]) -> bool:
    """Make the measure's milestones the file's; whether any was added, dropped or given another value."""
    wanted = dict(milestones)
    changed = False
    for milestone in list(measure.milestones):
        if milestone.due_date not in wanted:
            measure.milestones.remove(milestone)
            changed = True
        else:
            value = wanted.pop(milestone.due_date)
            changed = changed or milestone.value != value
            milestone.value = value
    for due_date, value in wanted.items():
        measure.milestones.append(Milestone(due_date=due_date, value=value))
    return changed or bool(wanted)


def _keep_latest(measure: Measure, latest: LatestRow) -> Reading:
    """Keep the plan's latest figure as the measure's imported reading on its date, and return it.
    Importing the same date again corrects that reading; a later date adds the next one, and the readings
    of earlier imports stay, so that importing each update of a plan builds the measure's history."""
    reading = next(
        (
            reading
            for reading in measure.readings
            if reading.source is ReadingSource.IMPORT and reading.period_end == latest.period_end
        ),
        None,
    )
    if reading is None:
        reading = Reading(source=ReadingSource.IMPORT, period_end=latest.period_end)
        measure.readings.append(reading)
    reading.value, reading.n, reading.note = latest.value, latest.n, latest.note
    return reading


def _count(result: ImportResult, kind: str, row: Base, also_changed: bool = False) -> None:
    """Count a row the file gave as created, as changed if the file changed it (a value of its own or a row
    it names, such as an action's I statement, or ``also_changed``: what belongs to it), or not at all.
    An unchanged row is not counted, so that a file imported twice says the second time that nothing
    changed, as the audit trail does."""
    state = inspect(row)
    if not state.persistent:
        result.created[kind] += 1
        return
    assert state.session is not None  # a persistent row is in a session
    if also_changed or state.session.is_modified(row, include_collections=False):
        result.changed[kind] += 1


# The plan in the template ---------------------------------------------------------------------------------


def template_rows(plan: Plan) -> list[dict[str, str]]:
    """The plan in the template's columns, a row a measure and a row for each action without one, with
    each measure's newest imported figure: what a coordinator downloads to write the next update in.
    Imported again unchanged, it changes nothing. I statements no action names are not in it. Written out
    with spreadsheet.csv_bytes, whose apostrophes before formulas the import takes off (read_table)."""
    rows = []
    for area in plan.areas:
        for action in area.actions:
            common = {
                "plan": plan.title,
                "plan_kind": plan.kind.value,
                "local_area": plan.local_area,
                "area_ref": area.reference,
                "area_title": area.title,
                "area_sro": area.senior_responsible_officer,
                "area_outcomes": area.outcomes,
                "i_statement": action.i_statement.text if action.i_statement else "",
                "action_ref": action.reference,
                "action_description": action.description,
                "action_lead": action.lead,
                "action_completion_date": _date_cell(action.completion_date),
                "action_progress_status": action.progress_status.value,
                "action_progress_narrative": action.progress_narrative,
            }
            measures: list[Measure | None] = [*action.measures] or [None]
            for measure in measures:
                cells = {**common, **(_measure_cells(measure) if measure else {})}
                rows.append({column: cells.get(column, "") for column in COLUMNS})
    return rows


def _measure_cells(measure: Measure) -> dict[str, str]:
    source = measure.data_source.value
    if measure.data_source is DataSource.CASES and measure.case_kind is not None:
        source = f"{source}:{measure.case_kind.value}"
    imported = [reading for reading in measure.readings if reading.source is ReadingSource.IMPORT]
    latest = max(imported, key=lambda reading: reading.period_end) if imported else None
    milestones = (f"{m.due_date.isoformat()}={_number_cell(m.value)}" for m in measure.milestones)
    return {
        "measure_ref": measure.reference,
        "measure_text": measure.text,
        "measure_unit": measure.unit.value,
        "measure_direction": measure.direction.value,
        "baseline_value": _number_cell(measure.baseline_value),
        "baseline_date": _date_cell(measure.baseline_date),
        "target_value": _number_cell(measure.target_value),
        "target_date": _date_cell(measure.target_date),
        "milestones": "; ".join(milestones),
        "measure_data_source": source,
        "measure_reported_status": measure.reported_status.value if measure.reported_status else "",
        "measure_status_reason": measure.reported_status_reason,
        "latest_value": _number_cell(latest.value) if latest else "",
        "latest_date": _date_cell(latest.period_end) if latest else "",
        "latest_n": str(latest.n) if latest and latest.n is not None else "",
        "latest_note": latest.note if latest else "",
    }


def _number_cell(value: float | None) -> str:
    """153 as 153 and 71.4 as 71.4, as a person would type them: never 153.0, nor 1.2e+06."""
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def _date_cell(value: date | None) -> str:
    return value.isoformat() if value else ""

"""Importing responses from a Microsoft Forms export (CSV or XLSX): everything or nothing.

Microsoft Forms exports one row per response: ID, Start time, Completion time, Email, Name, then a column
per question headed with the question's text. Columns are matched to questions by that text (any
variant's wording) or by the question's short name, and a mapping can name others. Email and Name are
never imported: responses stay anonymous. The form's ID makes the import idempotent, so the same
export imported twice stores each response once.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select

from .. import clock
from ..database import DbSession
from ..models import KEY_LENGTH, Agreement, Answer, Channel, Question, QuestionKind, Response, Survey
from .plan_import import ImportFailed, RowError, read_table
from .respond import role_for_audience
from .text import folded

ID_COLUMN = "id"
TIME_COLUMNS = ("completion time", "completion_time", "submitted at", "submitted_at")
IGNORED = {"start time", "email", "name", "last modified time"}
AGREEMENT_WORDS = {
    "strongly agree": Agreement.STRONGLY_AGREE,
    "agree": Agreement.AGREE,
    "neither agree nor disagree": Agreement.NEITHER,
    "neither": Agreement.NEITHER,
    "neutral": Agreement.NEITHER,
    "disagree": Agreement.DISAGREE,
    "strongly disagree": Agreement.STRONGLY_DISAGREE,
    "don't know": Agreement.DONT_KNOW,
    "dont know": Agreement.DONT_KNOW,
    "don't know or not applicable": Agreement.DONT_KNOW,
    "not applicable": Agreement.DONT_KNOW,
    "n/a": Agreement.DONT_KNOW,
}


@dataclass
class ResponseImportResult:
    created: int = 0
    already_imported: int = 0
    columns: dict[str, str] = field(default_factory=dict)


def _normalise(text: object) -> str:
    return folded(str(text))  # a header or cell may be a number


def match_columns(
    survey: Survey, headers: list[str], mapping: dict[str, str]
) -> tuple[dict[str, Question], list[RowError]]:
    by_key = {q.key: q for q in survey.questions}
    by_text: dict[str, Question] = {}
    for question in survey.questions:
        for wording in question.wordings:
            by_text.setdefault(_normalise(wording.text), question)
    errors = [
        RowError(1, column, f"is mapped to {key}, which is not a question of this survey")
        for column, key in mapping.items()
        if key not in by_key
    ]
    errors += [
        RowError(1, column, "is in the mapping but not in the file")
        for column in mapping
        if column not in headers
    ]
    matched: dict[str, Question] = {}
    for header in headers:
        normal = _normalise(header)
        if header in mapping:
            found = by_key.get(mapping[header])
        else:
            found = by_key.get(normal) or by_text.get(normal)
        if found is not None:
            if found in matched.values():
                errors.append(RowError(1, header, f"is a second column for question {found.key}"))
            matched[header] = found
    if not matched and not errors:
        errors.append(RowError(1, "header", "no column matches a question of this survey; give a mapping"))
    return matched, errors


def _value(question: Question, text: str):
    kind = question.kind
    if kind is QuestionKind.AGREEMENT:
        value = AGREEMENT_WORDS.get(_normalise(text))
        if value is None:
            raise ValueError(
                "must be Strongly agree, Agree, Neither agree nor disagree, Disagree, "
                "Strongly disagree or Don't know"
            )
        return {"agreement": value}
    if kind is QuestionKind.YES_NO:
        if _normalise(text) not in ("yes", "no"):
            raise ValueError("must be Yes or No")
        return {"text": _normalise(text)}
    if kind in (QuestionKind.NUMBER, QuestionKind.RATING):
        try:
            number = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(number):  # "nan", "inf" and "1e999" are floats to Python, not answers
            raise ValueError("must be a number")
        if kind is QuestionKind.RATING and not 1 <= number <= 5:
            raise ValueError("must be a rating from 1 to 5")
        return {"number": number}
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        labels = {_normalise(c["label"]): c["value"] for c in question.choices or []}
        picked = [part for part in (p.strip() for p in text.split(";")) if part]
        unknown = [p for p in picked if _normalise(p) not in labels]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not one of the question's choices")
        values = [labels[_normalise(p)] for p in picked]
        if kind is QuestionKind.SINGLE_CHOICE:
            if len(values) != 1:
                raise ValueError("must be exactly one choice")
            return {"text": values[0]}
        return {"choices": values}
    if len(text) > 5000:
        raise ValueError("must be 5,000 characters or fewer")
    return {"text": text}


# A date written with slashes, as Excel shows one: 30/09/2022 14:05 in the UK, 9/30/2022 2:05 PM in the US.
SLASHED = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2}),? (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp][Mm]))?$"
)
DAY_FIRST, MONTH_FIRST = "day", "month"


@dataclass(frozen=True)
class DateOrder:
    """Which way round a file writes its slashed dates (DAY_FIRST or MONTH_FIRST), and the row that
    shows it; both None when no row does."""

    first: str | None = None
    shown_by: int | None = None


def date_order(times: list[tuple[int, str]]) -> DateOrder:
    """The order of the file's slashed dates, from the first (row, text) that can be read only one way:
    whichever of the first two numbers is above 12 is the day. One file is one computer's export, so every
    date in it is the same way round, and 3/4/2022 is read the way that row shows."""
    for row, text in times:
        found = SLASHED.match(text.strip())
        if found:
            first, second = int(found[1]), int(found[2])
            if first > 12 >= second:
                return DateOrder(DAY_FIRST, row)
            if second > 12 >= first:
                return DateOrder(MONTH_FIRST, row)
    return DateOrder()


def _parse_time(text: str, order: DateOrder = DateOrder()) -> datetime:
    """A time as the export writes it, on the UK clock of whoever exported or typed it: no offset is
    written. When no row of the file shows which way round its slashed dates are, a two-digit year is
    Microsoft Forms' own (9/30/22 14:05:00, month first) and a four-digit one is Excel's in the UK
    (30/09/2022 14:05, day first)."""
    text = text.strip()
    found = SLASHED.match(text)
    if not found:
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=clock.UK)
            except ValueError:
                continue
        raise ValueError("must be a date and time like 30/09/2022 14:05 or 2022-09-30 14:05:00")
    first, second, year, hour, minute, seconds, half = found.groups()
    day_first = order.first == DAY_FIRST if order.first else len(year) == 4
    day, month = (first, second) if day_first else (second, first)
    try:
        day_of_year = date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day))
    except ValueError:
        if order.shown_by is None:
            raise ValueError(f"{text!r} is not a date") from None
        raise ValueError(
            f"{text!r} is not a date with the {order.first} first, as row {order.shown_by} "
            "writes its date: every date in one file must be the same way round"
        ) from None
    hours, minutes, secs = int(hour), int(minute), int(seconds or 0)
    if (half and not 1 <= hours <= 12) or hours > 23 or minutes > 59 or secs > 59:
        raise ValueError(f"{text!r} is not a time of day")
    if half:  # 2:05 PM
        hours = hours % 12 + (12 if half.lower() == "pm" else 0)
    return datetime.combine(day_of_year, time(hours, minutes, secs), tzinfo=clock.UK)


def import_responses(
    session: DbSession, survey: Survey, path: Path, mapping: dict[str, str] | None = None
) -> ResponseImportResult:
    """Add the responses of a Microsoft Forms export at ``path`` to ``survey``, its columns matched to the
    questions by their text or short name, or by ``mapping`` (a header to a question's key). Rows whose
    ID was imported before are counted and left alone. ImportFailed names every bad column and row, and
    then nothing is added."""
    frame = read_table(path)
    headers = list(frame.columns)
    mapping = {_normalise(k): v for k, v in (mapping or {}).items()}
    matched, errors = match_columns(survey, headers, mapping)
    if ID_COLUMN not in headers:
        errors.append(
            RowError(1, "ID", "the export's ID column is missing; it keeps a second import from duplicating")
        )
    if errors:
        raise ImportFailed(errors)
    time_column = next((c for c in TIME_COLUMNS if c in headers), None)
    existing = set(
        session.scalars(
            select(Response.idempotency_key).where(
                Response.survey_id == survey.id, Response.channel == Channel.IMPORT
            )
        )
    )
    role = role_for_audience(survey.audience)
    records = frame.to_dict("records")
    reading = _Rows(
        matched,
        time_column,
        date_order(
            [(index + 2, str(record[time_column])) for index, record in enumerate(records)]
            if time_column
            else []
        ),
    )
    result = ResponseImportResult(columns={column: q.key for column, q in matched.items()})
    pending: list[Response] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        row = index + 2  # as a spreadsheet numbers it, below the header
        source_id = str(record[ID_COLUMN]).strip()
        if not source_id:
            errors.append(RowError(row, "ID", "is empty"))
            continue
        if source_id in seen:
            errors.append(RowError(row, "ID", f"repeats row {seen[source_id]}"))
            continue
        seen[source_id] = row
        key = import_key(source_id)
        submitted, answers = reading.read(row, record, errors)  # checked even if imported before
        if key in existing or legacy_import_key(survey.slug, source_id) in existing:
            result.already_imported += 1
            continue
        pending.append(
            Response(
                survey=survey,
                submitted_at=submitted,
                respondent_role=role,
                channel=Channel.IMPORT,
                idempotency_key=key,
                answers=answers,
            )
        )
    if errors:
        raise ImportFailed(errors)
    session.add_all(pending)
    session.flush()
    result.created = len(pending)
    return result


@dataclass(frozen=True)
class _Rows:
    """How to read an export's row: the columns matched to the survey's questions, and the column that
    says when each response was completed, with the export's order of day and month."""

    matched: dict[str, Question]
    time_column: str | None
    order: DateOrder

    def read(self, row: int, record: dict, errors: list[RowError]) -> tuple[datetime, list[Answer]]:
        """When the response on row ``row`` was completed (now, if the export does not say), and its
        answers; what is wrong with them goes to ``errors``."""
        submitted = datetime.now(UTC)
        if self.time_column and record[self.time_column]:
            try:
                submitted = _parse_time(str(record[self.time_column]), self.order)
            except ValueError as error:
                errors.append(RowError(row, self.time_column, str(error)))
        answers = []
        for column, question in self.matched.items():
            text = str(record[column]).strip()
            if not text:
                continue
            try:
                answers.append(Answer(question=question, **_value(question, text)))
            except ValueError as error:
                errors.append(RowError(row, column, str(error)))
        return submitted, answers


def import_key(source_id: str) -> str:
    """The idempotency key of an export's row: ``import-`` and the row's ID, or a digest of an ID too long
    for the column. Keys are unique within a survey, so the survey need not be in it: a draft survey's
    address may change, and an export imported again after that is still recognised."""
    key = f"import-{source_id}"
    if len(key) <= KEY_LENGTH:
        return key
    return "import-" + hashlib.sha256(source_id.encode()).hexdigest()[: KEY_LENGTH - len("import-")]


def legacy_import_key(slug: str, source_id: str) -> str | None:
    """The key imports before December 2026 stored a row under, with the survey's address in it: an export
    imported then is recognised when imported again. None where that key was cut short to fit the column,
    as it may then be another row's."""
    key = f"import-{slug}-{source_id}"
    return key if len(key) <= KEY_LENGTH else None


def read_mapping(pairs: list[str]) -> dict[str, str]:
    """``--map "Column heading=question_key"``, as many as needed."""
    mapping = {}
    for pair in pairs:
        column, sep, key = pair.rpartition("=")
        if not sep or not column.strip() or not key.strip():
            raise ImportFailed(
                [RowError(0, "--map", f'{pair!r} must look like "Column heading=question_key"')]
            )
        mapping[column.strip()] = key.strip()
    return mapping

"""The analysis run: survey-linked measures get monthly readings from their tagged questions, and every
measure with a baseline and a target gets the impact status its readings suggest.

Comments get their themes and sentiment (``services.themes``). Each part is incremental: see ``analyse``.
"""

from __future__ import annotations

import hashlib
import traceback
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import clock
from ..analysis.agreement import YES_NO_AS_AGREEMENT, agreement_from_counts, change_against_first
from ..analysis.cases import rolling_year
from ..analysis.redact import Redaction, redact_quote
from ..analysis.summary import area_label, quantitative_summary
from ..analysis.text import tone
from ..analysis.trajectory import Plan as Trajectory
from ..analysis.trajectory import suggested_status
from ..database import DbSession, reading, writing
from ..models import (
    AnalysisRun,
    Answer,
    Case,
    CaseKind,
    CommentAnalysis,
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
    Survey,
    SurveyVariant,
    TallySplit,
    Theme,
    VariantKind,
)
from ..models.response import comment_theme
from ..models.survey import question_measure
from ..models.types import ValueInWords, utcnow
from . import tally, themes
from .paging import Page, place
from .tally import COUNTED_KINDS


def survey_readings(
    session: DbSession, measure_ids: list[int], counted: Sequence[tuple[int, str, str, int]]
) -> pd.DataFrame:
    """Monthly % agree over the agreement and yes/no questions tagged to each measure (a yes counts as
    agreeing, so a Local Offer widget's "Did you find what you were looking for?" gives % yes): measure_id,
    month, agree, n, percent, low, high. ``counted`` holds the answers by question, month and value
    (tally.by_month); pandas adds up each measure's questions (a question can count towards several)."""
    tags = session.execute(
        sa.select(question_measure.c.question_id, question_measure.c.measure_id)
        .join(Question, Question.id == question_measure.c.question_id)
        .where(
            question_measure.c.measure_id.in_(measure_ids),
            Question.kind.in_(COUNTED_KINDS),
        )
    ).all()
    empty = pd.DataFrame(columns=["measure_id", "month", "agree", "n", "percent", "low", "high"])
    tagged = {q for q, _ in tags}
    counts = pd.DataFrame(
        [(q, m, YES_NO_AS_AGREEMENT.get(a, a), c) for q, m, a, c in counted if q in tagged],
        columns=["question_id", "month", "agreement", "count"],
    )
    if counts.empty:
        return empty
    counts = counts.merge(pd.DataFrame(tags, columns=["question_id", "measure_id"]), on="question_id")
    table = agreement_from_counts(counts, ["measure_id", "month"])
    table["month"] = pd.PeriodIndex(table["month"], freq="M")
    return table


def _tags_version(session: DbSession) -> str:
    """A fingerprint of which questions count towards which measures: when it changes, readings are
    counted again in full."""
    rows = session.execute(
        sa.select(question_measure.c.question_id, question_measure.c.measure_id).order_by(
            question_measure.c.question_id, question_measure.c.measure_id
        )
    ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _first_new_month(session: DbSession, after_response_id: int, as_of: date) -> date:
    """The first month with responses newer than the last run's newest, and never later than last month."""
    earliest = session.scalar(
        sa.select(sa.func.min(Response.submitted_at)).where(Response.id > after_response_id)
    )
    last_month = (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)
    if earliest is None:
        return last_month
    return min(clock.in_uk(earliest).date().replace(day=1), last_month)


def _write_readings(session: DbSession, measure: Measure, table: pd.DataFrame) -> int:
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
                    note="% agree (or yes) from the survey",
                )
            )
            written += 1
        elif (reading.value, reading.n) != (value, n):
            reading.value, reading.n = value, n
            written += 1
    return written


def _write_case_readings(measure: Measure, kind: CaseKind, table: pd.DataFrame) -> int:
    existing = {r.period_end: r for r in measure.readings if r.source is ReadingSource.CASES}
    written = 0
    for month_end, count in zip(table["month_end"], table["count"], strict=True):
        reading = existing.get(month_end)
        if reading is None:
            measure.readings.append(
                Reading(
                    period_start=(
                        pd.Timestamp(month_end) - pd.DateOffset(years=1) + pd.DateOffset(days=1)
                    ).date(),
                    period_end=month_end,
                    value=float(count),
                    source=ReadingSource.CASES,
                    note=f"{kind.plural} received in the 12 months to {month_end:%B %Y}",
                )
            )
            written += 1
        elif reading.value != float(count):
            reading.value = float(count)
            written += 1
    return written


def suggest(measure: Measure, as_of: date | None = None) -> ImpactStatus | None:
    """The impact status the measure's readings suggest against its trajectory on ``as_of`` (today in
    the UK by default); None for a measure without a baseline and a target. Every run sets it; an edit of
    the measure or of a reading sets it too (services/plans.py), so that it never waits for the next run.
    """
    as_of = as_of or clock.today()
    baseline_date, baseline, target_date, target = (
        measure.baseline_date,
        measure.baseline_value,
        measure.target_date,
        measure.target_value,
    )
    if baseline_date is None or baseline is None or target_date is None or target is None:
        return None
    trajectory = Trajectory(
        baseline=(baseline_date, baseline),
        target=(target_date, target),
        milestones=[(m.due_date, m.value) for m in measure.milestones],
        increase_is_better=measure.direction is Direction.INCREASE,
    )
    readings = [(r.period_end, r.value) for r in measure.readings]
    return ImpactStatus(suggested_status(trajectory, readings, as_of))


@dataclass(frozen=True)
class _Marks:
    """What the last successful run saw, which tells this one what it may skip."""

    lexicon_version: str | None
    tags_version: str | None
    last_response_id: int | None
    tallied_to: int | None


@dataclass
class _Counts:
    """Readings worked out from the database, in plain values, before any is written."""

    tags_version: str
    last_response_id: int
    survey: dict[int, pd.DataFrame]  # measure id: its monthly % agree (see survey_readings)
    cases: dict[int, pd.DataFrame]  # measure id: cases received in the 12 months to each month end
    tallies: list[dict]  # answer tallies of the responses up to last_response_id (services/tally.py)
    tallies_since: date | None  # the month they start, or None for all


ENDED_UNFINISHED = (
    "The process running this analysis ended before it finished (a restart, or the machine ran out of"
    " memory). Nothing it did was kept; the next run counted what it would have."
)


def analyse(
    session: DbSession, as_of: date | None = None, trigger: str = "manual", full: bool = False
) -> int:
    """One run, recorded whatever happens. Incremental: comments are read once, readings are counted again
    only for the months that have new responses, unless the lexicon, the question tags or ``full`` say
    otherwise.

    The run reads and works everything out first, in a transaction that only reads, and then writes all
    it found in one short transaction. On SQLite a writer holds the only write lock, and families' answers
    would otherwise wait for the whole run (and, after the busy timeout, fail); now they wait for the
    writing only. A failure rolls back everything the run wrote, and leaves earlier results as they were.
    The session's open transaction is committed first, as the run's own commits always did.

    Called under the job's lease (jobs.run_job), so one run goes at a time: a run still marked running
    when another starts ended with its process (a restart, the machine out of memory) and is marked
    failed, so that the list of runs does not show it running for ever.
    """
    session.commit()
    with writing(session):
        session.execute(
            sa.update(AnalysisRun)
            .where(AnalysisRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.FAILED, error=ENDED_UNFINISHED)
        )
        previous = session.scalar(
            sa.select(AnalysisRun)
            .where(AnalysisRun.status == RunStatus.SUCCEEDED)
            .order_by(AnalysisRun.id.desc())
            .limit(1)
        )
        marks = (
            _Marks(
                previous.lexicon_version,
                previous.tags_version,
                previous.last_response_id,
                previous.tallied_to,
            )
            if previous is not None
            else None
        )
        run = AnalysisRun(trigger=trigger, status=RunStatus.RUNNING)
        session.add(run)
        session.flush()
        run_id = run.id
    as_of = as_of or clock.today()
    read_from = utcnow()
    try:
        upto = tally.settled_newest(session)
        with reading(session):
            lexicon, theme_ids = themes.load_lexicon(session)
            match_again = full or marks is None or marks.lexicon_version != lexicon.version
            comments = themes.read_comments(session, lexicon, theme_ids, match_again)
            counts = _count(session, marks, full, as_of, upto)
        with writing(session):
            tally.take_turn(session)
            run = session.get_one(AnalysisRun, run_id)
            run.lexicon_version = lexicon.version
            comments.leave_out(themes.forgotten_since(session, read_from))
            themes.write_comments(session, comments)
            run.comments_rethemed = comments.rethemed_count
            run.comments_analysed = len(comments.analyses)
            if run.comments_analysed or run.comments_rethemed:
                run.candidates_offered = themes.offer_candidates(session, lexicon)
            _write_counts(session, run, counts, as_of)
            _write_tallies(session, run, counts, read_from)
            run.status = RunStatus.SUCCEEDED
            run.finished_at = utcnow()
    except Exception:
        error = traceback.format_exc(limit=5)[-4000:]
        session.rollback()
        with writing(session):
            run = session.get_one(AnalysisRun, run_id)
            run.status = RunStatus.FAILED
            run.finished_at = utcnow()
            run.error = error
    return run_id


def _count(session: DbSession, marks: _Marks | None, full: bool, as_of: date, upto: int) -> _Counts:
    """What the run writes, counted from the responses up to ``upto`` (tally.settled_newest)."""
    tags_version = _tags_version(session)
    since = None
    if not full and marks is not None and marks.tags_version == tags_version:
        since = _first_new_month(session, marks.last_response_id or 0, as_of)
    tallies_since = None
    if not full and marks is not None and marks.tallied_to is not None:
        # The tallies kept from the first month with newer responses on, and those responses added: every
        # response up to the last run's newest was in them (tally.settled_newest), and is not counted again.
        # Every run since the tallies are kept tallied to its newest response: the month read just above.
        if since is not None and marks.tallied_to == marks.last_response_id:
            tallies_since = since
        else:
            tallies_since = _first_new_month(session, marks.tallied_to, as_of)
        newer = tally.count(session, upto, after=marks.tallied_to)
        tallies = tally.added(tally.kept_since(session, tallies_since), newer)
    else:
        tallies = tally.count(session, upto)
    measures = session.execute(sa.select(Measure.id, Measure.data_source, Measure.case_kind)).all()
    survey_ids = [m.id for m in measures if m.data_source is DataSource.SURVEY]
    survey: dict[int, pd.DataFrame] = {}
    if survey_ids:
        # The tallies of the same months hold what the readings count: one pass over the answers, not two.
        if since == tallies_since:
            counted = tally.by_month(tallies)
        else:  # the run after question tags change, or the first to keep tallies
            counted = tally.by_month(tally.count(session, upto, since, splits=[TallySplit.MONTH]))
        table = survey_readings(session, survey_ids, counted)
        survey = {int(measure_id): rows for measure_id, rows in table.groupby("measure_id")}
    cases = {}
    for measure in measures:
        if measure.data_source is DataSource.CASES and measure.case_kind is not None:
            of_its_kind = Case.kind == measure.case_kind
            received = session.scalars(sa.select(Case.received_on).where(of_its_kind)).all()
            cases[measure.id] = rolling_year(pd.Series(received, dtype="object"), as_of)
    return _Counts(tags_version, upto, survey, cases, tallies, tallies_since)


def _write_counts(session: DbSession, run: AnalysisRun, counts: _Counts, as_of: date) -> None:
    """Write the readings ``_count`` worked out, and every measure's suggested status from them. A measure
    deleted or given another data source since is left alone."""
    run.tags_version = counts.tags_version
    run.last_response_id = counts.last_response_id
    measures = session.scalars(
        sa.select(Measure).options(selectinload(Measure.readings), selectinload(Measure.milestones))
    ).all()
    by_id = {m.id: m for m in measures}
    for measure_id, rows in counts.survey.items():
        measure = by_id.get(measure_id)
        if measure is not None and measure.data_source is DataSource.SURVEY:
            run.readings_written += _write_readings(session, measure, rows)
    for measure_id, table in counts.cases.items():
        measure = by_id.get(measure_id)
        if measure is not None and measure.data_source is DataSource.CASES and measure.case_kind is not None:
            run.readings_written += _write_case_readings(measure, measure.case_kind, table)
    session.flush()
    for measure in measures:
        suggestion = suggest(measure, as_of)
        if suggestion is not measure.suggested_status:
            measure.suggested_status = suggestion
            run.statuses_changed += 1


def _write_tallies(session: DbSession, run: AnalysisRun, counts: _Counts, read_from: datetime) -> None:
    """Write the answer tallies ``_count`` worked out; then count again the months of responses forgotten
    since the run began reading (or just before: themes.FORGOTTEN_MARGIN), as it may have read them as
    they were."""
    upto, since = counts.last_response_id, counts.tallies_since
    tally.replace(session, counts.tallies, since)
    forgotten = tally.forgotten_months(session, read_from - themes.FORGOTTEN_MARGIN, upto, since)
    tally.recount(session, forgotten, upto)
    run.tallied_to = upto


# Page queries ------------------------------------------------------------------------------------------

BREAKDOWNS = {
    "month": "Month",
    "quarter": "Quarter",
    "version": "Version of the survey",
    "role": "Who answered",
    "district": "District",
    "need": "Area of need",
}


def breakdowns_for(session: DbSession, survey: Survey) -> dict[str, str]:
    """The BREAKDOWNS worth offering for a survey's results: by period always; by version where it has
    more than one; by who answered where more than one kind of person has; by district and by area of
    need where anybody said (a Local Offer box asks neither, and an area may not ask where)."""
    theirs = Response.survey_id == survey.id
    one_role = sa.select(Response.respondent_role).where(theirs).limit(1).scalar_subquery()
    # Each stops at the first response that says yes: at once for a survey that is split that way.
    roles, district, need = session.execute(
        sa.select(
            sa.exists().where(theirs, Response.respondent_role != one_role),
            sa.exists().where(theirs, Response.district.is_not(None)),
            sa.exists().where(theirs, Response.area_of_need.is_not(None)),
        )
    ).one()
    offered = {"version": len(survey.variants) > 1, "role": roles, "district": district, "need": need}
    return {by: label for by, label in BREAKDOWNS.items() if offered.get(by, True)}


def agreement_breakdown(
    session: DbSession, survey_id: int, by: str, question_ids: Collection[int] | None = None
) -> pd.DataFrame:
    """% agree (or yes) for each counted question of a survey, or those of ``question_ids``, split by
    ``by`` (a key of BREAKDOWNS): question_id, group, agree, n, percent, low, high; for periods, also
    change since the first period and whether it is significant. The database counts; pandas does the
    rest: the analyser's answer tallies, and the responses since its last run (services/tally.py)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    periods = by in ("month", "quarter")
    split = TallySplit.MONTH if periods else TallySplit(by)
    rows = tally.breakdown_counts(session, survey_id, split, question_ids)
    columns = ["question_id", "group", "agree", "n", "percent", "low", "high", "change", "significant"]
    if not rows:
        return pd.DataFrame(columns=columns)
    versions = {v.id: _version_label(v) for v in session.scalars(sa.select(SurveyVariant))}
    label = (lambda g: versions.get(g, "Standard")) if by == "version" else _label
    counts = pd.DataFrame(
        [(q, label(g), YES_NO_AS_AGREEMENT.get(a, a), c) for q, g, a, c in rows],
        columns=["question_id", "group", "agreement", "count"],
    )
    if periods:
        months = pd.PeriodIndex(counts["group"], freq="M")
        counts["group"] = months.asfreq("Q") if by == "quarter" else months
    table = agreement_from_counts(counts, ["question_id", "group"])
    if not periods:
        return table.assign(change=None, significant=False)
    # Compared in time order, then named as a reader names them: "Jan to Mar 2023", not "2023Q1".
    table = change_against_first(table, "question_id", "group")
    return table.assign(group=[clock.period_name(period, short=True) for period in table["group"]])


COMMENTS_A_PAGE = 50


@dataclass(frozen=True)
class SurveyComment:
    """A comment as staff read it among its survey's: redacted, as a theme's quotes are."""

    question_id: int
    submitted_at: datetime
    quote: Redaction
    tone: str | None  # negative, neutral or positive; None until the analyser has read it
    themes: list[str]  # the names of the themes in use that the analyser found in it


def survey_comments(
    session: DbSession, survey_id: int, page: int, places: list[str], theme_id: int | None = None
) -> Page[SurveyComment]:
    """A page of a survey's comments (its free-text answers), or of those the analyser found a theme in,
    newest first: the ``page``th, or the last if there are fewer."""
    wanted = _comments_wanted(survey_id, theme_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(Answer).where(*wanted)) or 0
    shown = place(page, total, COMMENTS_A_PAGE)
    comments = _read_comments(session, wanted, places, shown.size, shown.offset)
    return Page(comments, total, shown.page, shown.pages)


# The most comments a download holds: redacting one takes about half a millisecond, so the newest 10,000
# take seconds, within a web request's time. A board paper quotes a quarter's, not years'.
COMMENTS_DOWNLOADED = 10_000


def newest_comments(
    session: DbSession, survey_id: int, places: list[str], theme_id: int | None = None
) -> list[SurveyComment]:
    """The survey's newest COMMENTS_DOWNLOADED comments (or those on a theme), as its pages show them."""
    return _read_comments(session, _comments_wanted(survey_id, theme_id), places, COMMENTS_DOWNLOADED, 0)


def _comments_wanted(survey_id: int, theme_id: int | None) -> list[sa.ColumnElement[bool]]:
    """Which answers are the survey's comments: its free-text answers, and if a theme is given, those
    the analyser found it in."""
    free_text = sa.select(Question.id).where(
        Question.survey_id == survey_id, Question.kind == QuestionKind.FREE_TEXT
    )
    wanted: list[sa.ColumnElement[bool]] = [Answer.question_id.in_(free_text), Answer.text.is_not(None)]
    if theme_id is not None:
        wanted.append(
            Answer.id.in_(sa.select(comment_theme.c.answer_id).where(comment_theme.c.theme_id == theme_id))
        )
    return wanted


def _read_comments(
    session: DbSession, wanted: list[sa.ColumnElement[bool]], places: list[str], limit: int, offset: int
) -> list[SurveyComment]:
    """The ``wanted`` comments newest first, from ``offset``: redacted, with their tone and themes."""
    rows = session.execute(
        sa.select(Answer.id, Answer.question_id, Answer.text, Response.submitted_at, CommentAnalysis.polarity)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(CommentAnalysis, CommentAnalysis.answer_id == Answer.id)
        .where(*wanted)
        .order_by(Response.submitted_at.desc(), Answer.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    found: defaultdict[int, list[str]] = defaultdict(list)
    for answer_id, name in session.execute(
        sa.select(comment_theme.c.answer_id, Theme.name)
        .join(Theme, Theme.id == comment_theme.c.theme_id)
        .where(comment_theme.c.answer_id.in_([row.id for row in rows]), Theme.in_use)
        .order_by(Theme.name)
    ):
        found[answer_id].append(name)
    return [
        SurveyComment(
            question_id=row.question_id,
            submitted_at=row.submitted_at,
            quote=redact_quote(row.text, places),
            tone=None if row.polarity is None else tone(row.polarity),
            themes=found[row.id],
        )
        for row in rows
    ]


def _label(value) -> str:
    if isinstance(value, ValueInWords):  # a respondent's role, a version's kind
        return value.label
    return "Not given" if value is None else str(value)


def _version_label(variant: SurveyVariant) -> str:
    if variant.kind is VariantKind.LANGUAGE:
        return f"Language: {variant.language}"
    return _label(variant.kind)


def plan_summary(plan) -> pd.DataFrame:
    """The quantitative summary of a loaded plan (see ``analysis.summary``)."""
    items = []
    for area in plan.areas:
        label = area_label(area.reference, area.title)
        for action in area.actions:
            status = action.progress_status.value if action.progress_status else None
            items.append((label, "action", status))
            for measure in action.measures:
                shown = measure.reported_status or measure.suggested_status
                items.append((label, "measure", shown.value if shown else None))
    return quantitative_summary(pd.DataFrame(items, columns=["area", "kind", "status"]))


def recent_runs(session: DbSession, limit: int = 50) -> list[AnalysisRun]:
    return list(session.scalars(sa.select(AnalysisRun).order_by(AnalysisRun.id.desc()).limit(limit)))

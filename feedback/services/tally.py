"""Answer tallies: how many answers each agreement and yes/no question had with each value, by UK month
and one split (models.AnswerTally), so that a results page adds the responses since the last analysis run
to them instead of counting every answer (4 to 7 s a breakdown at 500,000 responses, SQLite).

The analyser settles which responses it counts (``settled_newest``: every response up to that id is stored
or never will be), counts those after the last run's (``count``) and adds them to the tallies it kept
(``added``) while it only reads, and writes them (``replace``) with its run, which records that newest as
``tallied_to``; ``breakdown_counts`` adds the responses after it, in one statement. Forgetting a response
clears its district and area of need, so its months are counted again then (``recount``); the analyser does
the same for those forgotten while it was reading. Each writer takes its turn (``take_turn``) before it reads
``tallied_to``."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import InstrumentedAttribute

from .. import clock
from ..database import DbSession, reading
from ..models import AnalysisRun, Answer, AnswerTally, Question, QuestionKind, Response, RunStatus, TallySplit

# Questions whose answers give a % agree: statements, and yes/no questions, where yes counts as agreeing.
COUNTED_KINDS = (QuestionKind.AGREEMENT, QuestionKind.YES_NO)
# An agreement answer, or the "yes" or "no" a yes/no question keeps as text.
COUNTED_VALUE = sa.func.coalesce(sa.type_coerce(Answer.agreement, sa.String), Answer.text)

# What each split groups by in a response, and where a tally keeps it; a month tally keeps only its month.
_OF_RESPONSE = {
    TallySplit.VERSION: Response.variant_id,
    TallySplit.ROLE: Response.respondent_role,
    TallySplit.DISTRICT: Response.district,
    TallySplit.NEED: Response.area_of_need,
}
_IN_TALLY = {
    TallySplit.VERSION: AnswerTally.variant_id,
    TallySplit.ROLE: AnswerTally.respondent_role,
    TallySplit.DISTRICT: AnswerTally.district,
    TallySplit.NEED: AnswerTally.area_of_need,
}
# What forgetting a response changes (services/data_protection.py clears its profile).
FORGETTING_CHANGES = (TallySplit.DISTRICT, TallySplit.NEED)

# Any number, the same in every process: the key of the lock that puts tally writers in turn.
_TURN = 0x7A11


def take_turn(session: DbSession) -> None:
    """Wait for any other writer of tallies to commit: the analyser replacing months while a retention
    batch recounts one would leave both sets of rows. On SQLite, writers take turns already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_TURN)))


def _tallied_to() -> sa.ScalarSelect[int]:
    """The newest response the tallies hold: the last successful run's, or 0 before any run kept them."""
    newest = (
        sa.select(AnalysisRun.tallied_to)
        .where(AnalysisRun.status == RunStatus.SUCCEEDED)
        .order_by(AnalysisRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(sa.func.coalesce(newest, 0)).scalar_subquery()


def tallied_to(session: DbSession) -> int:
    return session.execute(sa.select(_tallied_to())).scalar_one()


def response_month(session: DbSession) -> sa.ColumnElement:
    """A response's UK month ('2026-07')."""
    return clock.uk_month(session.get_bind().dialect.name, Response.submitted_at)


def settled_newest(session: DbSession) -> int:
    """The newest response's id, once every response with a lower id is stored or never will be: what a run
    counts up to, so that the next one counts only the responses after it. In a transaction of its own,
    before the run reads.

    SQLite stores one response at a time, and gives each the next id as it does. PostgreSQL takes a
    response's id from a sequence before the response commits, so a response stored a moment after the
    newest may have a lower id: SHARE mode waits for every transaction storing a response to end. While it
    waits, new ones wait behind it, so it waits at most LOCK_TRY at a time (families' submissions end in
    milliseconds) and tries again, for LOCK_WAIT in all, while something longer holds the table (an import
    of responses); then the run fails, and the next one tries again."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            with reading(session):  # which ends the transaction, and with it the lock
                if postgresql:
                    session.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TRY * 1000:.0f}ms'"))
                    session.execute(sa.text(f"LOCK TABLE {Response.__tablename__} IN SHARE MODE"))
                return session.execute(sa.select(sa.func.coalesce(sa.func.max(Response.id), 0))).scalar_one()
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE or time.monotonic() > deadline:
                raise
            time.sleep(LOCK_TRY)


LOCK_TRY = 0.05  # seconds a submission may wait behind the run's lock
LOCK_WAIT = 10.0  # seconds a run tries for it
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout


def _unindexed(session: DbSession, column: InstrumentedAttribute[int]) -> sa.ColumnElement[int]:
    """``column + 0`` on SQLite, whose planner then cannot read by the column's index: given the answers'
    questions, it would read every answer by the index of questions, not the few responses wanted and then
    their answers. PostgreSQL plans by cost, and gets the column bare."""
    return column + 0 if session.get_bind().dialect.name == "sqlite" else column.expression


def count(
    session: DbSession,
    upto: int,
    since: date | None = None,
    months: Collection[str] | None = None,
    splits: Collection[TallySplit] = tuple(TallySplit),
    after: int | None = None,
) -> list[dict]:
    """Tally rows of ``splits`` for the responses up to ``upto`` (a response id), and after ``after`` if
    given: from the month starting ``since`` on, or only in ``months`` ('2026-07'), or all."""
    responses: list[sa.ColumnElement[bool]] = [Response.id <= upto]
    if after is not None:
        responses.append(Response.id > after)
    if since is not None:
        responses.append(Response.submitted_at >= clock.day_starts(since))
    if months is not None:
        responses.append(sa.or_(*(clock.within_month(Response.submitted_at, m) for m in sorted(months))))
    # Some months' responses are found by their dates first, then their answers: asked for the responses'
    # districts and the like in one query, SQLite's planner would read every answer instead.
    which = responses[0] if len(responses) == 1 else Response.id.in_(sa.select(Response.id).where(*responses))
    question = _unindexed(session, Answer.question_id)
    wanted = [which, question.in_(sa.select(Question.id).where(Question.kind.in_(COUNTED_KINDS)))]
    # One pass: counted by what every split wanted groups by, then added up for each.
    groups = {split: _OF_RESPONSE[split].label(split.value) for split in splits if split in _OF_RESPONSE}
    by = [question.label("question_id"), response_month(session).label("month"), *groups.values()]
    by.append(COUNTED_VALUE.label("value"))
    found = session.execute(
        sa.select(*by, sa.func.count().label("answers"))
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
        .where(*wanted)
        .group_by(*by)
    ).all()
    rows = []
    for split in splits:
        sums: defaultdict[tuple, int] = defaultdict(int)
        for row in found:
            group = row._mapping[split.value] if split in groups else None
            sums[row.question_id, row.month, group, row.value] += row.answers
        column = _IN_TALLY[split].key if split in _IN_TALLY else None
        for (question_id, in_month, group, value), n in sums.items():
            tallied = {
                "question_id": question_id,
                "split": split,
                "month": in_month,
                "value": value,
                "count": n,
            }
            if column is not None:
                tallied[column] = group
            rows.append(tallied)
    return rows


# What tells one tally row from another: its question, split, month, group and value.
_KEY = ("question_id", "split", "month", "value", *(column.key for column in _IN_TALLY.values()))


def _from_month(since: date) -> sa.ColumnElement[bool]:
    """The tallies of the month starting ``since`` and the months after it."""
    return AnswerTally.month >= since.strftime("%Y-%m")


def kept_since(session: DbSession, since: date) -> list[dict]:
    """The tallies kept from the month starting ``since`` on, as ``count`` gives them."""
    columns = [getattr(AnswerTally, name) for name in _KEY]
    kept = session.execute(sa.select(*columns, AnswerTally.count).where(_from_month(since)))
    return [dict(row) for row in kept.mappings()]


def added(kept: Iterable[dict], new: Iterable[dict]) -> list[dict]:
    """``kept`` tallies with ``new`` ones (``count``'s rows for newer responses) added to them."""
    rows: dict[tuple, dict] = {}
    for row in itertools.chain(kept, new):
        key = tuple(row.get(name) for name in _KEY)
        if key in rows:
            rows[key]["count"] += row["count"]
        else:
            rows[key] = dict(row)
    return list(rows.values())


def by_month(rows: Iterable[dict]) -> list[tuple[int, str, str, int]]:
    """(question id, month, value, answers) of ``count``'s month tallies: what the readings count."""
    return [
        (r["question_id"], r["month"], r["value"], r["count"]) for r in rows if r["split"] is TallySplit.MONTH
    ]


def replace(session: DbSession, rows: Sequence[dict], since: date | None) -> None:
    """The tallies from the month starting ``since`` on (or all) made ``rows``, as ``count`` gave them."""
    _put(session, [] if since is None else [_from_month(since)], rows)


def _put(session: DbSession, stale: Sequence[sa.ColumnElement[bool]], rows: Sequence[dict]) -> None:
    """Delete the tallies that match ``stale`` (all, if it is empty) and insert ``rows`` in their place."""
    session.execute(sa.delete(AnswerTally).where(*stale))
    if rows:
        session.execute(sa.insert(AnswerTally), list(rows))


def forgotten_months(session: DbSession, moment: datetime, upto: int, since: date | None) -> set[str]:
    """The months of the tallied responses forgotten from ``moment`` on, from the month starting
    ``since``: what an analysis run that began reading at ``moment`` must count again before it writes."""
    month = response_month(session)
    tallied = _unindexed(session, Response.id) <= upto
    query = sa.select(month).where(Response.forgotten_at >= moment, tallied).distinct()
    if since is not None:
        query = query.where(Response.submitted_at >= clock.day_starts(since))
    return set(session.scalars(query))


def recount(session: DbSession, months: Collection[str], upto: int) -> None:
    """Count again what forgetting changes, in ``months``: in the transaction that forgets, after it."""
    if not months:
        return
    stale = [AnswerTally.split.in_(FORGETTING_CHANGES), AnswerTally.month.in_(sorted(months))]
    _put(session, stale, count(session, upto, months=months, splits=FORGETTING_CHANGES))


def months_with_profile(session: DbSession, response_ids: Sequence[int]) -> set[str]:
    """The months of those of ``response_ids`` that the tallies hold and that gave a district or an area
    of need: what forgetting them changes. Read in the forgetting transaction, after ``take_turn``."""
    if not response_ids:
        return set()
    month = response_month(session)
    return set(
        session.scalars(
            sa.select(month)
            .where(
                Response.id.in_(response_ids),
                Response.id <= _tallied_to(),
                sa.or_(Response.district.is_not(None), Response.area_of_need.is_not(None)),
            )
            .distinct()
        )
    )


def breakdown_counts(
    session: DbSession, survey_id: int, split: TallySplit, question_ids: Collection[int] | None = None
) -> list[sa.Row]:
    """(question id, group, value, count) for each counted question of a survey, or those of
    ``question_ids``: the tallies, and the responses after them counted now. One statement, so that on
    PostgreSQL both parts see the same moment: a run that commits between them counts nothing twice.
    The group is the month ('2026-07') for TallySplit.MONTH."""
    upto = _tallied_to()
    survey_questions = sa.select(Question.id).where(
        Question.survey_id == survey_id, Question.kind.in_(COUNTED_KINDS)
    )
    if question_ids is not None:
        survey_questions = survey_questions.where(Question.id.in_(list(question_ids)))
    kept_group = _IN_TALLY.get(split, AnswerTally.month)
    kept = sa.select(
        AnswerTally.question_id, kept_group.label("grp"), AnswerTally.value, AnswerTally.count
    ).where(AnswerTally.question_id.in_(survey_questions), AnswerTally.split == split)
    month = response_month(session)
    live_group = _OF_RESPONSE.get(split, month)
    # The newer responses by their ids, then their answers; not every response of the survey, or every
    # answer to its questions, by their indexes.
    theirs = _unindexed(session, Response.survey_id) == survey_id
    asked = _unindexed(session, Answer.question_id).in_(survey_questions)
    live = (
        sa.select(Answer.question_id, live_group.label("grp"), COUNTED_VALUE, sa.func.count())
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.id > upto, theirs, asked)
        .group_by(Answer.question_id, live_group, COUNTED_VALUE)
    )
    both = sa.union_all(kept, live).subquery()
    question, group, value, n = both.c
    return list(
        session.execute(
            sa.select(question, group, value, sa.func.sum(n)).group_by(question, group, value)
        ).all()
    )

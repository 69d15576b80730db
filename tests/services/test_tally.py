"""The analyser's answer tallies, and the responses after them, count exactly what counting every answer
counts: after a full run, new responses, an incremental run, an import dated long ago, and forgetting,
including forgetting while a run is reading."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from feedback import clock
from feedback.database import WRITES, writing
from feedback.extensions import db
from feedback.models import (
    Agreement,
    AnalysisRun,
    Answer,
    AnswerTally,
    Channel,
    DataSource,
    Measure,
    Question,
    QuestionKind,
    Reading,
    ReadingSource,
    RespondentRole,
    Response,
    Survey,
    TallySplit,
)
from feedback.services import analysis, data_protection, tally

_BY_SPLIT = {
    TallySplit.VERSION: Response.variant_id,
    TallySplit.ROLE: Response.respondent_role,
    TallySplit.DISTRICT: Response.district,
    TallySplit.NEED: Response.area_of_need,
}
_keys = itertools.count()


def _survey() -> Survey:
    return db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))


def _every_answer_counted(survey_id: int, split: TallySplit) -> Counter:
    """The oracle: (question, group, value) -> answers, counted now from every answer."""
    month = clock.uk_month(db.engine.dialect.name, Response.submitted_at)
    group = _BY_SPLIT.get(split, month)
    rows = db.session.execute(
        sa.select(Answer.question_id, group, tally.COUNTED_VALUE, sa.func.count())
        .join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Response.survey_id == survey_id, Question.kind.in_(tally.COUNTED_KINDS))
        .group_by(Answer.question_id, group, tally.COUNTED_VALUE)
    ).all()
    return Counter({(q, g, v): n for q, g, v, n in rows})


def _as_counted(survey_id: int, split: TallySplit) -> Counter:
    counted: Counter = Counter()
    for q, g, v, n in tally.breakdown_counts(db.session, survey_id, split):
        counted[(q, g, v)] += int(n)
    return +counted  # a group emptied by forgetting (a count of 0) is no group


def _assert_counted_as_every_answer(app) -> None:
    with app.app_context():
        survey_id = _survey().id
        for split in TallySplit:
            assert _as_counted(survey_id, split) == _every_answer_counted(survey_id, split), split


def _response(submitted_at: datetime, district: str | None, need: str | None, value: Agreement) -> Response:
    """A response to live-feedback agreeing ``value`` with each of its agreement statements, not yet
    added to any session."""
    survey = _survey()
    response = Response(
        survey_id=survey.id,
        variant_id=survey.variants[-1].id,
        submitted_at=submitted_at,
        respondent_role=RespondentRole.YOUNG_PERSON,
        channel=Channel.PAPER,
        idempotency_key=f"tally-test-{next(_keys):06d}",
        district=district,
        area_of_need=need,
    )
    for question in survey.questions:
        if question.kind is QuestionKind.AGREEMENT:
            response.answers.append(Answer(question_id=question.id, agreement=value))
    return response


def _respond(submitted_at: datetime, district: str | None, need: str | None, value: Agreement) -> int:
    response = _response(submitted_at, district, need, value)
    db.session.add(response)
    db.session.commit()
    return response.id


def _run(app) -> AnalysisRun:
    with app.app_context():
        run_id = analysis.analyse(db.session)
        run = db.session.get_one(AnalysisRun, run_id)
        assert run.error == "", run.error
        db.session.expunge(run)
        return run


def test_the_results_count_every_answer_once_through_runs_new_responses_and_imports(app, demo):
    with app.app_context():
        survey_id = _survey().id
        before = {by: analysis.agreement_breakdown(db.session, survey_id, by) for by in analysis.BREAKDOWNS}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerTally)) == 0
    first = _run(app)
    with app.app_context():
        assert first.tallied_to == db.session.scalar(sa.select(sa.func.max(Response.id)))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerTally)) > 0
        for by, table in before.items():  # the page reads the tallies now, and says the same
            pd.testing.assert_frame_equal(analysis.agreement_breakdown(db.session, survey_id, by), table)
    _assert_counted_as_every_answer(app)

    # Newer than the run: counted as the page is read, this month and (an import) in May 2022.
    with app.app_context():
        now = clock.day_starts(clock.today())
        _respond(now, "Rugby", "Autism", Agreement.DISAGREE)
        _respond(datetime(2022, 5, 3, 12, tzinfo=UTC), "Warwick", None, Agreement.AGREE)
        oldest = db.session.scalar(sa.select(sa.func.min(AnswerTally.month)))
        kept_oldest = set(db.session.scalars(sa.select(AnswerTally.id).where(AnswerTally.month == oldest)))
    _assert_counted_as_every_answer(app)

    # The next run counts again only from the earliest month with a new response.
    second = _run(app)
    with app.app_context():
        assert second.tallied_to > first.tallied_to
        months = set(db.session.scalars(sa.select(AnswerTally.month)))
        assert oldest < "2022-05" and "2022-05" in months
        assert (
            set(db.session.scalars(sa.select(AnswerTally.id).where(AnswerTally.month == oldest)))
            == kept_oldest
        )
    _assert_counted_as_every_answer(app)


def _storing_uncommitted(app, *response) -> Session:
    """A session of its own that has stored a response (``_response``'s arguments) and not committed it:
    its id is taken, and on SQLite it holds the writers' turn and the write lock. Commit or close it."""
    with app.app_context():
        storing = Session(db.engine)
        storing.connection(execution_options=WRITES)
        storing.add(_response(*response))
        storing.flush()
    return storing


def test_a_response_still_being_stored_as_a_run_starts_is_counted_once(app, demo):
    """PostgreSQL gives a response its id before it commits, so a response still being stored may have a
    lower id than one stored after it: a run that counted up to the newer one would never count the other,
    as the next run counts only the responses after it. The run waits for it instead (on SQLite, the
    response being stored holds the write lock, and the other response and the run wait for that)."""
    _run(app)
    now = clock.day_starts(clock.today())
    storing = _storing_uncommitted(app, now, "Rugby", "Autism", Agreement.STRONGLY_AGREE)
    runs: list[AnalysisRun] = []

    def store_another() -> None:
        with app.app_context(), writing(db.session):  # as a family's submission takes its turn
            db.session.add(_response(now, "Warwick", "Hearing", Agreement.DISAGREE))

    threads = [
        threading.Thread(target=store_another),
        threading.Thread(target=lambda: runs.append(_run(app))),
    ]
    try:
        for thread in threads:
            thread.start()
            time.sleep(0.5)  # on PostgreSQL, the other response is stored, and then the run waits
        storing.commit()
    finally:
        storing.close()
    for thread in threads:
        thread.join(timeout=30)
    assert len(runs) == 1
    _assert_counted_as_every_answer(app)
    _run(app)
    _assert_counted_as_every_answer(app)


def test_a_family_is_not_kept_waiting_behind_a_run_that_waits_for_a_long_import(app, demo):
    """On PostgreSQL the run's lock waits for every transaction storing responses, and submissions wait
    behind it: it waits a moment at a time, so that a family's answers are stored at once while an import
    holds the table, and the run counts once the import has ended. On SQLite the import holds the write
    lock, and the family waits for it as for any writer."""
    _run(app)
    importing = _storing_uncommitted(app, clock.day_starts(clock.today()), "Rugby", None, Agreement.AGREE)
    runs: list[AnalysisRun] = []
    sent: list[tuple[int, float]] = []

    def send() -> None:
        started = time.monotonic()
        answers = {"idempotency_key": "sent-behind-the-run-00", "answers": {"heard": "agree"}}
        status = app.test_client().post("/s/live-feedback/responses", json=answers).status_code
        sent.append((status, time.monotonic() - started))

    run = threading.Thread(target=lambda: runs.append(_run(app)))
    family = threading.Thread(target=send)
    try:
        run.start()
        time.sleep(0.3)  # the run is waiting for the import
        family.start()
        time.sleep(2.0)  # the import goes on: a family waiting behind the run would wait as long
        importing.commit()
    finally:
        importing.close()
    family.join(timeout=30)
    run.join(timeout=30)
    assert [status for status, _ in sent] == [201] and len(runs) == 1
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert sent[0][1] < 1.0
    _assert_counted_as_every_answer(app)


def test_the_tallies_are_what_the_results_are_read_from(app, demo):
    _run(app)
    with app.app_context():
        survey_id = _survey().id
        db.session.execute(sa.update(AnswerTally).values(count=AnswerTally.count * 1000))
        db.session.commit()
        n = analysis.agreement_breakdown(db.session, survey_id, "district")["n"]
    assert len(n) > 0 and (n >= 1000).all() and (n % 1000 == 0).all()


def test_a_run_after_runs_from_before_tallies_counts_them_all(app, demo):
    _run(app)
    with app.app_context():
        db.session.execute(sa.delete(AnswerTally))
        db.session.execute(sa.update(AnalysisRun).values(tallied_to=None))
        db.session.commit()
    _assert_counted_as_every_answer(app)  # no tallies: every answer counted as the page is read
    assert _run(app).tallied_to is not None
    _assert_counted_as_every_answer(app)


def test_a_run_after_one_whose_tallies_stop_short_of_its_readings_counts_the_tallies_from_their_end(
    app, demo
):
    """A run reads the first month with new responses once, for the readings and the tallies alike, only
    when the last run's tallies end at the response its readings end at, as every run today leaves them.
    Were one to leave its tallies short of its readings (here without a response from May 2022 that its
    readings counted), the next must count the tallies from where they end, and the readings from where
    they end: each is then what counting every answer gives."""
    first = _run(app)
    with app.app_context():
        _respond(datetime(2022, 5, 3, 12, tzinfo=UTC), "Warwick", None, Agreement.AGREE)
    second = _run(app)
    with app.app_context():
        db.session.execute(sa.delete(AnswerTally).where(AnswerTally.month == "2022-05"))
        db.session.execute(
            sa.insert(AnswerTally), tally.count(db.session, first.tallied_to, months=["2022-05"])
        )
        db.session.execute(
            sa.update(AnalysisRun).where(AnalysisRun.id == second.id).values(tallied_to=first.tallied_to)
        )
        db.session.commit()
        _respond(clock.day_starts(clock.today()), "Rugby", "Autism", Agreement.DISAGREE)
    _assert_counted_as_every_answer(app)
    _run(app)
    _assert_counted_as_every_answer(app)
    with app.app_context():
        oracle = {key: n for key, (_, n) in _readings_from_every_answer().items()}
        read = _analysed_readings({measure_id for measure_id, _ in oracle})
    assert any(month == "2022-05" for _, month in oracle) and read == oracle


def _give_profiles(before: date) -> list[int]:
    """Give every response before ``before`` a district and an area of need; returns their ids."""
    ids = list(
        db.session.scalars(sa.select(Response.id).where(Response.submitted_at < clock.day_starts(before)))
    )
    assert ids
    db.session.execute(
        sa.update(Response).where(Response.id.in_(ids)).values(district="Nuneaton", area_of_need="Autism")
    )
    db.session.commit()
    return ids


def test_forgotten_responses_leave_their_district_and_need_at_once(app, demo):
    with app.app_context():
        _give_profiles(date(2022, 7, 1))
    _run(app)
    with app.app_context():
        survey_id = _survey().id
        nuneaton = _as_counted(survey_id, TallySplit.DISTRICT)
        db.session.rollback()
        forgotten = sum(data_protection.forget_old_responses(db.session, date(2022, 6, 1), batch_size=40))
        assert forgotten > 0
        after = _as_counted(survey_id, TallySplit.DISTRICT)
        assert sum(n for (_, g, _), n in after.items() if g == "Nuneaton") < sum(
            n for (_, g, _), n in nuneaton.items() if g == "Nuneaton"
        )
    _assert_counted_as_every_answer(app)
    _run(app)
    _assert_counted_as_every_answer(app)


def test_responses_forgotten_while_a_run_reads_are_not_written_back_as_they_were(app, demo, monkeypatch):
    """The nightly retention (or a request to erase) commits while the analyser reads: the months the run
    counts again it counted before the forgetting, so it counts their districts and needs again as it
    writes. The months before those, the forgetting counted again itself."""
    with app.app_context():
        _give_profiles(date(2022, 9, 1))
    _run(app)
    with app.app_context():  # imported since: the next run counts from August 2022 on
        _respond(datetime(2022, 8, 15, 12, tzinfo=UTC), "Bedworth", "Hearing", Agreement.AGREE)
    real, forgot = tally.count, []

    def count_then_forget(*args, **kwargs):
        found = real(*args, **kwargs)
        if not forgot:  # once: forgetting counts too
            forgot.append(0)
            with app.app_context():  # another session, as the housekeeping process would be
                forgot.append(sum(data_protection.forget_old_responses(db.session, date(2022, 9, 1))))
        return found

    monkeypatch.setattr(tally, "count", count_then_forget)
    _run(app)
    monkeypatch.undo()
    assert forgot[1] > 0
    with app.app_context():
        assert "Bedworth" not in {g for _, g, _ in _as_counted(_survey().id, TallySplit.DISTRICT)}
    _assert_counted_as_every_answer(app)


def _readings_from_every_answer() -> dict[tuple[int, str], tuple[int, int]]:
    """The oracle: (measure, month) -> (agree, n), counted now from every answer to a question tagged to
    the measure, yes counting as agreeing and "don't know" not counting."""
    readings: Counter = Counter()
    answers = db.session.execute(
        sa.select(Answer, Response.submitted_at)
        .join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.kind.in_(tally.COUNTED_KINDS))
    ).all()
    for answer, submitted_at in answers:
        value = answer.agreement.value if answer.agreement is not None else answer.text
        if value in (None, "dont_know"):
            continue
        month = clock.in_uk(submitted_at).strftime("%Y-%m")
        for measure in answer.question.measures:
            readings[measure.id, month, "n"] += 1
            readings[measure.id, month, "agree"] += value in ("strongly_agree", "agree", "yes")
    counted = [(m, month, n) for (m, month, what), n in readings.items() if what == "n"]
    return {(m, month): (readings[m, month, "agree"], n) for m, month, n in counted}


def _analysed_readings(measure_ids: set[int]) -> dict[tuple[int, str], int]:
    """(measure, month) -> n of the analyser's readings of ``measure_ids``, keyed as the oracle's."""
    analysed = Reading.source == ReadingSource.ANALYSIS
    readings = db.session.scalars(sa.select(Reading).where(analysed, Reading.measure_id.in_(measure_ids)))
    return {(r.measure_id, r.period_start.strftime("%Y-%m")): r.n for r in readings}


def test_a_runs_readings_are_those_counted_from_every_answer(app, demo):
    """A run works out each measure's monthly readings from the month tallies it has just counted, or
    counts them by month alone when it must start earlier than the tallies (question tags changed): both
    give what counting every answer gives, in full and from a month."""
    with app.app_context():
        _respond(datetime(2022, 11, 2, 12, tzinfo=UTC), "Rugby", "Autism", Agreement.STRONGLY_DISAGREE)
        measure_ids = list(db.session.scalars(sa.select(Measure.id)))
        upto = db.session.scalar(sa.select(sa.func.max(Response.id)))
        oracle = _readings_from_every_answer()
        assert any(month == "2022-11" for _, month in oracle)
        for since in (None, date(2022, 11, 1)):
            for splits in (tuple(TallySplit), [TallySplit.MONTH]):
                counted = tally.by_month(tally.count(db.session, upto, since, splits=splits))
                table = analysis.survey_readings(db.session, measure_ids, counted)
                read = {(row.measure_id, str(row.month)): (row.agree, row.n) for row in table.itertuples()}
                wanted = {key: v for key, v in oracle.items() if since is None or key[1] >= "2022-11"}
                assert read == wanted, (since, splits)


def test_the_run_after_a_question_is_tagged_again_counts_its_measures_readings_in_full(app, demo):
    """Tagging a question to another measure changes every month of that measure's readings, though the
    tallies need counting only from the month of the newest responses: the run counts the readings in
    full, and they are what counting every answer gives."""
    _run(app)
    with app.app_context():
        question = next(q for q in _survey().questions if q.kind is QuestionKind.AGREEMENT)
        measure = db.session.scalar(
            sa.select(Measure)
            .where(
                Measure.data_source == DataSource.SURVEY, ~Measure.id.in_([m.id for m in question.measures])
            )
            .limit(1)
        )
        question.measures.append(measure)
        measure_id = measure.id
        db.session.commit()
        _respond(clock.day_starts(clock.today()), None, None, Agreement.AGREE)
    _run(app)
    with app.app_context():
        months = _analysed_readings({measure_id})
        oracle = {key: n for key, (_, n) in _readings_from_every_answer().items() if key[0] == measure_id}
        assert len(oracle) > 2 and months == oracle

"""The analysis run: readings for survey-linked measures, suggested statuses, the lease, failures."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.jobs import run_job
from feedback.models import (
    AnalysisRun,
    Answer,
    CommentAnalysis,
    ImpactStatus,
    Measure,
    Question,
    Reading,
    ReadingSource,
    Response,
    Role,
    RunStatus,
    Survey,
)
from feedback.services import analysis, lease, tally, themes


def _measure(text: str) -> Measure:
    return db.session.scalar(sa.select(Measure).where(Measure.text.startswith(text)))


def test_a_run_gives_survey_measures_monthly_readings_and_every_measure_a_suggested_status(app, runner, demo):
    result = runner.invoke(args=["analyse"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        heard = _measure("Parent carers who agree they feel heard")
        readings = [r for r in heard.readings if r.source is ReadingSource.ANALYSIS]
        assert len(readings) == 12
        assert readings[0].period_start == date(2022, 4, 1) and readings[-1].period_end == date(2023, 3, 31)
        assert all(r.n and r.n >= 10 for r in readings)
        assert readings[0].value < readings[-1].value  # agreement rose, as in Warwickshire
        wait = _measure("Longest wait")
        assert wait.suggested_status is ImpactStatus.GREEN  # 153 weeks in Sept 2022, ahead of 177
        run = db.session.scalar(sa.select(AnalysisRun))
        assert run.status is RunStatus.SUCCEEDED and run.readings_written >= 12 * 6
    again = runner.invoke(args=["analyse"])
    assert "0 new comments read" in again.output
    assert "0 readings written, 0 measures changed" in again.output


def test_the_local_offer_widget_gives_its_measure_the_share_answering_yes(app, client, runner, demo):
    for number, answer in enumerate(["yes", "yes", "no", "yes"] * 3):
        key = f"widget-test-entry-{number:06d}"
        response = client.post("/w/local-offer-feedback", data={"answer": answer, "entry_key": key})
        assert response.status_code == 200
    assert runner.invoke(args=["analyse"]).exit_code == 0
    with app.app_context():
        found = _measure("Users who can find what they are looking for")
        readings = sorted(
            (r for r in found.readings if r.source is ReadingSource.ANALYSIS), key=lambda r: r.period_start
        )
        this_month = clock.today().replace(day=1)
        assert [(r.value, r.n) for r in readings if r.period_start == this_month] == [(75.0, 12)]
        demo_year = [r for r in readings if r.period_start < date(2023, 4, 1)]
        assert len(demo_year) == 12 and demo_year[0].value < demo_year[-1].value  # the demo's rise


def test_an_answer_counts_in_the_month_it_was_given_in_uk_time(app, client, runner, demo):
    for number in range(10):
        entry = {"answer": "yes", "entry_key": f"widget-after-midnight-{number:06d}"}
        assert client.post("/w/local-offer-feedback", data=entry).status_code == 200
    with app.app_context():
        midnight = Response.idempotency_key.like("%widget-after-midnight-%")
        given = db.session.scalars(sa.select(Response).where(midnight)).all()
        assert len(given) == 10
        for response in given:  # half past midnight on 1 July in the UK; still 30 June in UTC
            response.submitted_at = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
        db.session.commit()
    assert runner.invoke(args=["analyse"]).exit_code == 0
    with app.app_context():
        found = _measure("Users who can find what they are looking for")
        counted = {r.period_start: r.n for r in found.readings if r.source is ReadingSource.ANALYSIS}
        assert counted.get(date(2026, 7, 1)) == 10 and date(2026, 6, 1) not in counted


def test_a_failed_run_is_recorded_and_leaves_earlier_results(app, client, login, runner, demo, monkeypatch):
    runner.invoke(args=["analyse"])
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Reading))

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(analysis, "suggest", broken)
    failed = runner.invoke(args=["analyse"])
    assert failed.exit_code == 1 and "earlier results are unchanged" in failed.output
    with app.app_context():
        runs = db.session.scalars(sa.select(AnalysisRun).order_by(AnalysisRun.id)).all()
        assert [r.status for r in runs] == [RunStatus.SUCCEEDED, RunStatus.FAILED]
        assert "the disk is full" in runs[-1].error
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Reading)) == before
        assert _measure("Longest wait").suggested_status is ImpactStatus.GREEN
    # Staff read why below the list of runs, full width, not in the table's narrow column.
    login(Role.STAFF)
    page = client.get("/analysis").text
    table, below = page.split("</table>")
    run = f"run-{runs[-1].id}"
    assert f'href="#{run}"' in table and "the disk is full" not in table
    assert re.search(
        rf'<h3 [^>]*id="{run}">Run started [^<]+</h3>\s*<pre class="app-code">[^<]*the disk is full', below
    )


def test_a_run_whose_process_ended_mid_run_is_shown_failed_once_the_next_run_starts(app, client, login, demo):
    """A run's process killed before it finished (the lease has since expired) leaves its run marked
    running; the next run, holding the lease, knows it cannot be, and says what happened."""
    with app.app_context():
        killed = AnalysisRun(trigger="scheduler", status=RunStatus.RUNNING)
        db.session.add(killed)
        db.session.commit()
        killed_id = killed.id
    assert run_job(app, "analyse") is not None
    with app.app_context():
        runs = db.session.scalars(sa.select(AnalysisRun).order_by(AnalysisRun.id)).all()
        assert [(r.id == killed_id, r.status) for r in runs] == [
            (True, RunStatus.FAILED),
            (False, RunStatus.SUCCEEDED),
        ]
        assert runs[0].error == analysis.ENDED_UNFINISHED and runs[0].finished_at is None
    login(Role.COORDINATOR)
    page = " ".join(client.get("/analysis").text.split())
    assert "Running</strong>" not in page and "the machine ran out of memory" in page


def test_families_submit_while_the_analyser_thinks_and_it_still_succeeds(app, runner, demo, monkeypatch):
    """The analyser reads and thinks before it writes, and writes in a short transaction of its own. On
    SQLite a family's answers sent while it parses comments, or while it counts readings, are stored at
    once instead of waiting for the run; and what they committed meanwhile does not make the run's own
    writing fail ("database is locked"). Each comment sent is read by this run or the next."""
    sent: list[tuple[str, int | str, float]] = []
    tried: set[str] = set()

    def send_now(moment: str) -> None:
        def post() -> None:
            started = time.monotonic()
            try:
                status = (
                    app.test_client()
                    .post(
                        "/s/live-feedback/responses",
                        json={
                            "idempotency_key": f"sent-while-{moment}",
                            "answers": {
                                "heard": "agree",
                                "comment": f"Sent while the analyser was {moment}.",
                            },
                        },
                    )
                    .status_code
                )
            except sa.exc.OperationalError as error:  # "database is locked", raised as the app is testing
                status = str(error.orig)
            sent.append((moment, status, time.monotonic() - started))

        family = threading.Thread(target=post, daemon=True)
        family.start()
        family.join(timeout=5)  # a family kept waiting for the whole run would wait 10 s, then fail

    def first_time(moment: str, real):
        def wrapper(*args, **kwargs):
            if moment not in tried:
                tried.add(moment)
                send_now(moment)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(themes, "read_comment", first_time("parsing", themes.read_comment))
    monkeypatch.setattr(tally, "count", first_time("counting", tally.count))
    result = runner.invoke(args=["analyse"])
    assert result.exit_code == 0, result.output
    assert [(moment, status) for moment, status, _ in sent] == [("parsing", 201), ("counting", 201)]
    assert all(seconds < 5 for _, _, seconds in sent)
    monkeypatch.undo()
    assert runner.invoke(args=["analyse"]).exit_code == 0
    with app.app_context():
        analysed = db.session.scalars(
            sa.select(Answer.text)
            .join(CommentAnalysis, CommentAnalysis.answer_id == Answer.id)
            .where(Answer.text.startswith("Sent while"))
        ).all()
        assert sorted(analysed) == [
            "Sent while the analyser was counting.",
            "Sent while the analyser was parsing.",
        ]


def test_four_runners_over_24_ticks_run_exactly_24_times(app):
    with app.app_context():
        engine = db.engine
    start = datetime(2026, 1, 1, tzinfo=UTC)
    wins: list[tuple[int, str]] = []
    barrier = threading.Barrier(4)
    lock = threading.Lock()

    def runner(name: str) -> None:
        for tick in range(24):
            barrier.wait()
            now = start + timedelta(hours=tick)
            if lease.acquire(engine, "analyse", name, timedelta(minutes=30), now=now):
                with lock:
                    wins.append((tick, name))
            barrier.wait()

    threads = [threading.Thread(target=runner, args=(f"scheduler-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tick for tick, _ in wins) == list(range(24))


def test_a_manual_run_beside_a_running_one_does_nothing(app, runner, demo):
    with app.app_context():
        assert lease.acquire(db.engine, "analyse", "another-machine", timedelta(minutes=30))
    busy = runner.invoke(args=["analyse"])
    assert busy.exit_code == 1 and "Another analysis is running" in busy.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalysisRun)) == 0
        lease.release(db.engine, "analyse", "another-machine")
    assert runner.invoke(args=["analyse"]).exit_code == 0


def test_the_scheduler_runs_the_analyser_on_the_configured_cron(app):
    from feedback.jobs import build_scheduler

    app.config["FEEDBACK_ANALYSIS_CRON"] = "15 */2 * * *"
    job = build_scheduler(app).get_job("analyse")
    assert str(job.trigger) == "cron[month='*', day='*', day_of_week='*', hour='*/2', minute='15']"
    assert job.args[1] == "analyse" and job.max_instances == 1


def test_a_breakdown_of_some_questions_is_the_whole_survey_s_rows_for_them(app, demo):
    """The measure page asks only for its questions' answers; what it gets must not differ from the
    survey's results page for the same questions, change against the first period included."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        counted = [q.id for q in survey.questions if q.kind.value in ("agreement", "yes_no")]
        some = counted[1:3]
        assert len(some) == 2 and db.session.get(Question, some[0]).survey_id == survey.id
        for by in analysis.BREAKDOWNS:
            whole = analysis.agreement_breakdown(db.session, survey.id, by)
            part = analysis.agreement_breakdown(db.session, survey.id, by, some)
            expected = whole[whole["question_id"].isin(some)].reset_index(drop=True)
            assert len(part) > 0 and set(part["question_id"]) == set(some), by
            pd.testing.assert_frame_equal(part.reset_index(drop=True), expected, check_dtype=False)

"""The scheduler's daily housekeeping: expired drafts and ended sign-ins go, responses and cases past
their retention period are forgotten, and old records of staff shown a family's details are deleted,
without anyone remembering to run a command."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from feedback.extensions import db
from feedback.jobs import Housekeeping, build_scheduler, run_job
from feedback.models import (
    AccessEvent,
    AnalysisRun,
    Answer,
    AuditEvent,
    Case,
    CaseContact,
    JobLease,
    Question,
    QuestionKind,
    Response,
    ResponseContact,
    Role,
    RunStatus,
    SignIn,
    Survey,
    SurveyDraft,
)
from feedback.models.types import utcnow
from feedback.services import data_protection, lease

from .conftest import own_process_env

# Responses before 10 January 2023 (3 years), cases closed before 10 January 2022 (4) and access records
# made before 10 January 2021 (5).
TODAY = date(2026, 1, 10)


def _old_and_new(app) -> dict[str, int]:
    """An expired draft and a live one; an old and a recent response, and an old and a recent closed case,
    each with contact details; access records made either side of the retention period's end. Returns
    their ids."""
    with app.app_context():
        app.config["CASE_RETENTION_YEARS"] = 4
        app.config["ACCESS_RETENTION_YEARS"] = 5
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        drafts = {}
        for name, expires in (("expired", -1), ("live", 1)):
            draft = SurveyDraft(
                token=f"{name}-draft-token-0123456789",
                survey_id=survey.id,
                answers={"comment": "Oliver is still waiting."},
                expires_at=utcnow() + timedelta(days=expires),
            )
            db.session.add(draft)
            drafts[name] = draft
        moment = datetime(2023, 1, 10, tzinfo=UTC)
        old_response = db.session.scalar(
            sa.select(Response).where(Response.submitted_at < moment, Response.district.is_not(None)).limit(1)
        )
        new_response = db.session.scalar(
            sa.select(Response)
            .where(Response.submitted_at >= moment, Response.district.is_not(None))
            .limit(1)
        )
        for response in (old_response, new_response):
            db.session.add(ResponseContact(response_id=response.id, name="Jo Bloggs", email="jo@example.org"))
        old_case = db.session.scalar(sa.select(Case).where(Case.closed_on < date(2022, 1, 10)).limit(1))
        new_case = db.session.scalar(sa.select(Case).where(Case.closed_on >= date(2022, 1, 10)).limit(1))
        for case in (old_case, new_case):
            case.contact = CaseContact(name="Ann Jones", phone="07700 900461", child_name="Oliver Jones")
        accesses = {
            name: AccessEvent(
                at=at,
                actor="case.officer@council.example",
                subject_type="case",
                subject_id=old_case.id,
                page="cases.show",
            )
            for name, at in (
                ("old_access", datetime(2021, 1, 9, 23, 59, 59, tzinfo=UTC)),
                ("access_on_the_day", datetime(2021, 1, 10, tzinfo=UTC)),  # midnight in the UK, in winter
            )
        }
        db.session.add_all(accesses.values())
        db.session.commit()
        return {
            **{name: access.id for name, access in accesses.items()},
            "expired": drafts["expired"].id,
            "live": drafts["live"].id,
            "old_response": old_response.id,
            "new_response": new_response.id,
            "old_case": old_case.id,
            "new_case": new_case.id,
        }


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def test_daily_housekeeping_deletes_expired_drafts_and_forgets_what_is_past_retention(app, demo, make_user):
    ids = _old_and_new(app)
    user_id, _ = make_user(Role.STAFF)
    with app.app_context():
        now = utcnow()
        for name, started, seen in (
            ("signed in nine hours ago, busy ever since", 9 * 60, 1),
            ("idle for forty minutes", 60, 40),
            ("in use", 60, 1),
        ):
            db.session.add(
                SignIn(
                    user_id=user_id,
                    token_hash=name,
                    started_at=now - timedelta(minutes=started),
                    last_seen_at=now - timedelta(minutes=seen),
                    browser="Firefox on Windows",
                )
            )
        db.session.commit()
    with app.app_context():
        old_responses = _count(
            sa.select(Response.id).where(Response.submitted_at < datetime(2023, 1, 10, tzinfo=UTC))
        )
        old_cases = _count(sa.select(Case.id).where(Case.closed_on < date(2022, 1, 10)))
        assert 0 < old_responses < _count(sa.select(Response.id)) and old_cases > 0

    done = run_job(app, "housekeeping", today=TODAY)

    assert done == Housekeeping(
        drafts_deleted=1,
        responses_forgotten=old_responses,
        cases_anonymised=old_cases,
        sign_ins_deleted=2,
        access_records_deleted=1,
    )
    with app.app_context():
        assert set(db.session.scalars(sa.select(SurveyDraft.id))) == {ids["live"]}
        assert list(db.session.scalars(sa.select(SignIn.token_hash))) == ["in use"]
        old, new = (
            db.session.get(Response, ids["old_response"]),
            db.session.get(Response, ids["new_response"]),
        )
        assert old.district is None and old.forgotten_at is not None
        assert new.district is not None and new.forgotten_at is None
        assert set(db.session.scalars(sa.select(ResponseContact.response_id))) == {ids["new_response"]}
        old_case, new_case = db.session.get(Case, ids["old_case"]), db.session.get(Case, ids["new_case"])
        assert old_case.contact is None and old_case.anonymised_at is not None
        assert new_case.contact.child_name == "Oliver Jones" and new_case.anonymised_at is None
        actors = set(
            db.session.scalars(
                sa.select(AuditEvent.actor).where(
                    AuditEvent.entity_type == "Case", AuditEvent.entity_id == ids["old_case"]
                )
            )
        )
        assert "daily housekeeping (scheduler)" in actors
        assert set(db.session.scalars(sa.select(AccessEvent.id))) == {ids["access_on_the_day"]}

    # The next day's run reads only what has grown old since: here, nothing.
    assert run_job(app, "housekeeping", today=TODAY) == Housekeeping(0, 0, 0, 0, 0)


def test_housekeeping_deletes_old_comments_whole_when_the_council_says_so(app, demo):
    """FEEDBACK_FORGOTTEN_COMMENTS=delete (config.py); comments of responses not yet old stay."""
    app.config["FORGOTTEN_COMMENTS"] = "delete"
    before = datetime(2023, 1, 10, tzinfo=UTC)
    comments = (
        sa.select(Answer.text)
        .join(Question)
        .join(Response)
        .where(Question.kind == QuestionKind.FREE_TEXT, Answer.text.is_not(None))
    )
    with app.app_context():
        assert _count(comments.where(Response.submitted_at >= before, Answer.text != "")) > 0
        kept = sorted(db.session.scalars(comments.where(Response.submitted_at >= before)))
    run_job(app, "housekeeping", today=TODAY)
    with app.app_context():
        assert set(db.session.scalars(comments.where(Response.submitted_at < before))) == {""}
        assert sorted(db.session.scalars(comments.where(Response.submitted_at >= before))) == kept


def test_old_access_records_go_in_batches_each_committed_on_its_own(app):
    with app.app_context():
        db.session.add_all(
            AccessEvent(
                at=datetime(2020, 6, day, tzinfo=UTC),
                actor="a@council.example",
                subject_type="response",
                subject_id=day,
                page="replies.index",
            )
            for day in range(1, 7)
        )
        db.session.commit()
        batches = data_protection.forget_old_access_records(db.session, date(2020, 6, 6), batch_size=2)
        assert next(batches) == 2
        with sa.orm.Session(db.engine) as other:  # the first batch is committed before the second begins
            assert other.scalar(sa.select(sa.func.count()).select_from(AccessEvent)) == 4
        assert list(batches) == [2, 1]
        assert list(db.session.scalars(sa.select(AccessEvent.subject_id))) == [6]


def test_housekeeping_does_nothing_while_another_process_holds_its_lease(app, demo):
    ids = _old_and_new(app)
    with app.app_context():
        assert lease.acquire(db.engine, "housekeeping", "other-machine:1", timedelta(hours=1))
    assert run_job(app, "housekeeping", today=TODAY) is None
    with app.app_context():
        assert db.session.get(SurveyDraft, ids["expired"]) is not None
        assert db.session.get(Response, ids["old_response"]).forgotten_at is None


def test_the_scheduler_runs_housekeeping_daily_on_its_own_cron_line(app):
    assert app.config["FEEDBACK_HOUSEKEEPING_CRON"] == "30 2 * * *"
    app.config["FEEDBACK_HOUSEKEEPING_CRON"] = "45 4 * * *"
    job = build_scheduler(app).get_job("housekeeping")
    assert str(job.trigger) == "cron[month='*', day='*', day_of_week='*', hour='4', minute='45']"
    assert job.args[1] == "housekeeping" and job.max_instances == 1


@pytest.mark.parametrize("setting", ["FEEDBACK_ANALYSIS_CRON", "FEEDBACK_HOUSEKEEPING_CRON"])
def test_a_scheduler_with_a_line_that_is_not_crontab_says_which_and_does_not_start(app, runner, setting):
    app.config[setting] = "every night"
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 1
    assert f"{setting} is not a crontab line ('every night')" in result.output
    assert "Nothing was started." in result.output and "Scheduler running" not in result.output


def test_the_scheduler_stops_cleanly_when_its_service_manager_stops_it(app, database_url):
    """systemd and the like stop a service with SIGTERM: the scheduler lets a running job finish and
    give back its lease, and exits as if stopped with Ctrl-C."""
    # The analyser every second: with a seconds field, for this test.
    env = own_process_env(app, database_url, FEEDBACK_ANALYSIS_CRON="* * * * * *")
    root = Path(__file__).resolve().parent.parent

    def counted(query) -> int:
        with app.app_context():
            found = _count(query)
            db.session.remove()  # nothing held open while the scheduler writes
        return found

    scheduler = subprocess.Popen(
        [sys.executable, "-m", "flask", "scheduler"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not counted(sa.select(AnalysisRun).where(AnalysisRun.status == RunStatus.SUCCEEDED)):
            assert time.monotonic() < deadline and scheduler.poll() is None, "no scheduled run"
            time.sleep(0.2)
        scheduler.send_signal(signal.SIGTERM)
        _, log = scheduler.communicate(timeout=30)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
    assert scheduler.returncode == 0, log
    assert log.count("Stopping: a job that is running finishes first") == 1  # each line once
    assert "Traceback" not in log
    assert counted(sa.select(AnalysisRun).where(AnalysisRun.status == RunStatus.RUNNING)) == 0
    assert counted(sa.select(JobLease).where(JobLease.holder != "")) == 0


class _StoppedTwice:
    """A scheduler stopped by Ctrl-C, and by Ctrl-C again while it waits for the job that is running."""

    waited: bool | None = None

    def start(self) -> None:
        raise KeyboardInterrupt

    def shutdown(self, wait: bool) -> None:
        self.waited = wait
        raise KeyboardInterrupt


def test_a_second_ctrl_c_stops_the_scheduler_at_once_and_says_what_that_leaves(runner, monkeypatch, caplog):
    """Asked twice, the scheduler does not wait for the job, nor print a traceback: it ends at once, as a
    shell reports Ctrl-C, saying that the job's uncommitted work is lost and when the job can run again."""
    scheduler = _StoppedTwice()
    monkeypatch.setattr("feedback.jobs.build_scheduler", lambda app: scheduler)
    monkeypatch.setattr(signal, "signal", lambda *handler: None)  # the test process keeps its own SIGTERM

    def exit_now(code: int) -> None:
        raise SystemExit(code)  # what os._exit ends, without ending the tests

    monkeypatch.setattr("feedback.cli.os._exit", exit_now)
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 130, result.output
    assert scheduler.waited is True  # the first Ctrl-C waited for the job
    assert "Traceback" not in result.output and "Aborted" not in result.output
    assert "Stopped at once: what a running job had not committed is lost" in caplog.text
    assert "(analyse 30 minutes, housekeeping 60 minutes after it started)" in caplog.text

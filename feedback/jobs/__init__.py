"""Scheduled jobs, in one table with stable ids. Each runs in an app context, holds the job's lease while
it runs, and takes ids and plain values, never ORM objects."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask, current_app

from .. import clock
from ..database import writing
from ..extensions import db
from ..services import analysis, cases, data_protection, lease, respond, sign_ins
from ..services.audit import set_actor

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[..., object]
    lease_for: timedelta


def _analyse(trigger: str, full: bool = False):
    return analysis.analyse(db.session, trigger=trigger, full=full)


@dataclass(frozen=True)
class Housekeeping:
    drafts_deleted: int
    responses_forgotten: int
    cases_anonymised: int
    sign_ins_deleted: int
    access_records_deleted: int


def _housekeeping(trigger: str, today: date | None = None) -> Housekeeping:
    """The daily duties of data protection, each in transactions of its own: expired drafts and the
    sign-ins of sessions past their lifetime or idle limit are deleted, responses past
    FEEDBACK_RESPONSE_RETENTION_YEARS and cases closed longer ago than FEEDBACK_CASE_RETENTION_YEARS are
    forgotten, as their commands do by hand, and records of staff being shown a family's details are
    deleted after FEEDBACK_ACCESS_RETENTION_YEARS."""
    config = current_app.config
    places = config["REDACT_PLACES"]
    today = today or clock.today()
    set_actor(db.session, None, f"daily housekeeping ({trigger})")
    with writing(db.session):
        drafts = respond.purge_expired_drafts(db.session)
    with writing(db.session):
        stale_sign_ins = sign_ins.purge_stale(db.session, *sign_ins.limits(current_app))
    responses_before = data_protection.years_before(today, config["RESPONSE_RETENTION_YEARS"])
    forgetting = data_protection.forget_old_responses(
        db.session, responses_before, places, comments=config["FORGOTTEN_COMMENTS"]
    )
    responses = sum(forgetting)
    cases_before = data_protection.years_before(today, config["CASE_RETENTION_YEARS"])
    anonymised = sum(cases.anonymise_closed_before(db.session, cases_before, places))
    access_before = data_protection.years_before(today, config["ACCESS_RETENTION_YEARS"])
    access_records = sum(data_protection.forget_old_access_records(db.session, access_before))
    done = Housekeeping(drafts, responses, anonymised, stale_sign_ins, access_records)
    _log.info(
        "Housekeeping: %d expired drafts and %d ended sign-ins deleted, %d responses submitted before %s"
        " forgotten, %d cases closed before %s anonymised, %d records of staff shown a family's details"
        " before %s deleted",
        drafts,
        stale_sign_ins,
        responses,
        responses_before,
        anonymised,
        cases_before,
        access_records,
        access_before,
    )
    return done


JOBS: dict[str, Job] = {
    "analyse": Job("analyse", _analyse, lease_for=timedelta(minutes=30)),
    "housekeeping": Job("housekeeping", _housekeeping, lease_for=timedelta(hours=1)),
}


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_job(app: Flask, job_id: str, trigger: str = "scheduler", holder: str | None = None, **options):
    """Run the job if nobody else is running it; returns what it returned, or None if it was busy."""
    job = JOBS[job_id]
    holder = holder or holder_name()
    with app.app_context():
        if not lease.acquire(db.engine, job.id, holder, job.lease_for):
            return None
        try:
            return job.run(trigger, **options)
        finally:
            db.session.remove()
            lease.release(db.engine, job.id, holder)


def cron_trigger(line: str):
    """A crontab line (minute hour day month weekday), or the same with a seconds field in front, which
    the scale-out test uses to see several runs in a few seconds."""
    from apscheduler.triggers.cron import CronTrigger

    fields = line.split()
    if len(fields) == 6:
        second, minute, hour, day, month, day_of_week = fields
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone="UTC",
        )
    return CronTrigger.from_crontab(line, timezone="UTC")


# Each job's crontab line, by the setting that holds it.
SCHEDULE = {"analyse": "FEEDBACK_ANALYSIS_CRON", "housekeeping": "FEEDBACK_HOUSEKEEPING_CRON"}


def build_scheduler(app: Flask):
    """APScheduler with every job on its cron line, for the one scheduler process. A line that is not a
    crontab line raises ValueError naming its setting."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    for job_id, setting in SCHEDULE.items():
        try:
            trigger = cron_trigger(app.config[setting])
        except ValueError as error:
            raise ValueError(f"{setting} is not a crontab line ({app.config[setting]!r}): {error}") from None
        scheduler.add_job(
            run_job, trigger, args=[app, job_id], id=job_id, name=job_id, max_instances=1, coalesce=True
        )
    return scheduler

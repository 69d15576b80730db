"""Scheduled jobs, in one table with stable ids. Each runs in an app context, holds the job's lease while
it runs, and takes ids and plain values, never ORM objects."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from ..extensions import db
from ..services import analysis, lease


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[..., object]
    lease_for: timedelta


def _analyse(trigger: str, full: bool = False):
    return analysis.analyse(db.session, trigger=trigger, full=full)


JOBS: dict[str, Job] = {
    "analyse": Job("analyse", _analyse, lease_for=timedelta(minutes=30)),
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


def build_scheduler(app: Flask):
    """APScheduler with every job on its cron line, for the one scheduler process."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        run_job,
        cron_trigger(app.config["FEEDBACK_ANALYSIS_CRON"]),
        args=[app, "analyse"],
        id="analyse",
        max_instances=1,
        coalesce=True,
    )
    return scheduler

"""Scale-out: two gunicorn instances and one scheduler process on one database, with manual analyser
runs thrown in. Every submission to either instance is stored once, and no two analysis runs ever
overlap: the lease holds across processes. PostgreSQL in CI's second run; SQLite (several processes on
one file) in the first."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import AnalysisRun, Response, RunStatus

from .conftest import own_process_env
from .test_worker_kills import _free_port, _post

ROOT = Path(__file__).resolve().parent.parent


def test_two_web_instances_and_a_scheduler_share_one_database(app, demo, database_url):
    env = own_process_env(
        app,
        database_url,
        FEEDBACK_PUBLIC_POST_LIMIT="100000000/60",
        FEEDBACK_ANALYSIS_CRON="*/3 * * * * *",  # every 3 seconds: with a seconds field, for this test
    )
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "wsgi:app",
                "--preload",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "error",
                "--chdir",
                str(ROOT),
            ],
            env=env,
        )  # fmt: skip
        for port in ports
    ]
    processes.append(
        subprocess.Popen(
            [sys.executable, "-m", "flask", "scheduler"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL
        )
    )
    sent: list[str] = []
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while _post(port, {"idempotency_key": "warm-up-" + uuid.uuid4().hex, "answers": {}}) is None:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)

        def submit() -> None:
            for n in range(120):
                key = uuid.uuid4().hex
                body = {"idempotency_key": key, "answers": {"heard": "agree", "comment": "Two servers."}}
                assert _post(ports[n % 2], body) in (200, 201)
                sent.append(key)

        writer = threading.Thread(target=submit)
        writer.start()
        manual = [
            subprocess.run(
                [sys.executable, "-m", "flask", "analyse"], env=env, cwd=ROOT, capture_output=True, text=True
            )
            for _ in range(3)
        ]
        writer.join(timeout=120)
        deadline = time.monotonic() + 40
        while True:
            with app.app_context():
                scheduled = db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(AnalysisRun)
                    .where(AnalysisRun.trigger == "scheduler", AnalysisRun.status == RunStatus.SUCCEEDED)
                )
                db.session.remove()
            if scheduled >= 2 or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)

    assert all(r.returncode == 0 or "Another analysis is running" in r.stderr + r.stdout for r in manual)
    assert scheduled >= 2 and len(sent) == 120
    with app.app_context():
        stored = set(
            db.session.scalars(
                sa.select(Response.idempotency_key).where(Response.idempotency_key.like("client-%"))
            )
        )
        assert {f"client-{key}" for key in sent} <= stored
        runs = db.session.scalars(
            sa.select(AnalysisRun)
            .where(AnalysisRun.finished_at.is_not(None))
            .order_by(AnalysisRun.started_at)
        ).all()
        assert len(runs) >= 3
        for earlier, later in zip(runs, runs[1:], strict=False):
            assert earlier.finished_at <= later.started_at, "two analysis runs overlapped"

"""Submissions keep arriving through gunicorn while a worker is killed with SIGKILL every 2 seconds.
Clients retry with the same idempotency key until they get an answer, as the survey's offline queue
does. Every acknowledged submission is stored exactly once, retries store nothing twice, and the
database passes its integrity check afterwards. SQLite here; PostgreSQL in CI's second run."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Response
from feedback.services.backup import integrity_problems

from .conftest import own_process_env

ROOT = Path(__file__).resolve().parent.parent
KILLS = 5
CLIENTS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _workers(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


def _post(port: int, body: dict) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST", "/s/live-feedback/responses", json.dumps(body), {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None  # the worker died under us: try again
    finally:
        connection.close()


def test_killing_workers_loses_and_duplicates_nothing(app, demo, database_url):
    port = _free_port()
    env = own_process_env(app, database_url, FEEDBACK_PUBLIC_POST_LIMIT="100000000/60")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wsgi:app", "--preload", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--worker-class", "gthread", "--threads", "2", "--log-level", "error",
         "--chdir", str(ROOT)],
        env=env,
    )  # fmt: skip
    acknowledged: set[str] = set()
    attempts = {"retries": 0}
    lock = threading.Lock()
    stop = time.monotonic() + 60  # the clients stop when the killing does
    kills = 0
    try:
        deadline = time.monotonic() + 30
        while _post(port, {"idempotency_key": "warm-up-" + uuid.uuid4().hex, "answers": {}}) is None:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)

        def client() -> None:
            while time.monotonic() < stop:
                key = uuid.uuid4().hex
                body = {"idempotency_key": key, "answers": {"heard": "agree", "comment": "Still here."}}
                while True:  # the offline queue: the same key until the server answers
                    status = _post(port, body)
                    if status in (200, 201):
                        with lock:
                            acknowledged.add(key)
                        break
                    assert status is None or status >= 500, status
                    with lock:
                        attempts["retries"] += 1
                    time.sleep(0.05)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        # Five kills, 2 s apart; a slow machine restarts workers slowly, so count kills, not seconds.
        give_up = time.monotonic() + 45
        while kills < KILLS and time.monotonic() < give_up:
            time.sleep(2)
            workers = _workers(server.pid)
            if workers:
                os.kill(random.choice(workers), signal.SIGKILL)
                kills += 1
        stop = time.monotonic()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"{kills} workers killed, {len(acknowledged)} submissions acknowledged, {attempts['retries']} retries"
    )
    assert kills == KILLS and len(acknowledged) > 50
    with app.app_context():
        stored = db.session.scalars(
            sa.select(Response.idempotency_key).where(
                Response.idempotency_key.like("client-%"),
                Response.idempotency_key.not_like("client-warm-up-%"),
            )
        ).all()
        assert len(stored) == len(set(stored))  # nothing twice, retries included
        assert {key.removeprefix("client-") for key in stored} == acknowledged
        assert integrity_problems(db.engine) == []

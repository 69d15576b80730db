"""The floor for a web layer that stores: Flask behind the same gunicorn, doing the database work a
submission needs with sqlite3 and nothing else.

It reads the survey's row (its version and questions once, as the app keeps a survey's shape), counts
the post in the rate limit, and stores the response and its answers in one transaction with the app's
pragmas, writers taking turns at the lock as the app's do and flushing the WAL to disk after giving back
their turn, before they answer (feedback/database.py). There is no ORM, no form, no hook and no message
for a wrong answer: what the feedback line costs beyond this one is the price of the framework the app
is written in.
"""

import fcntl
import os
import sqlite3
import threading
import time

from flask import Flask, request

from feedback.database import SQLITE_PRAGMAS

app = Flask(__name__)
AGREEMENT = {"strongly_agree", "agree", "neither", "disagree", "strongly_disagree", "dont_know"}
# By process and thread: gunicorn forks after importing this module, and with --threads a process serves
# requests on several threads, where a sqlite3 connection may be used only by the thread that opened it.
_opened: dict[tuple[int, int], tuple] = {}


def _database() -> tuple:
    owner = (os.getpid(), threading.get_ident())
    opened = _opened.get(owner)
    if opened is None:
        path = os.environ["FEEDBACK_DATABASE_URL"].removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None)
        for name, value in SQLITE_PRAGMAS.items():
            connection.execute(f"PRAGMA {name} = {value}")
        connection.execute("PRAGMA synchronous = NORMAL")  # the WAL is flushed after the turn, as the app's
        turn = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        # The survey's version and questions are read once, as the app keeps a survey's shape.
        variant_id, survey_id = connection.execute(
            "SELECT v.id, s.id FROM survey_variant v JOIN survey s ON s.id = v.survey_id "
            "WHERE s.slug = 'live-feedback' AND v.kind = 'standard'"
        ).fetchone()
        questions = dict(connection.execute("SELECT key, id FROM question WHERE survey_id = ?", (survey_id,)))
        wal = os.open(f"{path}-wal", os.O_RDONLY | os.O_CLOEXEC)
        opened = _opened[owner] = (connection, turn, wal, variant_id, questions)
    return opened


@app.post("/s/<slug>/responses")
def submit(slug: str):
    connection, turn, wal, variant_id, questions = _database()
    body = request.get_json()
    survey = connection.execute("SELECT id, status FROM survey WHERE slug = ?", (slug,)).fetchone()
    if survey is None or survey[1] != "open":
        return {"errors": {"survey": "closed"}}, 404
    answers = body["answers"]
    rows = []
    for key, value in answers.items():
        if key != "comment" and value not in AGREEMENT:
            return {"errors": {key: "not an answer"}}, 400
        text = key == "comment"
        rows.append((questions[key], None if text else value, value if text else None))
    fcntl.flock(turn, fcntl.LOCK_EX)  # as the app waits in its main thread, without the alarm that ends it
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO rate_limit_hit (bucket, window_start, count) VALUES (?, ?, 1) "
            "ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1 RETURNING count",
            (request.remote_addr, int(time.time()) // 600 * 600),
        ).fetchone()
        response_id = connection.execute(
            "INSERT INTO response (survey_id, variant_id, submitted_at, respondent_role, channel, "
            "idempotency_key) VALUES (?, ?, ?, 'parent_carer', 'web', ?) "
            "ON CONFLICT DO NOTHING RETURNING id",
            (survey[0], variant_id, time.strftime("%Y-%m-%d %H:%M:%S.000000"), body["idempotency_key"]),
        ).fetchone()[0]
        connection.executemany(
            "INSERT INTO answer (response_id, question_id, agreement, text) VALUES (?, ?, ?, ?)",
            [(response_id, *row) for row in rows],
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    finally:
        fcntl.flock(turn, fcntl.LOCK_UN)
    os.fdatasync(wal)  # on disk before it is acknowledged, as with synchronous = FULL
    return {"id": response_id, "created": True}, 201

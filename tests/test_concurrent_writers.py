"""64 writers at once, each submitting whole responses: none is refused with "database is locked", every
acknowledged response is stored once, and the database passes its integrity check. Runs on SQLite, and
on PostgreSQL in CI's second run."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Response
from feedback.services.backup import integrity_problems

WRITERS = 64
EACH = 3


def test_sixty_four_concurrent_writers(app, demo):
    app.config["FEEDBACK_PUBLIC_POST_LIMIT"] = (10_000, 600)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
        db.session.remove()
    start = threading.Barrier(WRITERS)
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def writer() -> None:
        client = app.test_client()
        start.wait()
        for _ in range(EACH):
            key = uuid.uuid4().hex
            body = {
                "idempotency_key": key,
                "answers": {"heard": "agree", "valued": "disagree", "comment": "Busy day."},
            }
            response = client.post("/s/live-feedback/responses", json=body)
            with lock:
                results.append((key, response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    failures = [(status, text[:200]) for _, status, text in results if status != 201]
    assert failures == [] and len(results) == WRITERS * EACH
    assert not any("locked" in text for _, _, text in results)
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
        keys = set(
            db.session.scalars(
                sa.select(Response.idempotency_key).where(Response.idempotency_key.like("client-%"))
            )
        )
        assert stored - before == WRITERS * EACH
        assert keys == {f"client-{key}" for key, _, _ in results}
        assert integrity_problems(db.engine) == []

"""sqlmap against every public form and parameter, on loopback: it must find no injection point.

sqlmap (from PyPI) runs at level 1, risk 1 with every technique, against the database this run uses
(SQLite, or PostgreSQL in CI's second run). Forms get a fresh CSRF token for each request, and the
sign-in and public-post limits are lifted for the test's own address, or sqlmap would only ever see 429.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import request
from werkzeug.serving import make_server

from feedback.extensions import db
from feedback.models import YouSaidWeDid

SQLMAP = Path(sys.executable).parent / "sqlmap"
FOUND = "identified the following injection point"
TESTED = "do not appear to be injectable"


@pytest.fixture
def live(app, demo, monkeypatch):
    from feedback.views import auth

    monkeypatch.setattr(auth, "ATTEMPTS_PER_ADDRESS", 10**9)
    monkeypatch.setattr(auth, "FAILURES_BEFORE_LOCK", 10**9)
    app.config.update(
        TESTING=False,
        WTF_CSRF_ENABLED=True,
        FEEDBACK_PUBLIC_POST_LIMIT=(10**9, 60),
        SESSION_COOKIE_SECURE=False,
    )
    with app.app_context():
        db.session.remove()

    @app.get("/sqlmap-canary")
    def canary():
        """Injectable on purpose, in this test only: proof that the harness finds what it looks for."""
        number = request.args.get("id", "1")
        found = db.session.execute(sa.text(f"SELECT count(*) FROM theme WHERE id = {number}")).scalar()  # noqa: S608
        return {"themes": found}

    canary.access = "public"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _sqlmap(tmp_path: Path, *arguments: str) -> str:
    result = subprocess.run(
        [str(SQLMAP), *arguments, "--batch", "--level=1", "--risk=1", "--flush-session", "--disable-coloring",
         f"--output-dir={tmp_path}"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return result.stdout + result.stderr


def test_sqlmap_finds_no_injection_in_any_public_form(app, live, tmp_path):
    with app.app_context():
        slug = db.session.scalar(sa.select(YouSaidWeDid.slug).where(YouSaidWeDid.revisions.any()).limit(1))
        db.session.remove()
    form = ["--csrf-token=csrf_token"]
    sign_in = "email=a%40example.org&password=wrong-password-123&csrf_token=x"
    widget_key = "widget-abcdefghijklmnopqrstuvwx"
    submission = '{"idempotency_key": "sqlmap-probe-0001", "answers": {"heard": "agree", "comment": "x"}}'
    targets = {
        "you said we did filters": ["-u", f"{live}/you-said-we-did?area=1&theme=1&audience=parent_carer"],
        "entry slug": ["-u", f"{live}/you-said-we-did/{slug}*"],
        "open data entry": ["-u", f"{live}/api/v1/you-said-we-did/{slug}*"],
        "survey slug": ["-u", f"{live}/s/live-feedback*"],
        # An unknown token is a 404: sqlmap compares the pages its payloads get against that.
        "resume token": ["-u", f"{live}/s/live-feedback/abcdefghijklmnopqrstuvwx*", "--ignore-code=404"],
        "sign in": ["-u", f"{live}/login", "--data", sign_in, *form, f"--csrf-url={live}/login"],
        # Its answer is a redirect to the new draft's first page. Followed, sqlmap posted each probe on to
        # every page of the survey, several requests a probe, and one CI run ran out of its ten minutes
        # here (it usually takes seconds): the form under test is the start, which the redirect ends.
        "survey start": ["-u", f"{live}/s/live-feedback", "--data", "version=standard&from=web&csrf_token=x",
                         *form, f"--csrf-url={live}/s/live-feedback", "--ignore-redirects"],
        # The widget has no CSRF token (it lives in other sites' iframes): its server-issued entry key.
        "widget": ["-u", f"{live}/w/local-offer-feedback", "--data", f"answer=yes&entry_key={widget_key}"],
        "json submission": ["-u", f"{live}/s/live-feedback/responses", "--data", submission],
    }  # fmt: skip
    canary = _sqlmap(tmp_path / "canary", "-u", f"{live}/sqlmap-canary?id=1", "--technique=B")
    assert FOUND in canary, canary[-1500:]
    findings = {}
    for name, arguments in targets.items():
        output = _sqlmap(tmp_path / name.replace(" ", "-"), *arguments)
        assert TESTED in output or "all tested parameters" in output, (name, output[-1500:])
        if FOUND in output:
            findings[name] = output[-3000:]
    assert findings == {}

import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedback import config
from feedback.extensions import csrf, db, login_manager, migrate


def test_create_app_takes_overrides_and_wires_everything(app):
    assert app.config["TESTING"] is True
    for extension in ("sqlalchemy", "migrate", "csrf"):
        assert extension in app.extensions
    assert app.login_manager is login_manager
    assert {"main", "auth", "plans"} <= set(app.blueprints)
    assert {"users", "plans", "demo", "db"} <= set(app.cli.commands)
    assert db is app.extensions["sqlalchemy"]
    assert app.extensions["migrate"].migrate is migrate
    assert csrf is app.extensions["csrf"]


def test_healthz_answers_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_configuration_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "postgres://user:pw@db.internal/feedback")
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "from-the-environment-" * 2)
    monkeypatch.setenv("FEEDBACK_ANALYSIS_CRON", "*/15 * * * *")
    settings = config.from_environment(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user:pw@db.internal/feedback"
    assert settings["SECRET_KEY"] == "from-the-environment-" * 2
    assert settings["FEEDBACK_ANALYSIS_CRON"] == "*/15 * * * *"


def test_a_database_url_the_app_cannot_use_stops_it_naming_only_its_scheme(monkeypatch, tmp_path):
    for url in ("mysql://user:secret@db/feedback", "postgresql+psycopg2://user:secret@db/x", "nosuch"):
        monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
        with pytest.raises(ValueError, match="must be a PostgreSQL URL .* or a SQLite one") as refusal:
            config.from_environment(tmp_path)
        assert repr(url.partition(":")[0]) in str(refusal.value) and "secret" not in str(refusal.value)


def test_only_a_database_with_a_server_is_pinged_before_its_connection_is_used(app, monkeypatch, tmp_path):
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "postgres://user:pw@db.internal/feedback")
    assert config.from_environment(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", f"sqlite:///{tmp_path / 'f.sqlite3'}")
    assert config.from_environment(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
    with app.app_context():  # the test app is built with an overridden URL: the options follow it
        assert db.engine.pool._pre_ping is (db.engine.dialect.name == "postgresql")
        assert db.engine.hide_parameters is True


def test_retention_periods_contacts_and_districts_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FEEDBACK_RESPONSE_RETENTION_YEARS", "5")
    monkeypatch.setenv("FEEDBACK_CASE_RETENTION_YEARS", "7")
    monkeypatch.setenv("FEEDBACK_ACCESS_RETENTION_YEARS", "2")
    monkeypatch.setenv("FEEDBACK_PRIVACY_CONTACT", " dpo@council.example ")
    monkeypatch.setenv("FEEDBACK_ACCESSIBILITY_CONTACT", "0300 000 0000 ")
    monkeypatch.setenv("FEEDBACK_SENDIASS_CONTACT", " https://sendiass.council.example")
    monkeypatch.setenv("FEEDBACK_DISTRICTS", " Telford; Wrekin ;; Telford")
    settings = config.from_environment(tmp_path)
    assert (settings["RESPONSE_RETENTION_YEARS"], settings["CASE_RETENTION_YEARS"]) == (5, 7)
    assert settings["ACCESS_RETENTION_YEARS"] == 2
    assert settings["PRIVACY_CONTACT"] == "dpo@council.example"
    assert settings["ACCESSIBILITY_CONTACT"] == "0300 000 0000"
    assert settings["SENDIASS_CONTACT"] == "https://sendiass.council.example"
    assert settings["DISTRICTS"] == ["Telford", "Wrekin"]
    monkeypatch.setenv("FEEDBACK_DISTRICTS", "Telford; " + "x" * 61)
    with pytest.raises(ValueError, match="FEEDBACK_DISTRICTS must be the area's districts separated by ;"):
        config.from_environment(tmp_path)
    monkeypatch.delenv("FEEDBACK_DISTRICTS")
    for bad in ("three", "0", "-5", "101"):
        monkeypatch.setenv("FEEDBACK_RESPONSE_RETENTION_YEARS", bad)
        with pytest.raises(
            ValueError, match=f"RETENTION_YEARS must be a whole number of years from 1 to 100, not '{bad}'"
        ):
            config.from_environment(tmp_path)


def test_the_public_post_limit_comes_from_the_environment_and_must_be_countable(monkeypatch, tmp_path):
    monkeypatch.setenv("FEEDBACK_PUBLIC_POST_LIMIT", "20/60")
    assert config.from_environment(tmp_path)["FEEDBACK_PUBLIC_POST_LIMIT"] == (20, 60)
    monkeypatch.setenv("FEEDBACK_PUBLIC_POST_LIMIT", "20")
    assert config.from_environment(tmp_path)["FEEDBACK_PUBLIC_POST_LIMIT"] == (20, 60)
    for bad in ("0/0", "20/0", "-1/60", "0", "twenty/60"):
        monkeypatch.setenv("FEEDBACK_PUBLIC_POST_LIMIT", bad)
        with pytest.raises(ValueError, match=f"must look like 300/600, .* both at least 1; not '{bad}'"):
            config.from_environment(tmp_path)


def test_how_many_proxies_to_trust_comes_from_the_environment(monkeypatch, tmp_path):
    assert config.Defaults.TRUSTED_PROXIES == 0  # X-Forwarded-For is anyone's to send
    monkeypatch.setenv("FEEDBACK_TRUSTED_PROXIES", "2")
    assert config.from_environment(tmp_path)["TRUSTED_PROXIES"] == 2
    for bad in ("-1", "one", "6", "1.5"):
        monkeypatch.setenv("FEEDBACK_TRUSTED_PROXIES", bad)
        with pytest.raises(ValueError, match=f"add to X-Forwarded-For, from 0 to 5; not '{bad}'"):
            config.from_environment(tmp_path)


def test_the_public_host_name_comes_from_the_environment(monkeypatch, tmp_path):
    assert "SERVER_NAME" not in config.from_environment(tmp_path)  # links are built on the Host header
    monkeypatch.setenv("FEEDBACK_SERVER_NAME", "Feedback.Council.gov.uk")
    assert config.from_environment(tmp_path)["SERVER_NAME"] == "feedback.council.gov.uk"
    monkeypatch.setenv("FEEDBACK_SERVER_NAME", "localhost:5000")
    assert config.from_environment(tmp_path)["SERVER_NAME"] == "localhost:5000"
    for bad in ("https://feedback.council.gov.uk", "feedback.council.gov.uk/", "-x.org", "a b", "x.org:port"):
        monkeypatch.setenv("FEEDBACK_SERVER_NAME", bad)
        with pytest.raises(ValueError, match=f"no https:// and no path\\), not '{bad}'"):
            config.from_environment(tmp_path)


@pytest.mark.parametrize(
    ("setting", "default", "chosen", "wrong", "refusal"),
    [
        # Who must turn on a second sign-in step
        (
            "SECOND_STEP_REQUIRED_FOR",
            "admin",
            "coordinator",
            "admins",
            "must be one of admin, coordinator, none",
        ),
        # What forgetting a response does to its comments
        ("FORGOTTEN_COMMENTS", "redact", "delete", "remove", "must be redact .* or delete .*"),
    ],
)
def test_a_choice_comes_from_the_environment_and_a_wrong_one_is_refused(
    monkeypatch, tmp_path, setting, default, chosen, wrong, refusal
):
    assert getattr(config.Defaults, setting) == default
    monkeypatch.setenv(f"FEEDBACK_{setting}", chosen)
    assert config.from_environment(tmp_path)[setting] == chosen
    monkeypatch.setenv(f"FEEDBACK_{setting}", wrong)
    with pytest.raises(ValueError, match=f"{refusal}, not '{wrong}'"):
        config.from_environment(tmp_path)


@pytest.mark.parametrize(
    "started",
    [["-m", "flask", "--app", "feedback", "db", "upgrade"], ["-c", "import wsgi"]],
    ids=["flask", "wsgi"],
)
def test_a_setting_the_app_cannot_use_is_said_alone_where_it_starts(tmp_path, started):
    """The command line and gunicorn's wsgi.py say what is wrong in one line, not at the foot of a traceback
    through the app factory, and start nothing."""
    database = tmp_path / "feedback.sqlite3"
    env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{database}", "FEEDBACK_TRUSTED_PROXIES": "x"}
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, *started], env=env, cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert "FEEDBACK_TRUSTED_PROXIES must be how many proxies" in result.stderr
    assert "Traceback" not in result.stderr and not database.exists()


def test_without_a_secret_key_one_is_made_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("FEEDBACK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FEEDBACK_DATABASE_URL", raising=False)
    first = config.from_environment(tmp_path)
    second = config.from_environment(tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'feedback.sqlite3'}"


def test_a_guessable_secret_key_is_refused_without_being_repeated(monkeypatch, tmp_path):
    """Anyone who guesses the key can sign a session as an admin."""
    for short in ("changeme", "s3cr3t-" * 4 + "abc"):
        monkeypatch.setenv("FEEDBACK_SECRET_KEY", short)
        with pytest.raises(
            config.ConfigError, match=f"at least 32 random characters.*; it has {len(short)}$"
        ) as refusal:
            config.from_environment(tmp_path)
        assert short not in str(refusal.value)
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "k" * 32)
    assert config.from_environment(tmp_path)["SECRET_KEY"] == "k" * 32


def test_the_instance_folder_is_made_readable_only_by_its_owner(monkeypatch, tmp_path):
    """It holds the default SQLite database, whose files SQLite makes readable by everyone the umask lets."""
    monkeypatch.delenv("FEEDBACK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FEEDBACK_DATABASE_URL", raising=False)
    before = os.umask(0o022)
    try:
        config.from_environment(tmp_path / "instance")
    finally:
        os.umask(before)
    assert (tmp_path / "instance").stat().st_mode & 0o777 == 0o700


def test_a_secret_key_is_never_seen_half_made(monkeypatch, tmp_path):
    """Workers started together (gunicorn without --preload) each make the key if it is not there: none may
    read the file before the key is in it, or serve with an empty key."""
    key_file = tmp_path / "secret_key"

    def token_hex(length):
        assert not key_file.exists(), "the key file is there, empty, while its key is made"
        return "k" * 2 * length

    monkeypatch.setattr(config.secrets, "token_hex", token_hex)
    assert config._instance_secret_key(tmp_path) == "k" * 64
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_a_worker_that_finds_the_key_made_meanwhile_reads_it(monkeypatch, tmp_path):
    """Another worker made the key between this one looking for it and making its own: this one keeps
    theirs, rather than failing to start or replacing a key sessions are already signed with."""
    (tmp_path / "secret_key").write_text("theirs")
    monkeypatch.setattr(config.Path, "exists", lambda path: False)
    assert config._instance_secret_key(tmp_path) == "theirs"
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_wsgi_module_builds_the_app_without_connecting(monkeypatch, tmp_path):
    """gunicorn --preload builds the app once and forks the workers from it (README, Production): a
    connection made while building would be shared by every worker, each writing through the same one."""
    database = tmp_path / "not-yet.sqlite3"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "x" * 32)
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "feedback"
    assert not database.exists()  # SQLite makes the file when it is first opened: nor did a migration run


def test_the_session_cookie_keeps_its_plain_name_where_the_host_prefix_would_be_refused():
    following = config.following
    secure = {"SESSION_COOKIE_NAME": config.Defaults.SESSION_COOKIE_NAME, "SESSION_COOKIE_SECURE": True}
    assert following(secure) == {"SESSION_COOKIE_NAME": "__Host-feedback_session"}
    assert following({**secure, "SESSION_COOKIE_SECURE": False}) == {}  # FEEDBACK_INSECURE_COOKIES
    assert following({**secure, "SESSION_COOKIE_DOMAIN": "send.example.gov.uk"}) == {}
    assert following({**secure, "APPLICATION_ROOT": "/feedback"}) == {}
    assert following({**secure, "SESSION_COOKIE_NAME": "__Host-feedback_session"}) == {}

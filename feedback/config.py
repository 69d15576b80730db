"""Configuration read from the environment.

Every setting a deployment changes is an environment variable prefixed ``FEEDBACK_``; nothing secret lives
in the repository. Without ``FEEDBACK_SECRET_KEY`` a random key is made once and kept in ``instance/``, so a
single machine works out of the box; several machines behind a balancer must share one key.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

import click


class ConfigError(click.ClickException, ValueError):
    """A setting the app cannot start with. As a ClickException, Flask's command line says its message
    alone, as "Error: ...", rather than a traceback through the app factory; wsgi.py says it alone too."""


# A key that signs sessions, and keys the hashes of families' addresses, must not be guessable: "changeme"
# would let anyone sign a session as an admin. The made one, and the README's, are 64 characters.
MOST_GUESSABLE_KEY = 31


def _secret_key(instance_path: Path) -> str:
    key = os.environ.get("FEEDBACK_SECRET_KEY")
    if not key:
        return _instance_secret_key(instance_path)
    if len(key) <= MOST_GUESSABLE_KEY:
        raise ConfigError(  # never the key itself, which may be a real one cut short
            f"FEEDBACK_SECRET_KEY must be at least {MOST_GUESSABLE_KEY + 1} random characters, such as"
            " python3 -c 'import secrets; print(secrets.token_hex(32))' prints; it has"
            f" {len(key)}"
        )
    return key


def _make_instance_folder(instance_path: Path) -> None:
    """The folder of the key and the default SQLite database, which holds every family's details: made
    readable only by its owner, since SQLite makes its files as readable as the process's umask leaves them
    (usually by everyone on the machine). A folder that is already there keeps its mode."""
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _instance_secret_key(instance_path: Path) -> str:
    """The key kept in ``instance/secret_key``, made the first time. Web workers starting together may each
    make one: each writes its own to a file of its own (mode 0600) and links it into place, which only the
    first can do, so every worker reads the same whole key and none sees the file before its key is in it."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        _make_instance_folder(instance_path)
        fd, made = tempfile.mkstemp(prefix=".secret_key-", dir=instance_path)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            os.link(made, key_file)
        except FileExistsError:
            pass  # another worker's key is in place
        finally:
            os.unlink(made)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("FEEDBACK_DATABASE_URL")
    if url:
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        if not url.startswith(("sqlite:", "postgresql+psycopg://")):
            scheme = url.partition(":")[0]  # only that: the rest may hold a password
            raise ConfigError(
                "FEEDBACK_DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host/name) or "
                f"a SQLite one (sqlite:////path/to/file.sqlite3), not one starting {scheme!r}"
            )
        return url
    _make_instance_folder(instance_path)
    return f"sqlite:///{instance_path / 'feedback.sqlite3'}"


# A host name, and its port if it needs one: what Flask's SERVER_NAME takes.
SERVER_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?")
# A TLS proxy, a load balancer in front of that, a CDN in front of both: more than that is a mistake.
MOST_PROXIES = 5

# Who must turn on the second sign-in step before using the service: admins (and so every account that
# reaches the data protection pages and the users), coordinators and admins, or nobody.
SECOND_STEP_CHOICES = ("admin", "coordinator", "none")


class ForgottenComments(StrEnum):
    """What forgetting a response (retention, or a request to erase) does to its comments
    (services/data_protection.py), and so what the privacy notice promises."""

    REDACT = "redact"  # names and the like are taken out
    DELETE = "delete"  # the whole text goes


def from_environment(instance_path: Path, given: dict | None = None) -> dict:
    """The settings of a running deployment; those already ``given`` are not looked up at all."""
    given = given or {}
    settings = {
        "FEEDBACK_ANALYSIS_CRON": os.environ.get("FEEDBACK_ANALYSIS_CRON", "0 * * * *"),
        "FEEDBACK_HOUSEKEEPING_CRON": os.environ.get("FEEDBACK_HOUSEKEEPING_CRON", "30 2 * * *"),
        # Secure cookies also work on http://localhost in current browsers; the switch is for odd set-ups.
        "SESSION_COOKIE_SECURE": os.environ.get("FEEDBACK_INSECURE_COOKIES") != "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("FEEDBACK_INSECURE_COOKIES") != "1",
    }
    for kind in ("CASE", "RESPONSE", "ACCESS"):
        retention = os.environ.get(f"FEEDBACK_{kind}_RETENTION_YEARS")
        if retention:
            if not retention.isdigit() or not 1 <= int(retention) <= 100:
                raise ConfigError(
                    f"FEEDBACK_{kind}_RETENTION_YEARS must be a whole number of years from 1 to 100, "
                    f"not {retention!r}"
                )
            settings[f"{kind}_RETENTION_YEARS"] = int(retention)
    for contact in ("PRIVACY_CONTACT", "ACCESSIBILITY_CONTACT", "SENDIASS_CONTACT"):
        if os.environ.get(f"FEEDBACK_{contact}"):
            settings[contact] = os.environ[f"FEEDBACK_{contact}"].strip()
    second_step = os.environ.get("FEEDBACK_SECOND_STEP_REQUIRED_FOR")
    if second_step:
        if second_step not in SECOND_STEP_CHOICES:
            raise ConfigError(
                f"FEEDBACK_SECOND_STEP_REQUIRED_FOR must be one of {', '.join(SECOND_STEP_CHOICES)},"
                f" not {second_step!r}"
            )
        settings["SECOND_STEP_REQUIRED_FOR"] = second_step
    forgotten_comments = os.environ.get("FEEDBACK_FORGOTTEN_COMMENTS")
    if forgotten_comments:
        if forgotten_comments not in set(ForgottenComments):
            raise ConfigError(
                "FEEDBACK_FORGOTTEN_COMMENTS must be redact (names and the like are taken out) or delete"
                f" (the whole comment goes), not {forgotten_comments!r}"
            )
        settings["FORGOTTEN_COMMENTS"] = ForgottenComments(forgotten_comments)
    districts = os.environ.get("FEEDBACK_DISTRICTS")
    if districts:
        settings["DISTRICTS"] = _districts(districts)
    places = os.environ.get("FEEDBACK_REDACT_PLACES")
    if places:
        settings["REDACT_PLACES"] = [p.strip() for p in places.split(";") if p.strip()]
    limit = os.environ.get("FEEDBACK_PUBLIC_POST_LIMIT")
    if limit:
        settings["FEEDBACK_PUBLIC_POST_LIMIT"] = _parse_limit(limit)
    server_name = os.environ.get("FEEDBACK_SERVER_NAME")
    if server_name:
        if not SERVER_NAME.fullmatch(server_name):
            raise ConfigError(
                "FEEDBACK_SERVER_NAME must be the host name families use, like feedback.council.gov.uk"
                f" (a port may follow a colon; no https:// and no path), not {server_name!r}"
            )
        # The address of every link made to be used elsewhere: a poster's QR code, the Local Offer
        # widget's code, the resume link, the Atom feed. Without it they are built on the Host header,
        # which a proxy that does not pass it on sets to the app's own address (127.0.0.1:8000).
        settings["SERVER_NAME"] = server_name.lower()
    proxies = os.environ.get("FEEDBACK_TRUSTED_PROXIES")
    if proxies:
        if not proxies.isdigit() or int(proxies) > MOST_PROXIES:
            raise ConfigError(
                "FEEDBACK_TRUSTED_PROXIES must be how many proxies in front of the app add to"
                f" X-Forwarded-For, from 0 to {MOST_PROXIES}; not {proxies!r}"
            )
        settings["TRUSTED_PROXIES"] = int(proxies)
    if "SECRET_KEY" not in given:
        settings["SECRET_KEY"] = _secret_key(instance_path)
    if "SQLALCHEMY_DATABASE_URI" not in given:
        settings["SQLALCHEMY_DATABASE_URI"] = _database_url(instance_path)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in given:
        url = given.get("SQLALCHEMY_DATABASE_URI") or settings["SQLALCHEMY_DATABASE_URI"]
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(str(url))
    return settings


def following(settings: dict) -> dict:
    """Settings that follow from others, once the environment and any overrides have been read.

    The session cookie is named with the ``__Host-`` prefix (OWASP ASVS 3.4.4) whenever it is Secure,
    has no Domain and its path is "/": a browser then takes it only from this host over HTTPS (or
    localhost), and a neighbouring subdomain of the council's cannot set one to plant a session. A
    cookie without Secure (FEEDBACK_INSECURE_COOKIES, tests) keeps the plain name, which browsers accept.
    """
    name = settings["SESSION_COOKIE_NAME"]
    path = settings.get("SESSION_COOKIE_PATH") or settings.get("APPLICATION_ROOT") or "/"  # as Flask's
    host_only = not settings.get("SESSION_COOKIE_DOMAIN") and path == "/"
    if settings["SESSION_COOKIE_SECURE"] and host_only and not name.startswith("__Host-"):
        return {"SESSION_COOKIE_NAME": f"__Host-{name}"}
    return {}


def engine_options(url: str) -> dict:
    """hide_parameters: a database error's message would otherwise carry the row's values (an email, a
    child's name) into the log.

    pool_pre_ping: PostgreSQL can close a pooled connection between two requests (a restart, an idle
    timeout), and a ping on taking it from the pool finds that before a request does. A SQLite file has
    no server to go away, and there the ping would only cost every request a query of its own (a
    submission takes two connections from the pool, so two).
    """
    return {"hide_parameters": True, "pool_pre_ping": not url.startswith("sqlite")}


DISTRICT_LENGTH = 60  # response.district's column (models/response.py)


def _districts(text: str) -> list[str]:
    """``North Warwickshire; Rugby``: the districts offered, in that order, each once."""
    names = list(dict.fromkeys(name.strip() for name in text.split(";") if name.strip()))
    too_long = [name for name in names if len(name) > DISTRICT_LENGTH]
    if too_long:
        raise ConfigError(
            f"FEEDBACK_DISTRICTS must be the area's districts separated by ;, each at most {DISTRICT_LENGTH} "
            f"characters; {too_long[0]!r} is longer"
        )
    return names


def _parse_limit(text: str) -> tuple[int, int]:
    """``300/600``: 300 requests in each 600-second window (``300`` alone: in each minute). Both at least 1:
    a window of 0 seconds cannot be counted in, and a limit under 1 would refuse every family."""
    count, _, seconds = text.partition("/")
    try:
        limit: tuple[int, int] | None = (int(count), int(seconds or 60))
    except ValueError:
        limit = None
    if limit is None or min(limit) < 1:
        raise ConfigError(
            f"FEEDBACK_PUBLIC_POST_LIMIT must look like 300/600, posts in each window of so many seconds, "
            f"both at least 1; not {text!r}"
        )
    return limit


class Defaults:
    """Settings every deployment shares unless it overrides them."""

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "feedback_session"
    # A staff session ends after a working day; there is no long-lived remember-me cookie at all.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # And after this long without a request; a warning comes two minutes before (WCAG 2.2.1).
    SESSION_IDLE_SECONDS = 30 * 60
    SECOND_STEP_REQUIRED_FOR = "admin"
    REMEMBER_COOKIE_DURATION = timedelta(hours=8)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    FEEDBACK_ANALYSIS_CRON = "0 * * * *"
    # Expired drafts deleted and retention applied: daily, at a quiet hour (UTC).
    FEEDBACK_HOUSEKEEPING_CRON = "30 2 * * *"
    SERVICE_NAME = "Feedback Loop"
    # Public survey posts from one address: a school's tablets share one, so this is generous.
    FEEDBACK_PUBLIC_POST_LIMIT = (300, 600)
    # How many proxies in front of the app add the client's address to X-Forwarded-For (create_app).
    # 0: the app takes requests from the clients themselves, and the header, which anyone can send, is
    # ignored.
    TRUSTED_PROXIES = 0
    # The districts of the area that the survey's "Where do you live?" offers; with none, it is not asked.
    DISTRICTS: list[str] = []
    # School and place names that quotes must never show, beside the names the tagger finds.
    REDACT_PLACES: list[str] = []
    FORGOTTEN_COMMENTS = ForgottenComments.REDACT  # or DELETE: what forgetting a response does to comments
    # Years after a case closes before the family's details are deleted and its text redacted.
    CASE_RETENTION_YEARS = 6
    # Years after a response is submitted before its contact details, profile and names are forgotten.
    RESPONSE_RETENTION_YEARS = 3
    # Years the record of who on the staff was shown a family's details is kept: as long as a closed case.
    ACCESS_RETENTION_YEARS = 6
    # How families reach the data protection officer, on the privacy notice: an address, email or page.
    PRIVACY_CONTACT = ""
    # How people ask for a survey in another format or report a problem, on the accessibility statement.
    ACCESSIBILITY_CONTACT = ""
    # How families reach the area's SEND Information, Advice and Support Service, on the confirmation page.
    SENDIASS_CONTACT = ""

"""The ``flask --app feedback`` commands. They call the same services as the views and commit once."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from . import clock
from .config import ForgottenComments
from .database import (
    WRITES,
    NotOnDisk,
    clear_flush_failure,
    commit_to_disk,
    is_busy,
    raise_if_not_on_disk,
    writing,
)
from .extensions import db
from .models import AnalysisRun, Role, Survey
from .services import (
    access_events,
    cases,
    data_protection,
    demo,
    plan_import,
    private_files,
    respond,
    response_import,
    themes,
    users,
)
from .services.audit import set_actor
from .services.text import counted, were

users_cli = AppGroup("users", help="Staff accounts.")
plans_cli = AppGroup("plans", help="Improvement plans.")
responses_cli = AppGroup("responses", help="Survey responses.")
themes_cli = AppGroup("themes", help="The theme lexicon.")
cases_cli = AppGroup("cases", help="Complaints, mediations, tribunal appeals, compliments and enquiries.")


class _File(click.Path):
    """A file's path, never a folder's. click.Path takes an empty one for the current folder, which a
    command would then report on as "." (". already exists", "problems found in ."): this names it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(dir_okay=False, path_type=Path, **kwargs)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("it is empty: give the path of a file.", param, ctx)
        return super().convert(value, param, ctx)


def register_commands(app: Flask) -> None:
    app.cli.add_command(analyse_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(plans_cli)
    app.cli.add_command(responses_cli)
    app.cli.add_command(themes_cli)
    app.cli.add_command(cases_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(subject_access_command)


BUSY = "Another program kept the database busy for too long; nothing was changed. Try again."
NOT_ON_DISK = "The change could not be flushed to disk ({error}): check the disk, then check the change."


def _says_when_busy(command: Callable) -> Callable:
    """If another writer keeps SQLite's lock past the busy timeout, or what the command committed could
    not be flushed to disk, the command says so plainly."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OperationalError as error:
            if not is_busy(error):
                raise
            db.session.rollback()
            raise click.ClickException(BUSY) from None
        except NotOnDisk as error:
            raise click.ClickException(NOT_ON_DISK.format(error=error)) from None

    return run


def _writes(command: Callable) -> Callable:
    """A command that changes the database begins as a writer: on SQLite it takes the write lock before
    it reads, so a family saving in the meantime cannot get its writes refused with "database is locked"
    at once; families wait for the command instead. If another writer keeps the lock past the busy timeout
    the command says so, having changed nothing."""

    @_says_when_busy
    @functools.wraps(command)
    def run(*args, **kwargs):
        clear_flush_failure()
        db.session.connection(execution_options=WRITES)
        result = command(*args, **kwargs)
        raise_if_not_on_disk()  # the command committed: was it flushed? (database.py)
        return result

    return run


def _refuse_import(failure: plan_import.ImportFailed, file: Path) -> None:
    """List every problem, write nothing, and exit non-zero."""
    db.session.rollback()
    for error in failure.errors:
        click.echo(f"  {error}", err=True)
    raise click.ClickException(
        f"{len(failure.errors)} problem(s) found in {file}; nothing was imported."
    ) from None


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="staff, coordinator or admin",
)
@click.option("--name", default="", help="The person's name, as shown in the audit trail.")
def create_user(email: str, role: str, name: str) -> None:
    """Create a staff account. The password comes from FEEDBACK_NEW_PASSWORD or a prompt."""
    password = os.environ.get("FEEDBACK_NEW_PASSWORD")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _create_user(email, role, name, password)  # the database is not kept waiting for the prompt


@_writes
def _create_user(email: str, role: str, name: str, password: str) -> None:
    set_actor(db.session, None, "command line")
    try:
        user = users.create_user(db.session, email, role, password, name=name)
    except users.UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    commit_to_disk(db.session)
    click.echo(f"Created {user.email} with role {user.role.value}.")


@plans_cli.command("import")
@click.argument("file", type=_File())
@_writes
def import_plan(file: Path) -> None:
    """Import or update a plan from a CSV or XLSX file in the template's columns."""
    set_actor(db.session, None, f"import of {file.name}")
    try:
        result = plan_import.import_plan(db.session, file)
    except plan_import.ImportFailed as failure:
        _refuse_import(failure, file)
    commit_to_disk(db.session)
    click.echo(f"Imported {result.plan.title}.")
    for kind in plan_import.KINDS:
        click.echo(f"  {kind}: {result.created[kind]} new, {result.changed[kind]} changed")


@themes_cli.command("install")
@click.argument("file", type=_File(exists=True), required=False)
@_writes
def install_themes(file: Path | None) -> None:
    """Add the themes of a lexicon file (slug,name,keywords with keywords separated by semicolons) that are
    not there yet; by default the SEND lexicon that ships with Feedback Loop. Edited themes are kept."""
    set_actor(db.session, None, "themes install")
    try:
        added = themes.install_lexicon(db.session, file or themes.LEXICON_FILE)
    except themes.LexiconError as error:
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        raise click.ClickException(f"Nothing was installed from {file}:\n{lines}") from None
    commit_to_disk(db.session)
    click.echo(f"Added {counted(added, 'theme')}; the next analysis run matches every comment against them.")


@cases_cli.command("anonymise")
@click.option(
    "--closed-before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Anonymise cases closed before this date (YYYY-MM-DD). Default: the retention period ago.",
)
@_says_when_busy  # it takes the lock for each batch it writes (services/cases.py), so not @_writes
def anonymise_cases(closed_before) -> None:
    """Delete the family's details of cases closed longer ago than the retention period
    (FEEDBACK_CASE_RETENTION_YEARS, 6 by default) and redact names from their text."""
    from flask import current_app

    cutoff = _retention_cutoff(closed_before, "CASE_RETENTION_YEARS")
    set_actor(db.session, None, "cases anonymise")
    places = current_app.config["REDACT_PLACES"]
    changed = _in_batches(cases.anonymise_closed_before(db.session, cutoff, places), "cases")
    click.echo(f"Anonymised {counted(changed, 'case')} closed before {cutoff:%-d %B %Y}.")


@responses_cli.command("import")
@click.argument("survey_slug")
@click.argument("file", type=_File())
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar='"COLUMN=KEY"',
    help="Map a column heading to a question's short name; repeat for more.",
)
@_writes
def import_responses(survey_slug: str, file: Path, pairs: tuple[str, ...]) -> None:
    """Import responses from a Microsoft Forms export (CSV or XLSX). All or nothing."""
    survey = db.session.scalar(db.select(Survey).where(Survey.slug == survey_slug))
    if survey is None:
        raise click.ClickException(f"There is no survey with the web address /s/{survey_slug}.")
    try:
        result = response_import.import_responses(
            db.session, survey, file, response_import.read_mapping(list(pairs))
        )
    except plan_import.ImportFailed as failure:
        _refuse_import(failure, file)
    commit_to_disk(db.session)
    for column, key in result.columns.items():
        click.echo(f"  column {column!r} -> {key}")
    click.echo(
        f"Imported {counted(result.created, 'response')} into {survey.title}; "
        f"{result.already_imported:,} {were(result.already_imported)} already there."
    )


@responses_cli.command("purge-drafts")
@_writes
def purge_drafts() -> None:
    """Delete survey drafts whose resume link has expired (60 days after their last save)."""
    removed = respond.purge_expired_drafts(db.session)
    commit_to_disk(db.session)
    click.echo(f"Deleted {removed} expired drafts.")


@cases_cli.command("erase-contact")
@click.option("--email", default="", help="The email address they gave.")
@click.option("--phone", default="", help="The phone number they gave.")
@_writes
def erase_case_contact(email: str, phone: str) -> None:
    """Erase a family's details from their cases, on a request to erase: contact details, and names in
    the cases' text; the cases stay, anonymous."""
    from flask import current_app

    set_actor(db.session, None, "cases erase-contact")
    try:
        references = cases.erase_family_details(
            db.session, email=email, phone=phone, places=current_app.config["REDACT_PLACES"]
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    commit_to_disk(db.session)
    click.echo(
        f"Erased the family's details and took names out of {counted(len(references), 'case')}"
        f"{': ' + ', '.join(references) if references else ''}."
    )


@responses_cli.command("apply-retention")
@click.option(
    "--submitted-before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Forget responses submitted before this date (YYYY-MM-DD). Default: the retention period ago.",
)
@_says_when_busy  # it takes the lock for each batch it writes (services/data_protection.py), so not @_writes
def apply_response_retention(submitted_before) -> None:
    """Responses older than FEEDBACK_RESPONSE_RETENTION_YEARS (3 by default) lose their contact details,
    profile and names in comments (or comments, as FEEDBACK_FORGOTTEN_COMMENTS says); their agreement
    answers, and so every trend, stay."""
    from flask import current_app

    cutoff = _retention_cutoff(submitted_before, "RESPONSE_RETENTION_YEARS")
    set_actor(db.session, None, "responses apply-retention")
    places = current_app.config["REDACT_PLACES"]
    comments = current_app.config["FORGOTTEN_COMMENTS"]
    forgetting = data_protection.forget_old_responses(db.session, cutoff, places, comments=comments)
    forgotten = _in_batches(forgetting, "responses")
    click.echo(
        f"Forgot the contact details, profile and {_forgotten_in(comments)} of"
        f" {counted(forgotten, 'response')} submitted before {cutoff:%-d %B %Y}."
    )


def _retention_cutoff(given: datetime | None, years_setting: str) -> date:
    """Where a retention command stops: the date given, or the retention period in ``years_setting`` ago.
    A date to come is refused, before anything is changed."""
    from flask import current_app

    today = clock.today()
    cutoff = given.date() if given else data_protection.years_before(today, current_app.config[years_setting])
    if cutoff > today:
        raise click.ClickException("The date must not be in the future; nothing was changed.")
    return cutoff


def _in_batches(batches: Iterator[int], what: str) -> int:
    """Run a retention job that commits batch by batch, and count what it did. If another writer keeps
    the database busy part-way, the batches before stay done, and the message says so."""
    done = 0
    try:
        for count in batches:
            done += count
    except OperationalError as error:
        if not is_busy(error) or not done:
            raise  # nothing done yet: _says_when_busy says so
        db.session.rollback()
        raise click.ClickException(
            f"Another program kept the database busy for too long after {done} {what} were done; run the"
            " command again for the rest."
        ) from None
    return done


@click.command("subject-access")
@click.option("--email", default="", help="Their email address.")
@click.option("--phone", default="", help="Their phone number.")
@click.argument("output", type=_File())
@with_appcontext
@_writes
def subject_access_command(email: str, phone: str, output: Path) -> None:
    """Write everything held about a person (responses they left contact details with, cases they raised,
    their staff account) to OUTPUT as JSON, for a subject access request. Recorded first, as the pages
    that show contact details are, so the file lists this export among those shown the details."""
    import json

    try:
        case_ids, response_ids = data_protection.holders(db.session, email=email, phone=phone)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    try:
        with private_files.created(output):  # before the export is recorded: a bad path changes nothing
            events = access_events.rows(None, "subject-access", case_ids, response_ids)
            access_events.insert(db.session, events)
            commit_to_disk(db.session)
            found = data_protection.subject_access(db.session, email=email, phone=phone)
            output.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    except private_files.CannotCreate as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Wrote {counted(len(found['survey_responses']), 'response')}, {counted(len(found['cases']), 'case')}"
        f"{' and a staff account' if found['staff_account'] else ''} to {output}."
    )


@responses_cli.command("erase-contact")
@click.option("--email", default="", help="The email address they gave.")
@click.option("--phone", default="", help="The phone number they gave.")
@_writes
def erase_contact(email: str, phone: str) -> None:
    """Erase someone's details from every response where they asked for a reply: contact details,
    profile and names in comments (or comments, as FEEDBACK_FORGOTTEN_COMMENTS says), as retention would
    later."""
    from flask import current_app

    comments = current_app.config["FORGOTTEN_COMMENTS"]
    try:
        erased = data_protection.erase_response_contacts(
            db.session,
            email=email,
            phone=phone,
            places=current_app.config["REDACT_PLACES"],
            comments=comments,
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    commit_to_disk(db.session)
    click.echo(
        f"Erased the contact details, profile and {_forgotten_in(comments)} of {counted(erased, 'response')};"
        " their answers stay, anonymous."
    )


def _forgotten_in(comments: ForgottenComments) -> str:
    """What forgetting takes out of comments, as FEEDBACK_FORGOTTEN_COMMENTS says: names, or everything."""
    return "comments" if comments == ForgottenComments.DELETE else "names in comments"


@click.command("analyse")
@click.option("--full", is_flag=True, help="Read every comment's themes and count every month again.")
@with_appcontext
@_says_when_busy  # the analyser takes the lock only to write (services/analysis.py), so not @_writes
def analyse_command(full: bool) -> None:
    """Run the analyser once, unless another run holds the lease."""
    _analyse_once("manual", full)


def _analyse_once(trigger: str, full: bool = False) -> None:
    """One analyser run now, and what it did; refused while another run holds the lease."""
    from flask import current_app

    from .jobs import run_job

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    run_id = run_job(app, "analyse", trigger=trigger, full=full)
    if run_id is None:
        raise click.ClickException("Another analysis is running; nothing was done.")
    run = db.session.get_one(AnalysisRun, run_id)
    if run.status.value == "failed":
        raise click.ClickException(f"The analysis failed; earlier results are unchanged.\n{run.error}")
    click.echo(
        f"Analysis {run.id} took {run.seconds:.1f} s: {run.comments_analysed} new comments read,"
        f" {run.comments_rethemed} matched again to an edited lexicon, {run.candidates_offered} candidate"
        f" themes offered, {run.readings_written} readings written, {run.statuses_changed} measures changed"
        " suggested status."
    )


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs in this process: the analyser on FEEDBACK_ANALYSIS_CRON and the daily
    housekeeping (expired drafts, retention) on FEEDBACK_HOUSEKEEPING_CRON. Run exactly one of these."""
    import logging
    import signal

    from flask import current_app
    from flask.logging import default_handler

    from .jobs import JOBS, SCHEDULE, build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    try:
        scheduler = build_scheduler(app)
    except ValueError as error:
        raise click.ClickException(f"{error}. Nothing was started.") from None
    # What each run did, and any run that failed, go to standard error for the service manager's log,
    # once: Flask's own handler on the app's logger would write every line of ours a second time.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.removeHandler(default_handler)
    lines = ", ".join(f"{job} on '{app.config[setting]}'" for job, setting in SCHEDULE.items())
    # A service manager stops the process with SIGTERM, which would otherwise end it mid-job, its
    # transaction rolled back but its lease held until it expires: taken as Ctrl-C, the job finishes.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    click.echo(f"Scheduler running: {lines} (UTC). Ctrl-C stops it.")
    log = logging.getLogger(__name__)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("Stopping: a job that is running finishes first (Ctrl-C again stops at once)")
        try:
            scheduler.shutdown(wait=True)
        except KeyboardInterrupt:
            # Asked twice: the job is left as a kill would leave it, and exiting the usual way would wait for
            # its thread all the same, so the process ends here. What the job had not committed is lost (an
            # analyser run shows as failed when the next one starts), and its lease keeps it from running
            # again until the lease expires.
            leases = ", ".join(
                f"{job.id} {job.lease_for.total_seconds() / 60:.0f} minutes" for job in JOBS.values()
            )
            log.warning(
                "Stopped at once: what a running job had not committed is lost, and the job can run again"
                " once its lease expires (%s after it started)",
                leases,
            )
            os._exit(130)  # as a shell reports a process ended by Ctrl-C


@click.command("demo")
@with_appcontext
@click.option(
    "--responses",
    "extra",
    type=click.IntRange(min=0),
    default=0,
    help="Add this many synthetic responses (fast; for benchmarks).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=2022, show_default=True, help="Seed for reproducible data."
)
@_says_when_busy
def demo_command(extra: int, seed: int) -> None:
    """Load the demo local area into an empty database, and optionally add synthetic responses."""
    set_actor(db.session, None, "demo")
    if demo.is_loaded(db.session):
        if not extra:
            raise click.ClickException("The demo is already loaded. Use --responses N to add responses.")
    elif not demo.is_empty(db.session):
        raise click.ClickException("The database already holds data; the demo loads only into an empty one.")
    else:
        summary, password = demo.load(db.session, seed=seed)
        commit_to_disk(db.session)
        click.echo(
            "Loaded the demo local area: " + ", ".join(f"{n} {what}" for what, n in summary.items()) + "."
        )
        # What the scheduler would do within the hour: themes, readings from the survey answers and each
        # measure's suggested status are there from the first page, and the published entries quote them.
        _analyse_once("demo")
        db.session.remove()  # the run's own session, which read how it went: the entries begin as writers
        set_actor(db.session, None, "demo")
        with writing(db.session):
            demo.publish_entries(db.session)
        click.echo(
            "Sign in at /login as "
            + ", ".join(email for email, _ in demo.DEMO_USERS)
            + f" with the password {password}"
        )
    if extra:
        added, seconds = demo.add_synthetic_responses(db.session, extra, seed=seed)
        commit_to_disk(db.session)
        click.echo(
            f"Added {added} synthetic responses in {seconds:.1f} s ({added / max(seconds, 1e-9):,.0f}/s)."
        )


@click.command("backup")
@click.argument("path", type=_File())
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH (SQLite online backup, or pg_dump's custom format),
    while the app keeps running. PATH must not exist yet."""
    from .services import backup

    try:
        backup.backup(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("path", type=_File())
@click.option("--yes", is_flag=True, help="Do not ask: replace everything in the database.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH. Stop the web and scheduler processes first."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    from .services import backup

    if not yes:
        click.confirm("This replaces everything in the database with the backup. Go on?", abort=True)
    # What a backup must hold to be this service's: the models' tables, or a migration known here.
    migrations = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    revisions = frozenset(revision.revision for revision in migrations.walk_revisions())
    schema = backup.Schema(tables=frozenset(db.metadata.tables), revisions=revisions)
    try:
        revision = backup.restore(db.engine, path, schema)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    problems = backup.integrity_problems(db.engine)
    if problems:
        raise click.ClickException("Restored, but the integrity check found: " + "; ".join(problems[:10]))
    click.echo(f"Restored from {path}; the integrity check passed.")
    if revision is not None and revision != migrations.get_current_head():
        click.echo("It was made by an earlier version: run `flask db upgrade` before starting the app.")

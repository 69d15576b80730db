"""Public survey pages at /s/<slug>: a family answers on a phone and never loses an answer."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy.exc import OperationalError
from wtforms import ValidationError

from .. import clock
from ..database import READS_ONLY, acknowledges, is_busy
from ..extensions import csrf, db
from ..forms.respond import build_page_form, page_values, saved_data
from ..models import KEY_LENGTH, Channel, Survey, SurveyDraft, key_pattern
from ..models.types import utcnow
from ..services import ratelimit, replies, respond, shapes
from .access import public
from .errors import try_again_json
from .guards import TOO_MANY, counts_its_own_posts, public_post_limit

bp = Blueprint("respond", __name__)
csrf.exempt(bp)  # checked by hand below: an expired token re-shows the page instead of failing

TIMED_OUT = (
    "We could not save that page because it was open for a long time or your cookies were cleared. "
    "Your answers are still here: check them and continue."
)
BUSY = (
    "We could not save that page just now because the service is busy. "
    "Your answers are still here: wait a minute, then continue."
)


def _survey_or_404(slug: str, begun: bool = False) -> Survey:
    """The open survey at ``slug``; for a family who has ``begun`` it, also one closed less than
    FINISHING_TIME ago. Otherwise 410 ("This survey is closed") if it exists, 404 if not."""
    if begun:
        survey = respond.survey_to_finish(db.session, slug, utcnow())
    else:
        survey = respond.open_survey(db.session, slug)
    if survey is None:
        exists = db.session.scalar(db.select(Survey.id).where(Survey.slug == slug))
        abort(410 if exists else 404)
    return survey


def _draft_or_404(survey: Survey, token: str):
    draft = respond.find_draft(db.session, survey.id, token)
    if draft is None:
        abort(404)
    return draft


def _csrf_ok() -> bool:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return False
    return True


@bp.get("/s/<slug>")
@public
def start(slug: str):
    survey = _survey_or_404(slug)
    variant = respond.variant_for(survey, request.args.get("version"))
    plan = respond.page_plan(survey)
    return render_template(
        "respond/start.html",
        survey=survey,
        variant=variant,
        pages=plan.count,
        minutes=plan.minutes,
        channel=request.args.get("from", ""),
    )


@bp.post("/s/<slug>")
@public
def begin(slug: str):
    survey = _survey_or_404(slug)
    variant = respond.variant_for(survey, request.form.get("version"))
    channel = Channel.QR if request.form.get("from") == "qr" else Channel.WEB
    draft = respond.start_draft(db.session, survey, variant, channel)
    return redirect(url_for(".page", slug=slug, token=draft.token, number=1))


@bp.get("/s/<slug>/<token>")
@public
def resume(slug: str, token: str):
    """The resume link: back to the first page not yet answered."""
    survey = _survey_or_404(slug, begun=True)
    draft = _draft_or_404(survey, token)
    if draft.submitted:
        return redirect(url_for(".done", slug=slug, token=token))
    number = min(draft.page, respond.page_plan(survey).count)
    return redirect(url_for(".page", slug=slug, token=token, number=number))


@bp.route("/s/<slug>/<token>/<int:number>", methods=["GET", "POST"])
@public
def page(slug: str, token: str, number: int):
    if request.method == "POST":
        # Read and check the page without SQLite's write lock: a page that is wrong, or sent with an
        # expired token, writes nothing, and a valid one takes the lock only to save (_save_page).
        db.session.connection(execution_options=READS_ONLY)
    survey = _survey_or_404(slug, begun=True)
    draft = _draft_or_404(survey, token)
    if draft.submitted:
        return redirect(url_for(".done", slug=slug, token=token))
    plan = respond.page_plan(survey)
    current = plan.page(number)
    if current is None:
        abort(404)
    last = number == plan.count
    closed_notice = notice = _closed_notice(survey)

    if request.method == "POST":
        form = build_page_form(current, draft.variant, formdata=request.form, last=last)
        if not _csrf_ok():
            notice = TIMED_OUT
            form.validate()  # show what is wrong too, but save nothing
        elif form.validate():
            saved = _save_page(survey, draft, current, page_values(form, current), last)
            if saved is not None:
                return saved
            notice = BUSY
        status = 503 if notice is BUSY else 400 if form.errors else 200
    else:
        form = build_page_form(
            current, draft.variant, data=saved_data(draft.answers or {}, current), last=last
        )
        status = 200

    return render_template(
        "respond/page.html",
        survey=survey,
        draft=draft,
        form=form,
        page=current,
        pages=plan.count,
        last=last,
        notice=notice,
        csrf_token_value=generate_csrf(),
        resume_url=url_for(".resume", slug=slug, token=token, _external=True),
        back_url=_back_url(slug, token, number, finishing=closed_notice is not None),
    ), status


def _back_url(slug: str, token: str, number: int, finishing: bool) -> str | None:
    """Back to the page before; from the first, to the start page, unless the survey has closed since
    the family began it: its start page says only that it is closed, and they are still answering."""
    if number > 1:
        return url_for(".page", slug=slug, token=token, number=number - 1)
    return None if finishing else url_for(".start", slug=slug)


def _closed_notice(survey: Survey) -> str | None:
    """For a family finishing a survey that has closed since they began: until when they may."""
    until_time = respond.finishing_until(survey, utcnow())
    if until_time is None:
        return None
    until = clock.uk_time(until_time, "%-d %B %Y at %H:%M")
    return (
        "This survey has closed since you began. "
        f"You can still finish it and send your answers until {until}."
    )


def _save_page(survey: Survey, draft: SurveyDraft, current: respond.Page, values: dict, last: bool):
    """Save a valid page, and on the last one store the response, in a write transaction of its own;
    None if the database was too busy to save it (SQLite), with nothing saved.
    The draft is read again and locked: a double tap that got there first has moved it on, and one that
    comes second must not write the answers back into a draft already turned into its response."""
    slug, token, survey_id = survey.slug, draft.token, survey.id
    questions = {q.key: respond.QuestionShape(q.id, q.key, q.kind) for q in survey.questions} if last else {}
    db.session.rollback()  # the end of the reading transaction, which wrote nothing
    try:
        locked = respond.find_draft(db.session, survey_id, token, to_save=True)
    except OperationalError as error:
        if not is_busy(error):
            raise
        # Another writer kept SQLite's lock past the busy timeout, and nothing was saved: the page is
        # shown again, with the answers, by a transaction that does not wait for the lock.
        db.session.rollback()
        db.session.connection(execution_options=READS_ONLY)
        return None
    if locked is None:
        abort(404)
    if not locked.submitted:
        respond.save_page(db.session, locked, values, next_page=current.number + 1)
        if not last:
            return redirect(url_for(".page", slug=slug, token=token, number=current.number + 1))
        respond.submit(db.session, locked, questions)
    return redirect(url_for(".done", slug=slug, token=token))


@bp.get("/s/<slug>/<token>/done")
@public
def done(slug: str, token: str):
    survey = db.session.scalar(db.select(Survey).where(Survey.slug == slug))
    if survey is None:
        abort(404)
    draft = respond.find_draft(db.session, survey.id, token)
    if draft is None or not draft.submitted:
        abort(404)
    acknowledges(db.session.connection())  # a double tap's other request may still be flushing it
    return render_template(
        "respond/done.html",
        survey=survey,
        draft=draft,
        waits_for_reply=replies.waits_for_reply(db.session, draft.response_id),
        reply_working_days=replies.REPLY_WORKING_DAYS,
        sendiass_contact=current_app.config["SENDIASS_CONTACT"],
    )


CLIENT_PREFIX = "client-"  # kept apart from the keys the server issues
MOST_CLIENT_KEY = KEY_LENGTH - len(CLIENT_PREFIX)  # 57: stored with the prefix, it fills the column
CLIENT_KEY = key_pattern(CLIENT_PREFIX)


@bp.post("/s/<slug>/responses")
@public
@counts_its_own_posts
def submit_json(slug: str):
    """A whole response in one JSON request, for a page that queued it offline and retries until it gets
    an answer. The client makes the idempotency key; a repeat gets the first response back, not a second.

    ``{"idempotency_key": "...", "version": "standard", "answers": {"heard": "agree", "comment": "..."}}``

    The busiest write in the service, so it reads nothing before its one write transaction, which counts
    the post for the rate limit, checks the survey and stores the response. What it was sent is checked
    against the survey's shape kept by this process (services/shapes.py). A kept shape may only accept:
    whatever it refuses, and whatever the transaction finds has changed since, is checked again against
    the survey as it is now, so a family never hears "no" from a shape out of date.
    """
    shape = shapes.kept(slug)
    for _ in range(3):  # the kept shape, the survey as it is now, and once more if it changed in between
        fresh = shape is None
        if fresh:
            shape = shapes.open_shape(db.engine, slug)
        outcome = _submission(slug, shape, fresh)
        if outcome is not _CHECK_AGAIN:
            return outcome
        shape = None
    return try_again_json("The survey is being changed and nothing was stored: send the same request again.")


NOT_OPEN = "This survey is not open."
_CHECK_AGAIN = object()  # what _submission says when a kept shape refused, or the survey changed under it


class _SurveyChanged(Exception):
    """Raised in the write transaction to roll it back, post count and all, before checking again."""


def _submission(slug: str, shape: shapes.SurveyShape | None, fresh: bool):
    """Check and store one JSON submission against ``shape``; _CHECK_AGAIN when ``shape`` is a kept one
    (not ``fresh``) that refused it, or the survey changed before the write."""
    if shape is None:
        return _refused({"survey": NOT_OPEN}, 404)
    body = request.get_json(silent=True)
    errors = _body_errors(body)
    if not errors:
        assert body is not None  # _body_errors found a JSON object
        key = CLIENT_PREFIX + body["idempotency_key"]
        version = shape.version(body.get("version") if isinstance(body.get("version"), str) else None)
        answers, values = body.get("answers", {}), {}
        for check in version.checks:
            values[check.key], error = check(_as_form_data(answers.get(check.key)))
            if error is not None:
                errors[check.key] = error
        if errors and fresh:
            # A retry of a stored submission gets its response back even if the survey has changed since.
            with db.engine.connect() as connection:
                connection.execution_options(**READS_ONLY)
                existing = connection.scalar(respond.response_under_key(shape.id, key))
                if existing is not None:
                    acknowledges(connection)  # the first request's flush may not have ended yet
            if existing is not None:
                return {"id": existing, "created": False}, 200
    if errors:
        return _refused(errors) if fresh else _CHECK_AGAIN
    bucket, limit, window = public_post_limit()
    try:
        with db.engine.begin() as connection:
            if not ratelimit.hit_on(connection, bucket, limit, window):
                return {"errors": {"rate": TOO_MANY}}, 429  # the count is kept; nothing is stored
            freshness = shapes.check_kept(connection, slug, shape)
            if freshness is shapes.Freshness.CHANGED:
                raise _SurveyChanged
            if freshness is shapes.Freshness.CLOSED:
                return {"errors": {"survey": NOT_OPEN}}, 404  # counted, as any refusal
            result = respond.store_response(
                connection, shape.id, version.id, version.role, Channel.WEB, key, values, shape.by_key
            )
    except _SurveyChanged:
        return _CHECK_AGAIN
    except OperationalError as error:
        if not is_busy(error):
            raise
        return try_again_json(
            "The service is busy and nothing was stored: send the same request again later."
        )
    return {"id": result.response_id, "created": result.created}, 201 if result.created else 200


def _body_errors(body) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
        return {"body": "Send a JSON object with idempotency_key and answers."}
    key = body.get("idempotency_key")
    if not isinstance(key, str) or not CLIENT_KEY.match(CLIENT_PREFIX + key):
        return {"idempotency_key": f"Send 16 to {MOST_CLIENT_KEY} letters, digits, - or _."}
    return {}


def _as_form_data(value) -> list[str]:
    """What a page's form would have been sent for a JSON answer: a list is several values, and anything
    that is not text or a number is not sent at all."""
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items if isinstance(item, str | int | float) and not isinstance(item, bool)]


def _refused(errors: dict, status: int = 400):
    """A post that stores nothing still counts towards the limit, in a transaction of its own."""
    if not ratelimit.hit(db.engine, *public_post_limit()):
        return {"errors": {"rate": TOO_MANY}}, 429
    return {"errors": errors}, status

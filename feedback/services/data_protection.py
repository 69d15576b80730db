"""Data protection duties that are not a page: what we hold about one person (a subject access request),
and forgetting responses after the retention period, or sooner when someone asks us to erase their details
(cases do the same in services/cases.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import clock
from ..analysis.redact import redact_quote
from ..analysis.text import read_comment
from ..config import ForgottenComments
from ..database import DbSession, reading, rows_changed, writing
from ..models import (
    AccessEvent,
    Answer,
    AuditEvent,
    Case,
    CaseContact,
    CommentAnalysis,
    EntryQuote,
    Question,
    QuestionKind,
    Response,
    ResponseContact,
    User,
)
from ..models.types import utcnow
from . import access_events, tally


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def given(model: type[ResponseContact] | type[CaseContact], email: str, phone: str) -> sa.ColumnElement[bool]:
    """Finds the contact details (of a response or a case) that someone gave, by their email address in
    any case or their phone number with or without spaces. ValueError if they give neither."""
    email, digits = search_terms(email, phone)
    conditions = []
    if email:
        conditions.append(sa.func.lower(model.email) == email)
    if digits:
        conditions.append(sa.func.replace(model.phone, " ", "") == digits)
    if not conditions:
        raise ValueError("Give an email address or a phone number")
    return sa.or_(*conditions)


def search_terms(email: str, phone: str) -> tuple[str, str]:
    """The email address in lower case and the phone number's digits, as contact details are matched: if
    both are empty, there is nothing to look for."""
    return email.strip().lower(), "".join(c for c in phone if c.isdigit())


def holders(session: DbSession, email: str = "", phone: str = "") -> tuple[list[int], list[int]]:
    """The cases and survey responses whose contact details are this person's: whose details a page about
    them shows."""
    cases = session.scalars(sa.select(CaseContact.case_id).where(given(CaseContact, email, phone))).all()
    responses = session.scalars(
        sa.select(ResponseContact.response_id).where(given(ResponseContact, email, phone))
    ).all()
    return list(cases), list(responses)


def subject_access(session: DbSession, email: str = "", phone: str = "") -> dict:
    """Everything held about the person with this email address or phone number: survey responses they
    left contact details with (and those responses' answers), cases they raised, and their staff account
    with what they changed; and who on the staff was shown their details, when and where. Anonymous
    responses cannot be found, which is what anonymous means."""
    # Each list is read whole before the queries that each of its rows then needs.
    responses = session.scalars(sa.select(ResponseContact).where(given(ResponseContact, email, phone))).all()
    cases = session.scalars(sa.select(CaseContact).where(given(CaseContact, email, phone))).all()
    return {
        "searched_for": {"email": email or None, "phone": phone.strip() or None},
        "made_at": datetime.now(UTC).isoformat(),
        "survey_responses": [_response_held(session, contact) for contact in responses],
        "cases": [_case_held(session, contact) for contact in cases],
        "staff_account": _account_held(session, email) if email else None,
    }


def _response_held(session: DbSession, contact: ResponseContact) -> dict:
    """A response left with these contact details: the details, the answers, and who was shown them."""
    response = session.scalars(
        sa.select(Response)
        .where(Response.id == contact.response_id)
        .options(selectinload(Response.answers).selectinload(Answer.question), selectinload(Response.survey))
    ).one()
    return {
        "survey": response.survey.title,
        "submitted_at": _plain(response.submitted_at),
        "contact": {"name": contact.name, "email": contact.email, "phone": contact.phone},
        "replied_at": _plain(contact.replied_at),  # when staff recorded their reply, if they have
        "seen_by": access_events.seen(session, access_events.RESPONSE, response.id, since=contact.created_at),
        "profile": {
            "role": _plain(response.respondent_role),
            "area_of_need": response.area_of_need,
            "age_band": response.age_band,
            "school_phase": response.school_phase,
            "district": response.district,
        },
        "answers": {
            a.question.key: _plain(a.agreement) or a.text or a.number or a.choices for a in response.answers
        },
    }


def _case_held(session: DbSession, contact: CaseContact) -> dict:
    """A case raised with these contact details: what it says, its stages, and who was shown the details."""
    case = session.scalars(
        sa.select(Case).where(Case.id == contact.case_id).options(selectinload(Case.stages))
    ).one()
    return {
        "reference": case.reference,
        "kind": _plain(case.kind),
        "received_on": _plain(case.received_on),
        "closed_on": _plain(case.closed_on),
        "outcome": _plain(case.outcome),
        "summary": case.summary,
        "what_we_will_change": case.learning,
        "contact": {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "child_name": contact.child_name,
        },
        "stages": [
            {
                "stage": s.name.label,
                "started_on": _plain(s.started_on),
                "completed_on": _plain(s.completed_on),
            }
            for s in case.stages
        ],
        "seen_by": access_events.seen(session, access_events.CASE, case.id, since=contact.given_at),
    }


def _account_held(session: DbSession, email: str) -> dict | None:
    """The staff account with this email address, if there is one, and every change it made."""
    user = session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if user is None:
        return None
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.at)
    ).all()
    return {
        "email": user.email,
        "name": user.name,
        "role": _plain(user.role),
        "changes_made": [
            {"at": _plain(e.at), "operation": e.operation, "what": e.entity_type, "id": e.entity_id}
            for e in events
        ],
    }


RETENTION_BATCH = 500  # responses or cases a write transaction changes: families' answers wait for one


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for 29 February): where a retention period ends."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def forget_old_responses(
    session: DbSession,
    cutoff: date,
    places: list[str] | None = None,
    batch_size: int = RETENTION_BATCH,
    comments: ForgottenComments = ForgottenComments.REDACT,
) -> Iterator[int]:
    """Responses submitted before ``cutoff`` lose what could identify their author: contact details are
    deleted, the profile (need, age band, phase, district) is cleared, and comments are redacted (or with
    ``comments=DELETE``, deleted), with the copies the analyser and quotes keep of them. The agreement
    answers stay, so trends and readings do not change; so do each comment's sentiment and themes. Each
    response is marked forgotten, so that the next run reads only responses that have grown old since, and,
    when comments are deleted, those forgotten before with a comment left: redacted while comments were.

    Works in batches and yields how many responses each one forgot. A batch is read in a transaction that
    only reads, its comments redacted outside any, and its changes written in a short one of their own: a
    family saving meanwhile waits for one batch's writing, never for the tagger. A batch that fails leaves
    those before it done and itself undone, for the next run. Call it outside a transaction."""
    moment = clock.day_starts(cutoff)
    due: sa.ColumnElement[bool] = Response.forgotten_at.is_(None)
    if comments == ForgottenComments.DELETE:  # the privacy notice says the comments go, not only names
        comment_left = sa.exists().where(
            Answer.response_id == Response.id,
            Answer.question_id.in_(sa.select(Question.id).where(Question.kind == QuestionKind.FREE_TEXT)),
            Answer.text != "",
        )
        due = sa.or_(due, comment_left)
    last = 0  # each response is read once a run, whatever its batch's writing could not change
    while True:
        with reading(session):
            ids = session.scalars(
                sa.select(Response.id)
                .where(Response.submitted_at < moment, due, Response.id > last)
                .order_by(Response.id)
                .limit(batch_size)
            ).all()
            texts = _texts_of(session, ids)
        if not ids:
            return
        forgotten = _forgotten(texts, places or [], comments)
        with writing(session):
            _forget(session, ids, forgotten)
        last = ids[-1]
        yield len(ids)


def forget_old_access_records(
    session: DbSession, cutoff: date, batch_size: int = RETENTION_BATCH
) -> Iterator[int]:
    """Records of someone on the staff being shown a family's details, made before ``cutoff``, are deleted:
    they are kept to answer "who has seen my details?" and to look into misuse, and are themselves a record
    of what each member of staff did, kept no longer than the council says it needs them.

    Yields how many each batch deleted, each batch in a short write transaction of its own, read by the
    index on when they were made: a family saving meanwhile waits for one batch. Call it outside a
    transaction."""
    moment = clock.day_starts(cutoff)
    batch = sa.select(AccessEvent.id).where(AccessEvent.at < moment).limit(batch_size).scalar_subquery()
    while True:
        with writing(session):
            deleted = rows_changed(session.execute(sa.delete(AccessEvent).where(AccessEvent.id.in_(batch))))
        if not deleted:
            return
        yield deleted


def erase_response_contacts(
    session: DbSession,
    email: str = "",
    phone: str = "",
    places: list[str] | None = None,
    comments: ForgottenComments = ForgottenComments.REDACT,
) -> int:
    """On a request to erase, every response where someone gave this email address or phone number is
    forgotten now, as retention would forget it later: contact details, profile and names in comments (or
    with ``comments=DELETE``, the comments). Their agreement answers stay, anonymous. In the session's
    transaction; returns how many."""
    ids = list(
        session.scalars(sa.select(ResponseContact.response_id).where(given(ResponseContact, email, phone)))
    )
    _forget(session, ids, _forgotten(_texts_of(session, ids), places or [], comments))
    return len(ids)


def _texts_of(session: DbSession, response_ids: Sequence[int]) -> list[tuple[int, str, bool]]:
    """(answer id, text, whether it is a comment) of the responses' answers kept as text: comments, and
    the choices of other kinds of question ("yes", a school's name)."""
    query = (
        sa.select(Answer.id, Answer.text, Question.kind == QuestionKind.FREE_TEXT)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.response_id.in_(response_ids), Answer.text.is_not(None))
    )
    return [
        (answer_id, text, bool(free)) for answer_id, text, free in session.execute(query) if text is not None
    ]


def _forget(session: DbSession, response_ids: Sequence[int], forgotten: dict[int, _ForgottenText]) -> None:
    """Forget the responses; their answers then count as "not given" in the results by district and area
    of need, so those of the analyser's tallies are counted again for the months they were given in."""
    tally.take_turn(session)
    recount = tally.months_with_profile(session, response_ids)
    session.execute(sa.delete(ResponseContact).where(ResponseContact.response_id.in_(response_ids)))
    profile = {"area_of_need": None, "age_band": None, "school_phase": None, "district": None}
    session.execute(
        sa.update(Response).where(Response.id.in_(response_ids)).values(**profile, forgotten_at=utcnow())
    )
    tally.recount(session, recount, tally.tallied_to(session))
    for answer_id, text in forgotten.items():
        _forget_text(session, answer_id, text)


@dataclass(frozen=True)
class _ForgottenText:
    text: str
    now: str  # what it becomes: its redaction, or nothing
    tokens: str  # those of ``now``, and their lemmas, as the analyser keeps them (services/themes.py)
    lemmas: str


def _forgotten(
    texts: Iterable[tuple[int, str, bool]], places: list[str], comments: ForgottenComments
) -> dict[int, _ForgottenText]:
    """{answer id: what its text becomes} for the texts that forgetting changes: each redacted, or with
    ``comments=DELETE`` each comment deleted (an empty text) and each choice redacted. Each distinct text
    is read once."""
    seen: dict[str, _ForgottenText | None] = {}
    changed: dict[int, _ForgottenText] = {}
    for answer_id, text, is_comment in texts:
        if is_comment and comments == ForgottenComments.DELETE:
            changed[answer_id] = _ForgottenText(text, "", "", "")
            continue
        if text not in seen:
            redaction = redact_quote(text, places).text
            if redaction == text:
                seen[text] = None
            else:
                read = read_comment(redaction)
                seen[text] = _ForgottenText(text, redaction, " ".join(read.tokens), " ".join(read.lemmas))
        found = seen[text]
        if found is not None:
            changed[answer_id] = found
    return changed


def _forget_text(session: DbSession, answer_id: int, forgotten: _ForgottenText) -> None:
    """The text redacted or deleted, and every copy of it: the analyser's tokens (its sentiment and themes
    stay, so that the dashboard's history does not change) and the originals of quotes taken from it, which
    the approver compares with what is published (a deleted comment's quote keeps only what was approved)."""
    # Stored answers never change but here; the guard leaves alone a text that a run beside this one (the
    # command while the scheduler runs) has forgotten already.
    unchanged = sa.and_(Answer.id == answer_id, Answer.text == forgotten.text)
    session.execute(sa.update(Answer).where(unchanged).values(text=forgotten.now))
    session.execute(
        sa.update(CommentAnalysis)
        .where(CommentAnalysis.answer_id == answer_id)
        .values(tokens=forgotten.tokens, lemmas=forgotten.lemmas)
    )
    session.execute(
        sa.update(EntryQuote)
        .where(EntryQuote.original_text == forgotten.text)
        .values(original_text=forgotten.now or EntryQuote.redacted_text)
    )

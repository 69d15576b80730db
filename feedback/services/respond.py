"""Answering a survey: pages, drafts saved page by page, and one response per submission.

A family's answers are saved on the server after every page, under a token that is both the resume link
and the submission's id. Nothing depends on a cookie: clearing cookies, a dropped signal or a phone that
kills the browser loses at most the page being typed, and that page is kept in the browser too when
JavaScript runs.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

from sqlalchemy import Select, bindparam, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import selectinload

from ..database import DbSession, insert_on_conflict, rows_changed
from ..models import (
    Agreement,
    Answer,
    Audience,
    Channel,
    Question,
    QuestionKind,
    RespondentRole,
    Response,
    ResponseContact,
    Survey,
    SurveyDraft,
    SurveyStatus,
    SurveyVariant,
    VariantKind,
)
from ..models.types import utcnow
from ..prepared import Prepared

DRAFT_LIFETIME = timedelta(days=60)
# A family who began a survey before it closed may finish it for this long after: the resume link kept for
# the weekend, or a page left open overnight, does not lose what they had answered.
FINISHING_TIME = timedelta(days=7)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
QUESTIONS_PER_PAGE = 3
FREE_TEXT_LIMIT = 1200
PROFILE_PAGE = "about-you"
REPLY_PAGE = "reply"

# Offered after the area's own districts (FEEDBACK_DISTRICTS), when it has set them.
OUTSIDE_THE_AREA = "Outside the area"
AGE_BANDS = ["0-4", "5-10", "11-15", "16-18", "19-25"]
NEEDS = [
    "Autism",
    "Social, emotional and mental health",
    "Speech, language and communication",
    "Moderate learning difficulty",
    "Physical disability",
    "Sensory impairment",
    "Other",
    "Not sure",
]


@dataclass(frozen=True)
class Page:
    number: int
    questions: tuple[Question, ...] = ()
    special: str | None = None  # PROFILE_PAGE or REPLY_PAGE


@dataclass(frozen=True)
class SubmitResult:
    response_id: int
    created: bool


class QuestionLike(Protocol):
    """What storing an answer needs of its question: a Question, or a kept QuestionShape."""

    @property
    def id(self) -> int: ...

    @property
    def key(self) -> str: ...

    @property
    def kind(self) -> QuestionKind: ...


@dataclass(frozen=True)
class QuestionShape:
    id: int
    key: str
    kind: QuestionKind


# What a family on a phone spends, for the start page's "It takes about 3 minutes": reading a question and
# tapping an answer, writing a few sentences, and each of the short pages at the end.
SECONDS_A_CHOICE = 10
SECONDS_A_COMMENT = 60
SECONDS_A_LAST_PAGE = 20


@dataclass
class PagePlan:
    pages: list[Page] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.pages)

    @property
    def minutes(self) -> int:
        """About how long the whole survey takes, in whole minutes, rounded up."""
        seconds = sum(
            SECONDS_A_LAST_PAGE if page.special else sum(map(_seconds_to_answer, page.questions))
            for page in self.pages
        )
        return math.ceil(seconds / 60)

    def page(self, number: int) -> Page | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None


def _seconds_to_answer(question: Question) -> int:
    return SECONDS_A_COMMENT if question.kind is QuestionKind.FREE_TEXT else SECONDS_A_CHOICE


def open_survey(session: DbSession, slug: str) -> Survey | None:
    """The survey at ``slug`` if families can answer it now; None otherwise."""
    survey = survey_with_questions(session, Survey.slug == slug)
    if survey is None or not open_now(survey.status, survey.opens_at, survey.closes_at):
        return None
    return survey


def finishing_until(survey: Survey, now: datetime) -> datetime | None:
    """Until when families who began ``survey`` before it ended (closed, or past its dates) may still
    finish it, if it has ended and that time has not passed; None otherwise."""
    if open_now(survey.status, survey.opens_at, survey.closes_at):
        return None
    ended = survey.ended_at(now)
    return ended + FINISHING_TIME if ended is not None and now < ended + FINISHING_TIME else None


def survey_to_finish(session: DbSession, slug: str, now: datetime) -> Survey | None:
    """The survey at ``slug`` if a family who began it may carry on: open, or ended less than
    FINISHING_TIME before ``now``. Only a survey that was open can have been begun."""
    survey = survey_with_questions(session, Survey.slug == slug)
    if survey is None or open_now(survey.status, survey.opens_at, survey.closes_at):
        return survey
    return survey if finishing_until(survey, now) is not None else None


def surveys_to_offer(session: DbSession) -> list[Survey]:
    """The surveys families can answer now, for the public home page, by title: not the boxes that Local
    Offer pages embed (``local_offer_box``), which ask about the page they are on."""
    surveys = session.scalars(
        select(Survey)
        .where(Survey.status == SurveyStatus.OPEN)
        .options(selectinload(Survey.questions))
        .order_by(Survey.title)
    )
    return [
        survey
        for survey in surveys
        if open_now(survey.status, survey.opens_at, survey.closes_at) and not local_offer_box(survey)
    ]


_BOX_SHAPES = ([QuestionKind.YES_NO], [QuestionKind.YES_NO, QuestionKind.FREE_TEXT])


def local_offer_box(survey: Survey) -> bool:
    """Whether the survey is made to be a Local Offer page's box (views/widget.py): a yes or no, and at
    most a free-text question under it (``box_follow_up``)."""
    return [question.kind for question in survey.questions] in _BOX_SHAPES


def box_follow_up(survey: Survey) -> Question | None:
    """The Local Offer box's second question, if its survey has one in free text: asked under the yes or
    no, so that whoever did not find what they looked for can say what it was. Optional there, whatever
    the survey says: the yes or no is the answer that counts towards the measure."""
    if len(survey.questions) > 1 and survey.questions[1].kind is QuestionKind.FREE_TEXT:
        return survey.questions[1]
    return None


def survey_with_questions(session: DbSession, *where) -> Survey | None:
    """A survey with its versions, questions and their wordings loaded: all a page or a form needs."""
    return session.scalar(
        select(Survey)
        .where(*where)
        .options(
            selectinload(Survey.variants),
            selectinload(Survey.questions).selectinload(Question.wordings),
        )
    )


def open_now(status: SurveyStatus, opens_at: datetime | None, closes_at: datetime | None) -> bool:
    now = utcnow()
    return (
        status is SurveyStatus.OPEN
        and (opens_at is None or opens_at <= now)
        and (closes_at is None or closes_at > now)
    )


def variant_for(survey: Survey, slug: str | None) -> SurveyVariant:
    by_slug = {v.slug: v for v in survey.variants}
    return by_slug.get(slug or "standard") or by_slug.get("standard") or survey.variants[0]


def page_plan(survey: Survey) -> PagePlan:
    """Short pages: agreement and choice questions three at a time, free text on a page of its own,
    then an optional page about the respondent and one for those who want a reply."""
    pages: list[Page] = []
    batch: list[Question] = []

    def flush() -> None:
        if batch:
            pages.append(Page(len(pages) + 1, tuple(batch)))
            batch.clear()

    for question in survey.questions:
        if question.kind is QuestionKind.FREE_TEXT:
            flush()
            pages.append(Page(len(pages) + 1, (question,)))
        else:
            batch.append(question)
            if len(batch) == QUESTIONS_PER_PAGE:
                flush()
    flush()
    pages.append(Page(len(pages) + 1, special=PROFILE_PAGE))
    if survey.anonymous:
        pages.append(Page(len(pages) + 1, special=REPLY_PAGE))
    return PagePlan(pages)


def start_draft(
    session: DbSession, survey: Survey, variant: SurveyVariant, channel: Channel = Channel.WEB
) -> SurveyDraft:
    draft = SurveyDraft(
        token=secrets.token_urlsafe(24), survey=survey, variant=variant, channel=channel, **_blank_draft()
    )
    session.add(draft)
    session.flush()
    return draft


def _blank_draft() -> dict:
    """A new draft's answers, place and lifetime: nothing yet, page one, DRAFT_LIFETIME from now."""
    now = utcnow()
    return {
        "answers": {},
        "page": 1,
        "created_at": now,
        "updated_at": now,
        "expires_at": now + DRAFT_LIFETIME,
    }


def draft_under_key(
    session: DbSession, survey: Survey, variant: SurveyVariant, channel: Channel, key: str
) -> SurveyDraft | None:
    """The draft a key made by the client names (the widget's, a paper form's), made if it is new and
    locked until the commit, so that two posts with one key take turns instead of both making it: on
    PostgreSQL the second would fail on the unique token. None if the key belongs to another survey."""
    session.execute(
        insert_on_conflict(session.get_bind().dialect.name)(SurveyDraft)
        .values(token=key, survey_id=survey.id, variant_id=variant.id, channel=channel, **_blank_draft())
        .on_conflict_do_nothing(index_elements=["token"])
    )
    return session.scalar(
        select(SurveyDraft)
        .where(SurveyDraft.token == key, SurveyDraft.survey_id == survey.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def find_draft(session: DbSession, survey_id: int, token: str, to_save: bool = False) -> SurveyDraft | None:
    """The draft behind a resume link, unless it has expired. ``to_save`` locks its row until the commit
    (PostgreSQL; SQLite's write lock already covers it), so that two saves of one draft take turns."""
    if not TOKEN.match(token or ""):
        return None
    query = select(SurveyDraft).where(SurveyDraft.token == token, SurveyDraft.survey_id == survey_id)
    draft = session.scalar(query.with_for_update() if to_save else query)
    if draft is None or (draft.expires_at <= utcnow() and not draft.submitted):
        return None
    return draft


def save_page(session: DbSession, draft: SurveyDraft, values: dict, next_page: int) -> None:
    """Keep this page's answers (replacing what the page said before) and where the family got to."""
    answers = dict(draft.answers or {})
    answers.update(values)
    draft.answers = answers
    draft.page = max(draft.page, next_page)
    now = utcnow()
    draft.updated_at = now
    draft.expires_at = now + DRAFT_LIFETIME
    session.flush()


def submit(
    session: DbSession,
    draft: SurveyDraft,
    questions_by_key: Mapping[str, QuestionLike],
    submitted_at: datetime | None = None,
) -> SubmitResult:
    """Turn a draft into its one response, dated now unless ``submitted_at`` says when it was given (a
    paper form). Safe to call twice, or twice at once."""
    if draft.response_id is not None:  # submitted
        return SubmitResult(draft.response_id, created=False)
    result = store_response(
        session.connection(),
        draft.survey_id,
        draft.variant_id,
        _role(draft),
        draft.channel,
        draft.token,
        draft.answers or {},
        questions_by_key,
        submitted_at,
    )
    if result.created:
        draft.response_id = result.response_id
        draft.answers = {}  # the response holds them now; the draft keeps nothing personal
        session.flush()
    return result


def store_response(
    connection: Connection,
    survey_id: int,
    variant_id: int | None,
    role: RespondentRole,
    channel: Channel,
    key: str,
    answers: dict,
    questions_by_key: Mapping[str, QuestionLike],
    submitted_at: datetime | None = None,
) -> SubmitResult:
    """Store one response under its idempotency key, dated now unless ``submitted_at`` is given; a second
    call with the same key returns the first.

    Plain inserts on the caller's connection and in its transaction: every submission comes through here,
    and the ORM's unit of work would cost more than the rest of the request. ON CONFLICT DO NOTHING on
    (survey, key) makes a double tap or a retry that races the first one a lookup instead of an error.
    """
    profile = answers.get(PROFILE_PAGE, {})
    statements = _statements(connection.dialect.name)
    returned = statements.response.run(
        connection,
        {
            "survey_id": survey_id,
            "variant_id": variant_id,
            "submitted_at": submitted_at or utcnow(),
            "respondent_role": role,
            "channel": channel,
            "idempotency_key": key,
            "district": profile.get("district") or None,
            "age_band": profile.get("age_band") or None,
            "area_of_need": profile.get("area_of_need") or None,
        },
    )
    if not returned:  # the same submission arrived a moment ago: its response is the one
        existing = connection.execute(response_under_key(survey_id, key)).scalar_one()
        return SubmitResult(existing, created=False)

    ((response_id,),) = returned
    by_column: dict[str, list[dict]] = {}
    for question_key, value in answers.items():
        question = questions_by_key.get(question_key)
        if question is None or unanswered(value):
            continue
        column, stored = _answer_value(question, value)
        by_column.setdefault(column, []).append(
            {"response_id": response_id, "question_id": question.id, "value": stored}
        )
    for column, rows in by_column.items():  # one statement for each value column, as executemany needs
        statements.answer[column].run_many(connection, rows)

    contact = answers.get(REPLY_PAGE, {})
    if contact.get("wants_reply") == "yes":
        connection.execute(
            insert(ResponseContact.__table__).values(
                response_id=response_id,
                name=contact.get("name", ""),
                email=contact.get("email", ""),
                phone=contact.get("phone", ""),
                created_at=utcnow(),
            )
        )
    return SubmitResult(response_id, created=True)


@dataclass(frozen=True)
class _Statements:
    response: Prepared
    answer: dict[str, Prepared]


@cache
def _statements(dialect: str) -> _Statements:
    """Built once: making a statement costs more than running it."""
    table = Response.__table__
    columns = (
        "survey_id",
        "variant_id",
        "submitted_at",
        "respondent_role",
        "channel",
        "idempotency_key",
        "district",
        "age_band",
        "area_of_need",
    )
    on_conflict = insert_on_conflict(dialect)
    response = Prepared(
        on_conflict(table)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing(index_elements=["survey_id", "idempotency_key"])
        .returning(table.c.id)
    )
    answer = {
        column: Prepared(
            insert(Answer.__table__).values(
                response_id=bindparam("response_id"),
                question_id=bindparam("question_id"),
                **{column: bindparam("value", type_=Answer.__table__.c[column].type)},
            )
        )
        for column in ("agreement", "number", "text", "choices")
    }
    return _Statements(response, answer)


def response_under_key(survey_id: int, key: str) -> Select:
    """The id of the response stored under this idempotency key, as a query."""
    return select(Response.id).where(Response.survey_id == survey_id, Response.idempotency_key == key)


def _role(draft: SurveyDraft) -> RespondentRole:
    return role_for_variant(draft.survey, draft.variant)


def role_for_variant(survey: Survey, variant: SurveyVariant | None) -> RespondentRole:
    if variant and variant.kind in (VariantKind.YOUNG_PERSON, VariantKind.EASY_READ):
        return RespondentRole.YOUNG_PERSON
    return role_for_audience(survey.audience)


def role_for_audience(audience: Audience) -> RespondentRole:
    return {
        Audience.PARENT_CARER: RespondentRole.PARENT_CARER,
        Audience.YOUNG_PERSON: RespondentRole.YOUNG_PERSON,
        Audience.PROFESSIONAL: RespondentRole.PROFESSIONAL,
    }[audience]


def unanswered(value) -> bool:
    """Whether a page field's data is no answer: nothing, only spaces, or a list whose first value is one
    of those. WTForms' Optional lets such a field through as left empty, and so it is stored as such."""
    if isinstance(value, list):
        return not value or unanswered(value[0])
    return value is None or (isinstance(value, str) and not value.strip())


def _answer_value(question: QuestionLike, value) -> tuple[str, object]:
    """The answer column a question's kind fills, and the value to store in it."""
    kind = question.kind
    if kind is QuestionKind.AGREEMENT:
        return "agreement", Agreement(value)
    if kind in (QuestionKind.NUMBER, QuestionKind.RATING):
        return "number", float(value)
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return "choices", list(value)
    return "text", str(value)


def purge_expired_drafts(session: DbSession, now: datetime | None = None) -> int:
    """Delete drafts whose resume link has expired, with the answers they held. Submitted drafts go too
    once expired: the confirmation page was the only thing they still served."""
    return rows_changed(
        session.execute(delete(SurveyDraft).where(SurveyDraft.expires_at <= (now or utcnow())))
    )

"""What a whole submission is checked against: an open survey's questions and versions, with the checks of
their page fields (forms/respond.py), read once by each web process and kept until the survey's revision
mark changes.

Reading a survey with its versions, questions and wordings takes four queries; a busy survey would pay for
them on every submission. Instead each process keeps the shape it last read for each slug, and a submission
checked against it reads one indexed row (the survey's revision, status and dates) inside the transaction
that stores it (``check_kept``): a survey closed a moment ago refuses it at once, and one whose questions
changed has it checked again against the survey as it is now. The shape is read again only when the mark
differs from the one kept (see ``_mark_revision`` in models/survey.py).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ..database import READS_ONLY, DbSession
from ..forms.respond import AnswerCheck, answer_checks
from ..models import RespondentRole, Survey, SurveyStatus
from ..prepared import Prepared
from . import respond


@dataclass(frozen=True)
class VersionShape:
    id: int
    slug: str
    role: RespondentRole
    checks: tuple[AnswerCheck, ...]  # every question's, in this version's wording, in the survey's order


@dataclass(frozen=True)
class SurveyShape:
    id: int
    revision: str
    by_key: Mapping[str, respond.QuestionShape]  # every question, by its key
    versions: Mapping[str, VersionShape]
    default_version: str

    def version(self, slug: str | None) -> VersionShape:
        """The version a slug names, or the standard one for a slug that names none."""
        return self.versions.get(slug or "") or self.versions[self.default_version]


_kept: dict[str, SurveyShape] = {}  # by slug; one assignment replaces a stale shape


def kept(slug: str) -> SurveyShape | None:
    """The shape this process last read for ``slug``, without asking the database: check it with
    ``check_kept`` in the transaction that stores what it accepted."""
    return _kept.get(slug)


def open_shape(engine: Engine, slug: str) -> SurveyShape | None:
    """The shape of the survey at ``slug`` if families can answer it now; None otherwise."""
    with engine.connect() as connection:
        connection.execution_options(**READS_ONLY)
        stamp = _open_stamp(connection, slug)
        if stamp is None:
            return None
        shape = _kept.get(slug)
        if shape is None or not _stamped(shape, stamp):
            with Session(bind=connection) as session:
                shape = _read(session, stamp.id)
            if shape is None:  # deleted since its stamp was read (PostgreSQL reads each statement afresh)
                return None
            _kept[slug] = shape
        return shape


class Freshness(enum.Enum):
    CURRENT = "current"  # the survey at the slug is open and asks what the shape says
    CHANGED = "changed"  # it is open, but its questions or versions are not the shape's (or it is another)
    CLOSED = "closed"  # nobody can answer it now


def check_kept(connection: Connection, slug: str, shape: SurveyShape) -> Freshness:
    """Whether ``shape`` is still what the survey at ``slug`` asks, read in the caller's transaction."""
    stamp = _open_stamp(connection, slug)
    if stamp is None:
        return Freshness.CLOSED
    return Freshness.CURRENT if _stamped(shape, stamp) else Freshness.CHANGED


class _Stamp(NamedTuple):
    id: int
    revision: str
    status: SurveyStatus
    opens_at: datetime | None
    closes_at: datetime | None


_STAMP = Prepared(
    select(Survey.id, Survey.revision, Survey.status, Survey.opens_at, Survey.closes_at).where(
        Survey.slug == bindparam("slug")
    )
)


def _open_stamp(connection: Connection, slug: str) -> _Stamp | None:
    """The survey at ``slug``'s id and revision mark, if families can answer it now."""
    rows = _STAMP.run(connection, {"slug": slug})
    stamp = _Stamp(*rows[0]) if rows else None
    if stamp is None or not respond.open_now(stamp.status, stamp.opens_at, stamp.closes_at):
        return None
    return stamp


def _stamped(shape: SurveyShape, stamp: _Stamp) -> bool:
    """Whether ``shape`` was read from the survey and revision that ``stamp`` names."""
    return shape.id == stamp.id and shape.revision == stamp.revision


def _read(session: DbSession, survey_id: int) -> SurveyShape | None:
    survey = respond.survey_with_questions(session, Survey.id == survey_id)
    if survey is None:
        return None
    page = respond.Page(1, tuple(survey.questions))
    versions = {}
    for variant in survey.variants:
        versions[variant.slug] = VersionShape(
            variant.id, variant.slug, respond.role_for_variant(survey, variant), answer_checks(page, variant)
        )
    default = respond.variant_for(survey, None).slug
    return SurveyShape(
        id=survey.id,
        revision=survey.revision,
        by_key={q.key: respond.QuestionShape(q.id, q.key, q.kind) for q in survey.questions},
        versions=versions,
        default_version=default,
    )

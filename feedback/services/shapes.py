"""What a whole submission is checked against: an open survey's questions and versions, with the form that
validates them, read once by each web process and kept until the survey's revision mark changes.

Reading a survey with its versions, questions and wordings takes four queries, and making its form costs
more than storing the answers; a busy survey would pay both on every submission. Instead each submission
reads one indexed row (the survey's revision, status and dates, so that closing a survey takes effect at
once) in a short transaction of its own that takes no write lock, and rebuilds the shape only when the
mark differs from the one kept (see ``_mark_revision`` in models/survey.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..database import READS_ONLY
from ..forms.respond import SurveyPageForm, page_form_class
from ..models import RespondentRole, Survey
from . import respond


@dataclass(frozen=True)
class VersionShape:
    id: int
    slug: str
    role: RespondentRole
    form: type[SurveyPageForm]  # every question on one page, in this version's wording


@dataclass(frozen=True)
class SurveyShape:
    id: int
    revision: str
    questions: tuple[respond.QuestionShape, ...]
    by_key: Mapping[str, respond.QuestionShape]
    versions: Mapping[str, VersionShape]
    default_version: str

    def version(self, slug: str | None) -> VersionShape:
        """The version a slug names, or the standard one for a slug that names none."""
        return self.versions.get(slug or "") or self.versions[self.default_version]


_kept: dict[int, SurveyShape] = {}  # by survey id; one assignment replaces a stale shape


def open_shape(engine: Engine, slug: str) -> SurveyShape | None:
    """The shape of the survey at ``slug`` if families can answer it now; None otherwise."""
    with engine.connect() as connection:
        connection.execution_options(**READS_ONLY)
        row = connection.execute(_STAMP, {"slug": slug}).first()
        if row is None or not respond.open_now(row.status, row.opens_at, row.closes_at):
            return None
        shape = _kept.get(row.id)
        if shape is None or shape.revision != row.revision:
            with Session(bind=connection) as session:
                shape = _read(session, row.id)
            _kept[row.id] = shape
        return shape


_STAMP = select(Survey.id, Survey.revision, Survey.status, Survey.opens_at, Survey.closes_at).where(
    Survey.slug == bindparam("slug")
)


def _read(session: Session, survey_id: int) -> SurveyShape:
    survey = respond.survey_with_questions(session, Survey.id == survey_id)
    questions = tuple(respond.QuestionShape(q.id, q.key, q.kind) for q in survey.questions)
    page = respond.Page(1, tuple(survey.questions))
    versions = {}
    for variant in survey.variants:
        form = page_form_class(page, variant, last=True)
        form(formdata=None)  # WTForms binds a class's fields on first use: here, not in two threads at once
        versions[variant.slug] = VersionShape(
            variant.id, variant.slug, respond.role_for_variant(survey, variant), form
        )
    default = respond.variant_for(survey, None).slug
    return SurveyShape(
        id=survey.id,
        revision=survey.revision,
        questions=questions,
        by_key={q.key: q for q in questions},
        versions=versions,
        default_version=default,
    )

"""Building surveys, opening and closing them, and responses staff enter from paper."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..database import DbSession
from ..models import (
    MOST_SURVEY_TITLE,
    Action,
    Answer,
    Area,
    Audience,
    AuditEvent,
    Channel,
    Measure,
    Plan,
    Question,
    QuestionKind,
    QuestionWording,
    Response,
    Survey,
    SurveyDraft,
    SurveyStateError,
    SurveyStatus,
    SurveyVariant,
    VariantKind,
)
from . import respond
from .audit import HistoryLine, describe, lives
from .text import folded


def list_surveys(session: DbSession) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.title)))


def slug_taken(session: DbSession, slug: str, except_id: int | None = None) -> bool:
    found = session.scalar(select(Survey.id).where(Survey.slug == slug))
    return found is not None and found != except_id


def measure_choices(session: DbSession) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Measure.id, Action.reference, Measure.reference, Measure.text)
        .join(Action)
        .join(Area)
        .join(Plan)
        .order_by(Plan.title, Area.position, Action.position, Measure.position)
    ).all()
    return [(id_, f"{action_ref}/{measure_ref} {text}") for id_, action_ref, measure_ref, text in rows]


def measure_references(session: DbSession, ids: Iterable[int]) -> dict[int, str]:
    """What staff call each measure: its action's reference and its own, as in 1.1.1/2."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Measure.id, Action.reference, Measure.reference).join(Action).where(Measure.id.in_(wanted))
    )
    return {id_: f"{action_ref}/{measure_ref}" for id_, action_ref, measure_ref in rows}


def question_change(session: DbSession, event: AuditEvent) -> HistoryLine:
    """An event of a question in words, with the measures it counts towards by their references."""
    tagged = [*(event.before or {}).get("measures", []), *(event.after or {}).get("measures", [])]
    return describe(event, names={"measures": measure_references(session, tagged)})


def history(session: DbSession, survey: Survey, limit: int = 50) -> list[HistoryLine]:
    """The newest changes to the survey, its versions, its questions (with the measures each counts
    towards, and those removed) and their wordings, in words, newest first. The wordings a question was
    added or removed with are not listed apart from it: the question's line stands for them (the trail
    keeps them all)."""
    subjects = _subjects(survey)
    named = _named_events(session, survey, subjects)
    # One flush writes its events with one time: a wording added at the moment its question was.
    question_added = {
        (event.entity_id, event.at)
        for event, _ in named
        if event.entity_type == "Question" and event.operation == "insert"
    }
    question_of_wording = {w.id: q.id for q in survey.questions for w in q.wordings}
    named = [
        (event, subject)
        for event, subject in named
        if not (
            event.entity_type == "QuestionWording"
            and event.operation == "insert"
            and (question_of_wording[event.entity_id], event.at) in question_added
        )
    ]
    named.sort(key=lambda pair: (pair[0].at, pair[0].id), reverse=True)
    named = named[:limit]
    tagged, positions = set(), set()
    for event, _ in named:
        for side in (event.before or {}, event.after or {}):
            tagged.update(side.get("measures", []))
            if isinstance(side.get("position"), int):
                positions.add(side["position"])
    # Positions count from 0; people count questions from 1.
    names = {
        "measures": measure_references(session, tagged),
        "position": {p: p + 1 for p in positions},
    }
    return [describe(event, subject, names) for event, subject in named]


def _subjects(survey: Survey) -> dict[tuple[str, int], str]:
    """What the survey page calls the survey and each of its parts, by audited type and id."""
    subjects = {("Survey", survey.id): "the survey"}
    for variant in survey.variants:
        subjects[("SurveyVariant", variant.id)] = f"the {_version_name(variant)} version"
    for question in survey.questions:
        subjects[("Question", question.id)] = f"question “{question.key}”"
        for wording in question.wordings:
            subjects[("QuestionWording", wording.id)] = (
                f"the {_version_name(wording.variant)} wording of question “{question.key}”"
            )
    return subjects


def _named_events(
    session: DbSession, survey: Survey, subjects: dict[tuple[str, int], str]
) -> list[tuple[AuditEvent, str]]:
    """Every event of the survey's parts as they are now, and of the questions removed from it, each with
    what it happened to. Events are split into the lives of rows (audit.lives), so that a question given a
    removed one's id (SQLite) is not named for the other's events, nor the other for its."""
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for entity_type, entity_id in subjects:
        ids_by_type[entity_type].add(entity_id)
    removals = select(AuditEvent).where(
        AuditEvent.entity_type == "Question", AuditEvent.operation == "delete"
    )
    for removal in session.scalars(removals):  # few: only before a survey first opens (can_rearrange)
        if (removal.before or {}).get("survey_id") == survey.id:
            ids_by_type["Question"].add(removal.entity_id)
    of_these = [
        and_(AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(ids))
        for entity_type, ids in ids_by_type.items()
    ]
    events = session.scalars(select(AuditEvent).where(or_(*of_these)).order_by(AuditEvent.id)).all()
    named: list[tuple[AuditEvent, str]] = []
    for entity_type in ids_by_type:
        for life in lives(event for event in events if event.entity_type == entity_type):
            last = life[-1]
            if last.operation != "delete" and (entity_type, last.entity_id) in subjects:
                named += [(event, subjects[(entity_type, event.entity_id)]) for event in life]
            elif entity_type == "Question" and (before := last.before or {}).get("survey_id") == survey.id:
                named += [(event, f"question “{before.get('key')}”") for event in life]
    return named


def _version_name(variant: SurveyVariant) -> str:
    return variant.language if variant.kind is VariantKind.LANGUAGE else variant.kind.label.lower()


def _version_title(title: str, added: str) -> str:
    """A version's title: the survey's with what the version is ``added``, the survey's cut short (and
    marked so) where the whole would not fit; the coordinator can retitle it on the versions page."""
    whole = title.strip() + added
    if len(whole) <= MOST_SURVEY_TITLE:
        return whole
    return title.strip()[: MOST_SURVEY_TITLE - len(added) - 1].rstrip() + "…" + added


def save_survey(
    session: DbSession,
    survey: Survey | None,
    *,
    title: str,
    slug: str,
    audience: str,
    anonymous: bool,
    consent_text: str,
) -> Survey:
    if survey is not None and slug.strip() != survey.slug and not can_change_address(survey):
        raise SurveyStateError(ADDRESS_IS_SET)
    if survey is None:
        survey = Survey()
        survey.variants = [
            SurveyVariant(kind=VariantKind.STANDARD, title=title.strip()),
            SurveyVariant(
                kind=VariantKind.YOUNG_PERSON, title=_version_title(title, ": young people's version")
            ),
            SurveyVariant(kind=VariantKind.EASY_READ, title=_version_title(title, ": easy read")),
        ]
        session.add(survey)
    survey.title = title.strip()
    survey.slug = slug.strip()
    survey.audience = Audience(audience)
    survey.anonymous = anonymous
    survey.consent_text = consent_text.strip()
    session.flush()
    return survey


def save_question(
    session: DbSession,
    survey: Survey,
    question: Question | None,
    *,
    key: str,
    kind: str,
    required: bool,
    choices: list[str],
    measure_ids: list[int],
    wordings: dict[int, tuple[str, str]],
) -> Question:
    # Read before a new question joins the session, so that it is inserted with its measures in one flush
    # (and one audit event), not inserted by this query's autoflush and then tagged.
    measures = (
        list(
            session.scalars(
                select(Measure)
                .where(Measure.id.in_(measure_ids))
                .options(selectinload(Measure.action).selectinload(Action.area))
            )
        )
        if measure_ids
        else []
    )
    if question is None:
        question = Question(survey=survey, position=len(survey.questions))
        session.add(question)
    elif _changes_what_answers_mean(question, key, kind, choices) and is_answered(session, question):
        raise SurveyStateError(ANSWERED)
    question.key = key
    question.kind = QuestionKind(kind)
    question.required = required
    question.choices = (
        [{"value": str(i + 1), "label": label} for i, label in enumerate(choices)]
        if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        else None
    )
    question.measures = measures
    question.areas = list({m.action.area.id: m.action.area for m in measures}.values())
    standard_text = next(
        (
            text
            for variant_id, (text, _) in wordings.items()
            if _variant(survey, variant_id).kind is VariantKind.STANDARD
        ),
        "",
    )
    existing = {w.variant_id: w for w in question.wordings}
    for variant in survey.variants:
        text, hint = wordings.get(variant.id, ("", ""))
        text = text.strip() or standard_text.strip()
        wording = existing.get(variant.id)
        if wording is None:
            wording = QuestionWording(variant=variant)
            question.wordings.append(wording)
        wording.text = text
        wording.hint = hint.strip()
    session.flush()
    return question


ANSWERED = (
    "People have answered this question, so its short name and kind of answer stay as they are, and its "
    "choices keep their places: answers are kept by the short name and by each choice's place in the list."
)


def is_answered(session: DbSession, question: Question) -> bool:
    """Whether anyone has answered the question, in a response or on a page saved and not yet sent."""
    if session.scalar(select(Answer.id).where(Answer.question_id == question.id).limit(1)) is not None:
        return True
    unsent = select(SurveyDraft.answers).where(
        SurveyDraft.survey_id == question.survey_id, SurveyDraft.response_id.is_(None)
    )
    return any((answers or {}).get(question.key) is not None for answers in session.scalars(unsent))


def _changes_what_answers_mean(question: Question, key: str, kind: str, choices: list[str]) -> bool:
    """A new short name or kind of answer, fewer choices (so that some move or go), or a choice's words
    at another place: what an answer already given would be read as changes. A reworded choice, or one
    added at the end, leaves it."""
    answered_with = question.choice_labels
    return (
        key != question.key
        or kind != question.kind.value
        or len(choices) < len(answered_with)
        or bool(moved_choices(answered_with, choices))
    )


def moved_choices(answered_with: list[str], choices: list[str]) -> list[tuple[str, int, int]]:
    """The choices of ``answered_with`` whose words stand at another place in ``choices`` (two swapped,
    or one moved up or down), as (words, place before, place now), counted from 1. An answer is kept as
    its choice's place, so the answers given to each of these would be read as another choice's. Words
    are compared as text.folded compares them; rewording a choice where it is moves nothing."""
    places: dict[str, int] = {}
    for place, words in enumerate(choices):
        places.setdefault(folded(words), place)
    moved = []
    for place, words in enumerate(answered_with):
        stays = place < len(choices) and folded(choices[place]) == folded(words)
        now = places.get(folded(words))
        if not stays and now is not None:
            moved.append((words, place + 1, now + 1))
    return moved


ADDRESS_IS_SET = (
    "The web address cannot change once the survey has opened: posters' QR codes, links from other sites "
    "and families' links back to their unsent answers all use it."
)


def can_change_address(survey: Survey) -> bool:
    """Whether the survey's web address may still change: until it first opens, nothing printed or sent
    to a family points at it."""
    return survey.status is SurveyStatus.DRAFT


ORDER_IS_SET = (
    "Questions can be moved or removed only before the survey first opens: from then on, families' saved "
    "pages and answers follow this order."
)


def can_rearrange(survey: Survey) -> bool:
    """Whether the survey's questions may still be moved and removed: until it first opens, nobody has
    answered it in this order. Editing a question's wording and tags, and adding one, stay open later."""
    return survey.status is SurveyStatus.DRAFT


def move_question(session: DbSession, survey: Survey, question: Question, step: int) -> None:
    """Swap the question with the one above it (step -1) or below it (+1); at either end, nothing moves."""
    if not can_rearrange(survey):
        raise SurveyStateError(ORDER_IS_SET)
    ordered = list(survey.questions)
    here = ordered.index(question)
    there = here + step
    if 0 <= there < len(ordered):
        ordered[here], ordered[there] = ordered[there], ordered[here]
    _number(survey, ordered)
    session.flush()


def remove_question(session: DbSession, survey: Survey, question: Question) -> None:
    """Delete the question, with its wordings and tags, from a survey nobody has answered yet."""
    if not can_rearrange(survey):
        raise SurveyStateError(ORDER_IS_SET)
    if session.scalar(select(func.count()).select_from(Answer).where(Answer.question_id == question.id)):
        raise SurveyStateError("This question has answers, so it cannot be removed.")
    session.delete(question)  # with its wordings and tags
    _number(survey, [q for q in survey.questions if q is not question])
    session.flush()


def _number(survey: Survey, ordered: list[Question]) -> None:
    """Make ``ordered`` the survey's questions, numbered from 0 without gaps."""
    survey.questions = ordered
    for position, question in enumerate(ordered):
        if question.position != position:
            question.position = position


def _variant(survey: Survey, variant_id: int) -> SurveyVariant:
    return next(v for v in survey.variants if v.id == variant_id)


def record_paper_response(
    session: DbSession, survey: Survey, values: dict, entry_key: str, filled_in: date | None = None
) -> respond.SubmitResult | None:
    """A response from a paper form, typed in by staff. The entry key is issued with the blank form, so
    pressing save twice stores the response once. With the date the form was filled in, the response is
    dated midday that day (UK time), so that it counts in that day's month, not the one it was typed in."""
    variant = next(v for v in survey.variants if v.kind is VariantKind.STANDARD)
    draft = respond.draft_under_key(session, survey, variant, Channel.PAPER, entry_key)
    if draft is None:  # the key was issued with another survey's form
        return None
    if not draft.submitted:
        draft.answers = values
        session.flush()
    given = clock.day_starts(filled_in) + timedelta(hours=12) if filled_in is not None else None
    return respond.submit(session, draft, {q.key: q for q in survey.questions}, given)


def new_entry_key() -> str:
    return "paper-" + secrets.token_urlsafe(18)


def response_count(session: DbSession, survey: Survey) -> int:
    return session.execute(
        select(func.count()).select_from(Response).where(Response.survey_id == survey.id)
    ).scalar_one()


def save_versions(
    session: DbSession, survey: Survey, titles: dict[int, str], new_language: str, new_title: str
) -> None:
    for variant in survey.variants:
        if variant.id in titles:
            variant.title = titles[variant.id].strip()
    if new_language.strip():
        survey.variants.append(
            SurveyVariant(kind=VariantKind.LANGUAGE, language=new_language.strip(), title=new_title.strip())
        )
    session.flush()

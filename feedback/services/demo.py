"""The demo local area: Warwickshire's plan, its live feedback survey, cases and a year of responses.

Synthetic responses are generated with numpy in bulk and written with the driver's fastest path (executemany
on SQLite, COPY on PostgreSQL), so that ``demo --responses 1000000`` takes minutes: benchmarks need that
many rows and nothing else writes responses this way.
"""

from __future__ import annotations

import csv
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from .. import clock
from ..database import DbSession
from ..models import (
    STAGES_BY_KIND,
    Agreement,
    Answer,
    Audience,
    Case,
    CaseKind,
    CaseOutcome,
    CaseStage,
    EntryKind,
    Measure,
    Plan,
    Question,
    QuestionKind,
    QuestionWording,
    Reading,
    ReadingSource,
    Response,
    Role,
    StageName,
    Survey,
    SurveyStatus,
    SurveyVariant,
    Theme,
    User,
    VariantKind,
)
from . import plan_import, publication, respond, users
from .bulk import timestamp, write_rows
from .cases import due_date
from .themes import install_lexicon

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
PLAN_FILE = ROOT / "examples" / "warwickshire-wsoa-2022.csv"
SURVEY_SLUG = "live-feedback"
WIDGET_SLUG = "local-offer-feedback"
# The live feedback form launched in April 2022; the demo gives it twelve months, April to March as a UK
# clock reads them (months are counted in UK time, clock.uk_month), held in UTC for the arithmetic.
WINDOW_START = datetime(2022, 4, 1, tzinfo=clock.UK).astimezone(UTC)
WINDOW_END = datetime(2023, 4, 1, tzinfo=clock.UK).astimezone(UTC)
DEMO_USERS = (
    ("staff@demo.example", Role.STAFF),
    ("coordinator@demo.example", Role.COORDINATOR),
    ("admin@demo.example", Role.ADMIN),
)
# The demo area's districts; scripts/run offers them to families (FEEDBACK_DISTRICTS) with the demo loaded.
# Its respondents pick from these and the survey's own profile options, leaving out the catch-alls.
DISTRICTS = ["North Warwickshire", "Nuneaton and Bedworth", "Rugby", "Stratford-on-Avon", "Warwick"]
NEEDS = [n for n in respond.NEEDS if n not in ("Other", "Not sure")]
AGE_BANDS = respond.AGE_BANDS
PHASES = ["Early years", "Primary", "Secondary", "Post-16"]

# Agreement questions: key, measures they count towards (action/measure), wording for parent carers, for
# young people and in easy read (short words, one idea a sentence), and the share agreeing at launch, in
# September 2022 and at the end of the year. The first two figures are the seed's (86 responses, April
# to September 2022).
AGREEMENT_QUESTIONS = [
    (
        "heard",
        ["2.1.1/2", "2.2.1/6"],
        "I feel heard and understood by the services supporting my family.",
        "People listen to me and understand me.",
        "People listen to me.",
        (6, 35, 42),
    ),
    (
        "valued",
        ["2.1.1/3"],
        "I feel valued and respected by the services supporting my family.",
        "People treat me with respect.",
        "People are kind to me.",
        (6, 35, 40),
    ),
    (
        "involved",
        ["2.1.1/4"],
        "I feel involved in decisions about my child's support.",
        "I get a say in decisions about me.",
        "I help choose the help I get.",
        (20, 38, 44),
    ),
    (
        "outcomes",
        ["2.1.1/5"],
        "The support my child gets is helping them towards the outcomes we want.",
        "The help I get is helping me do what I want to do.",
        "My help lets me do things I want to do.",
        (9, 34, 39),
    ),
    (
        "schools",
        ["2.2.1/5"],
        "I am confident that schools understand the range of services and support for families.",
        "Staff at my school know how to help me.",
        "Staff at school know how to help me.",
        (7, 19, 30),
    ),
    (
        "optimism",
        ["2.2.1/7"],
        "I feel optimistic about my child's future.",
        "I feel hopeful about my future.",
        "I feel happy about my life to come.",
        (13, 22, 28),
    ),
]
COMMENT_KEY = "comment"


def is_empty(session: DbSession) -> bool:
    return not any(
        session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (Plan, Survey, Case)
    )


def is_loaded(session: DbSession) -> bool:
    return session.scalar(sa.select(Survey.id).where(Survey.slug == SURVEY_SLUG)) is not None


def load(session: DbSession, seed: int = 2022) -> tuple[dict[str, int], str]:
    """Load the demo; returns what was loaded and the demo users' password, made afresh each time."""
    rng = np.random.default_rng(seed)
    plan = plan_import.import_plan(session, PLAN_FILE).plan
    themes = load_themes(session)
    measures = {
        f"{m.action.reference}/{m.reference}": m
        for area in plan.areas
        for action in area.actions
        for m in action.measures
    }
    survey = _live_feedback_survey(session, measures)
    widget = _local_offer_widget(session, measures)
    cases = _cases(session, rng, themes, measures, plan)
    _seed_readings(session, measures)
    session.flush()
    responses = _insert_responses(session, survey, _count_for_year(rng), rng, (WINDOW_START, WINDOW_END))
    widget_answers = _widget_answers(session, widget, rng)
    password = _demo_users(session)
    summary = {
        "areas": len(plan.areas),
        "measures": len(measures),
        "cases": cases,
        "responses": responses,
        "widget answers": widget_answers,
        "themes": len(themes),
    }
    return summary, password


def load_themes(session: DbSession) -> list[Theme]:
    install_lexicon(session)
    return list(session.scalars(sa.select(Theme)))


def _live_feedback_survey(session: DbSession, measures: dict[str, Measure]) -> Survey:
    survey = Survey(
        slug=SURVEY_SLUG,
        title="Tell us how it feels",
        audience=Audience.PARENT_CARER,
        status=SurveyStatus.OPEN,
        opens_at=WINDOW_START,
        anonymous=True,
        consent_text="Your answers are anonymous unless you choose to give contact details. We use them to "
        "improve SEND services in Warwickshire and publish what we change.",
    )
    standard = SurveyVariant(survey=survey, kind=VariantKind.STANDARD, title="Tell us how it feels")
    young = SurveyVariant(survey=survey, kind=VariantKind.YOUNG_PERSON, title="Tell us what you think")
    easy = SurveyVariant(
        survey=survey, kind=VariantKind.EASY_READ, title="Tell us what you think (easy read)"
    )
    session.add_all([survey, standard, young, easy])
    for position, (key, tags, parent_text, young_text, easy_text, _) in enumerate(AGREEMENT_QUESTIONS):
        tagged = [measures[tag] for tag in tags]
        question = Question(
            survey=survey,
            key=key,
            position=position,
            kind=QuestionKind.AGREEMENT,
            required=False,
            measures=tagged,
            areas=list({m.action.area for m in tagged}),
            i_statement=tagged[0].action.i_statement,
        )
        question.wordings = [
            QuestionWording(variant=standard, text=parent_text),
            QuestionWording(variant=young, text=young_text),
            QuestionWording(variant=easy, text=easy_text),
        ]
        session.add(question)
    comment = Question(
        survey=survey, key=COMMENT_KEY, position=len(AGREEMENT_QUESTIONS), kind=QuestionKind.FREE_TEXT
    )
    comment.wordings = [
        QuestionWording(
            variant=standard,
            text="Tell us more: what is going well, and what could be better?",
            hint="Do not include names or anything that could identify your child.",
        ),
        QuestionWording(
            variant=young,
            text="Is there anything else you want to tell us?",
            hint="Do not write your name or your school's name.",
        ),
        QuestionWording(variant=easy, text="Tell us anything else.", hint="Do not write your name."),
    ]
    session.add(comment)
    return survey


def _local_offer_widget(session: DbSession, measures: dict[str, Measure]) -> Survey:
    survey = Survey(
        slug=WIDGET_SLUG,
        title="Did you find what you were looking for?",
        audience=Audience.PARENT_CARER,
        status=SurveyStatus.OPEN,
        opens_at=WINDOW_START,
    )
    variant = SurveyVariant(survey=survey, kind=VariantKind.STANDARD, title=survey.title)
    found = Question(
        survey=survey,
        key="found",
        position=0,
        kind=QuestionKind.YES_NO,
        required=True,
        measures=[measures["5.1.3/1"]],
        areas=[measures["5.1.3/1"].action.area],
    )
    found.wordings = [QuestionWording(variant=variant, text="Did you find what you were looking for?")]
    looking_for = Question(survey=survey, key="looking_for", position=1, kind=QuestionKind.FREE_TEXT)
    looking_for.wordings = [
        QuestionWording(
            variant=variant,
            text="If not, what were you looking for?",
            hint="Do not write your name or anyone else's.",
        )
    ]
    session.add_all([survey, variant, found, looking_for])
    return survey


def _cases(
    session: DbSession,
    rng: np.random.Generator,
    themes: list[Theme],
    measures: dict[str, Measure],
    plan: Plan,
) -> int:
    """Cases across 2021 and 2022 at the seed's rates: 100 complaints, 231 mediations and 123 appeals in
    2021, with 2022 on its way to the 20% reductions."""
    yearly = {
        CaseKind.COMPLAINT: (100, 86, "2.1.1/9"),
        CaseKind.MEDIATION: (231, 190, "2.1.1/7"),
        CaseKind.TRIBUNAL: (123, 112, "2.1.1/6"),
        CaseKind.COMPLIMENT: (30, 45, None),
    }
    outcomes = {
        CaseKind.COMPLAINT: (
            [CaseOutcome.UPHELD, CaseOutcome.PARTLY_UPHELD, CaseOutcome.NOT_UPHELD],
            [0.3, 0.3, 0.4],
        ),
        CaseKind.MEDIATION: ([CaseOutcome.AGREEMENT_REACHED, CaseOutcome.NO_AGREEMENT], [0.7, 0.3]),
        CaseKind.TRIBUNAL: (
            [CaseOutcome.CONCEDED, CaseOutcome.WITHDRAWN, CaseOutcome.DECIDED],
            [0.35, 0.25, 0.4],
        ),
        CaseKind.COMPLIMENT: ([CaseOutcome.RESPONDED], [1.0]),
    }
    # Days each stage took, drawn between these bounds: most are answered on time, some are late.
    stage_days = {
        StageName.STAGE_1: (10, 34),
        StageName.MEDIATION_REQUESTED: (1, 5),
        StageName.MEDIATION_HELD: (14, 40),
        StageName.TRIBUNAL_REGISTERED: (0, 0),
        StageName.TRIBUNAL_RESPONSE: (25, 50),
        StageName.TRIBUNAL_HEARING: (60, 150),
        StageName.ACKNOWLEDGED: (1, 16),
    }
    learning = [
        "Caseworkers now phone families after every panel decision.",
        "Draft plans are checked against the professional reports before they are sent.",
        "Letters have been rewritten with the parent carer forum in plain English.",
        "Annual reviews are booked a term ahead and tracked weekly.",
        "",
    ]
    end_of_data = date(2022, 12, 31)
    area_2 = next(area for area in plan.areas if area.reference == "2")
    count = 0
    for kind, (in_2021, in_2022, measure_key) in yearly.items():
        for year, total in ((2021, in_2021), (2022, in_2022)):
            days = np.sort(rng.integers(0, 365, size=total))
            for day in days:
                count += 1
                received = date(year, 1, 1) + timedelta(days=int(day))
                case_stages, started = [], received
                for name in STAGES_BY_KIND[kind]:
                    if name in (StageName.STAGE_2, StageName.OMBUDSMAN) or started > end_of_data:
                        break
                    low, high = stage_days[name]
                    done = started + timedelta(days=int(rng.integers(low, high + 1)))
                    completed = done if done <= end_of_data else None
                    case_stages.append(
                        CaseStage(
                            name=name,
                            started_on=started,
                            due_on=due_date(name, started),
                            completed_on=completed,
                        )
                    )
                    if completed is None:
                        break
                    started = completed
                closed = case_stages[-1].completed_on
                choices, weights = outcomes[kind]
                case = Case(
                    reference=f"{kind.value[:3].upper()}-{year}-{count:04d}",
                    kind=kind,
                    received_on=received,
                    stage="Closed" if closed else case_stages[-1].name.label,
                    due_on=None if closed else case_stages[-1].due_on,
                    closed_on=closed,
                    outcome=None if closed is None else choices[int(rng.choice(len(choices), p=weights))],
                    learning=learning[int(rng.integers(len(learning)))]
                    if kind is not CaseKind.COMPLIMENT
                    else "",
                    themes=[
                        themes[int(i)]
                        for i in rng.choice(len(themes), size=int(rng.integers(1, 3)), replace=False)
                    ],
                    areas=[area_2],
                    measures=[measures[measure_key]] if measure_key else [],
                    stages=case_stages,
                )
                session.add(case)
    return count


def _seed_readings(session: DbSession, measures: dict[str, Measure]) -> None:
    """Readings the Warwickshire update reported, entered as staff would have."""
    readings = [
        ("1.1.1/1", date(2022, 9, 30), 153, None, "Target for September was 177 weeks."),
        ("2.1.1/1", date(2022, 9, 30), 81, 154, "154 of c.190 SEND staff trained."),
        ("2.1.1/8", date(2022, 7, 31), 79, None, "At the SEND CPD day in July 2022."),
        ("2.2.1/4", date(2022, 9, 30), 97, 68, "Survey of head teachers, September 2022."),
        ("5.1.1/2", date(2022, 4, 30), 37, None, "March to April 2022."),
        ("5.1.2/1", date(2022, 7, 31), 60, None, "Visits by the end of July 2022."),
        ("5.1.2/2", date(2022, 9, 30), 47, None, "Respondents rating the local offer good or better."),
        ("4.2.1/2", date(2022, 1, 31), 32.9, 4868, "Statistical neighbours 41.4%, national 41.1%."),
    ]
    for key, period_end, value, n, note in readings:
        session.add(
            Reading(
                measure=measures[key],
                period_end=period_end,
                value=value,
                n=n,
                note=note,
                source=ReadingSource.MANUAL,
            )
        )


def _demo_users(session: DbSession) -> str:
    password = secrets.token_urlsafe(12)
    for email, role in DEMO_USERS:
        users.create_user(session, email, role, password, name=f"Demo {role.value}")
    return password


def publish_entries(session: DbSession) -> None:
    """Two entries written by the demo coordinator and approved by the demo admin, as Warwickshire's
    update reports them, so that the public pages have something to show. Each quotes the newest figure
    the analyser has counted for its measure, as a coordinator's would: publish them after a run. The
    parents' entry is about being heard, the young people's about their plan saying what they want: each
    quotes the measure its change is meant to move."""
    author = session.scalars(
        sa.select(User).where(User.role == Role.COORDINATOR).order_by(User.id).limit(1)
    ).one()
    approver = session.scalars(
        sa.select(User).where(User.role == Role.ADMIN).order_by(User.id).limit(1)
    ).one()

    def measure(text: str) -> Measure:
        return session.scalars(
            sa.select(Measure).where(Measure.text == text).order_by(Measure.id).limit(1)
        ).one()

    for audience, measured, title, you_said, we_did in (
        (
            Audience.PARENT_CARER,
            measure("Parent carers who agree they feel heard and understood"),
            "Caseworkers call you after every panel decision",
            "You heard about panel decisions from school before anyone from the council called.",
            "Caseworkers now phone every family on the day of the panel's decision, before a letter is sent.",
        ),
        (
            Audience.YOUNG_PERSON,
            measure("Parent carers who agree their child's desired outcomes are being met"),
            "Your views in your plan",
            "Your EHC plan did not say what you wanted for yourself.",
            "Every annual review now starts with a page you write or draw, and your plan keeps it.",
        ),
    ):
        entry = publication.save_entry(
            session,
            None,
            publication.EntryDetails(
                kind=EntryKind.WE_DID,
                audience=audience,
                title=title,
                you_said=you_said,
                we_did=we_did,
                theme_id=None,
                action_ids=[measured.action_id],
                measure_ids=[measured.id],
            ),
            author,
        )
        publication.send_for_review(session, entry)
        publication.approve(session, entry, approver)


def _count_for_year(rng: np.random.Generator) -> int:
    return int(rng.integers(560, 640))


def add_synthetic_responses(
    session: DbSession, n: int, seed: int = 2022, window: tuple[datetime, datetime] | None = None
) -> tuple[int, float]:
    """Add ``n`` reproducible responses, spread over the demo's year or over ``window``; returns how many
    and the seconds taken."""
    survey = session.scalar(sa.select(Survey).where(Survey.slug == SURVEY_SLUG))
    if survey is None:
        raise ValueError("Load the demo first.")
    started = time.perf_counter()
    # Each batch takes its own stream, so the same seed gives the same rows whatever was added before.
    existing = session.execute(sa.select(sa.func.count()).select_from(sa.table("response"))).scalar_one()
    rng = np.random.default_rng([seed, existing])
    added = _insert_responses(session, survey, n, rng, window or (WINDOW_START, WINDOW_END))
    return added, time.perf_counter() - started


def _insert_responses(
    session: DbSession, survey: Survey, n: int, rng: np.random.Generator, window: tuple[datetime, datetime]
) -> int:
    """Generate ``n`` responses to the live feedback survey, with answers, and write them in bulk."""
    if n == 0:
        return 0
    variants = {variant.kind: variant.id for variant in survey.variants}
    questions = {question.key: question.id for question in survey.questions}
    comments = _comment_bank()
    connection = session.connection()
    next_response, next_answer = _next_ids(connection)
    postgres = connection.dialect.name == "postgresql"
    chunk = 50_000
    for offset in range(0, n, chunk):
        size = min(chunk, n - offset)
        responses, answers = _generate(
            rng, size, next_response, next_answer, survey.id, variants, questions, comments, postgres, window
        )
        write_rows(connection, "response", RESPONSE_COLUMNS, responses)
        write_rows(connection, "answer", ANSWER_COLUMNS, answers)
        next_response += size
        next_answer += len(answers)
    _after_bulk_writes(connection)
    return n


# The Local Offer widget's share of people finding what they looked for: April 2022, March 2023. The plan's
# update read 55% in July 2022, on the way from 40% at the end of 2021 to the target of 70%.
WIDGET_YES = (45, 66)


# What some of those who did not find it say they were looking for, in the box under the question.
WIDGET_LOOKING_FOR = (
    "Short breaks for a teenager with autism near Rugby.",
    "Which secondary schools have a resource base for speech and language.",
    "How to ask for an EHC needs assessment myself.",
    "Transport to college after 16. The page about it was out of date.",
    "A support group for parents waiting for an ADHD assessment.",
    "Holiday clubs that can take a child in a wheelchair.",
    "What happens at an annual review and who should come.",
    "Mental health support for my son while he is off school.",
    "Personal budgets. The link on the page did not work.",
    "Speech therapy for a pre-school child, and how long the wait is.",
)


def _widget_answers(session: DbSession, survey: Survey, rng: np.random.Generator) -> int:
    """About 30 answers a month to the widget across the demo year, so that its measure gets readings;
    one in four of those who say no say what they were looking for."""
    size = int(rng.integers(330, 390))
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    first_response, first_answer = _next_ids(connection)
    span = (WINDOW_END - WINDOW_START).total_seconds()
    offsets = np.sort(rng.uniform(0, span, size))
    start, end = WIDGET_YES
    found = rng.random(size) < (start + (end - start) * offsets / span) / 100
    question, looking_for = survey.questions[0].id, survey.questions[1].id
    variant = survey.variants[0].id
    said = rng.random(size) < 0.25
    responses, answers = [], []
    answer_id = first_answer
    for i in range(size):
        response_id = first_response + i
        submitted = timestamp(WINDOW_START + timedelta(seconds=float(offsets[i])), postgres)
        no_profile = (None, None, None, None)  # area of need, age band, school phase, district
        key = f"synthetic-widget-{response_id}"
        row = (response_id, survey.id, variant, submitted, "parent_carer", "widget", *no_profile, key)
        responses.append(row)
        answers.append((answer_id, response_id, question, None, "yes" if found[i] else "no"))
        answer_id += 1
        if not found[i] and said[i]:
            text = WIDGET_LOOKING_FOR[int(rng.integers(len(WIDGET_LOOKING_FOR)))]
            answers.append((answer_id, response_id, looking_for, None, text))
            answer_id += 1
    write_rows(connection, "response", RESPONSE_COLUMNS, responses)
    write_rows(connection, "answer", ANSWER_COLUMNS, answers)
    _after_bulk_writes(connection)
    return size


def _next_ids(connection) -> tuple[int, int]:
    """The first free response and answer ids, for rows written in bulk with their own ids."""

    def after_last(table: sa.Table) -> int:
        return (connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    return after_last(Response.__table__), after_last(Answer.__table__)


def _after_bulk_writes(connection) -> None:
    """Rows written with their own ids leave PostgreSQL's sequences behind; move them on."""
    if connection.dialect.name != "postgresql":
        return
    for table in (Response.__table__, Answer.__table__):
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        connection.execute(
            sa.select(sa.func.setval(sequence, sa.select(sa.func.max(table.c.id)).scalar_subquery()))
        )


RESPONSE_COLUMNS = (
    "id",
    "survey_id",
    "variant_id",
    "submitted_at",
    "respondent_role",
    "channel",
    "area_of_need",
    "age_band",
    "school_phase",
    "district",
    "idempotency_key",
)
ANSWER_COLUMNS = ("id", "response_id", "question_id", "agreement", "text")
AGREEMENT_VALUES = [a.value for a in Agreement]


def _comment_bank() -> list[str]:
    with open(DATA / "demo_comments.csv", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def _generate(
    rng, size, first_response, first_answer, survey_id, variants, questions, comments, postgres, window
):
    first, last = window
    span = (last - first).total_seconds()
    offsets = np.sort(rng.uniform(0, span, size))
    # 0 at launch, 1 a year on: how far agreement has risen by then
    progress = (offsets + (first - WINDOW_START).total_seconds()) / (
        WINDOW_END - WINDOW_START
    ).total_seconds()
    progress = np.clip(progress, 0, 1)
    young = rng.random(size) < 0.2
    channel = rng.choice(["web", "qr", "web", "web", "paper"], size=size)
    needs = rng.integers(0, len(NEEDS), size)
    ages = rng.integers(0, len(AGE_BANDS), size)
    districts = rng.integers(0, len(DISTRICTS), size)
    commented = rng.random(size) < 0.55
    comment_pick = rng.integers(0, len(comments), size)
    draws = rng.random((size, len(AGREEMENT_QUESTIONS)))
    tone = rng.random((size, len(AGREEMENT_QUESTIONS)))

    responses = []
    answers: list[tuple[int, int, int, str | None, str | None]] = []
    answer_id = first_answer
    for i in range(size):
        response_id = first_response + i
        submitted = first + timedelta(seconds=float(offsets[i]))
        is_young = bool(young[i])
        age = AGE_BANDS[ages[i]] if not is_young else AGE_BANDS[2 + ages[i] % 3]
        responses.append(
            (
                response_id,
                survey_id,
                variants[VariantKind.YOUNG_PERSON if is_young else VariantKind.STANDARD],
                timestamp(submitted, postgres),
                "young_person" if is_young else "parent_carer",
                str(channel[i]),
                NEEDS[needs[i]],
                age,
                PHASES[min(ages[i], 3)],
                DISTRICTS[districts[i]],
                f"synthetic-{response_id}",
            )
        )
        for q, (key, _, _, _, _, (start, middle, end)) in enumerate(AGREEMENT_QUESTIONS):
            agreement = _agreement(progress[i], start, middle, end, draws[i, q], tone[i, q])
            answers.append((answer_id, response_id, questions[key], agreement, None))
            answer_id += 1
        if commented[i]:
            answers.append((answer_id, response_id, questions[COMMENT_KEY], None, comments[comment_pick[i]]))
            answer_id += 1
    return responses, answers


def _agreement(progress: float, start: float, middle: float, end: float, draw: float, tone: float) -> str:
    """An answer whose chance of agreeing moves from the launch figure to September's (at 0.45 of the year)
    and on to the year's end; the rest split between don't know, neither and disagree."""
    if progress < 0.45:
        percent = start + (middle - start) * progress / 0.45
    else:
        percent = middle + (end - middle) * (progress - 0.45) / 0.55
    if draw < 0.08:
        return "dont_know"
    agree = percent / 100
    remaining = (draw - 0.08) / 0.92
    if remaining < agree:
        return "strongly_agree" if tone < 0.35 else "agree"
    if remaining < agree + (1 - agree) * 0.3:
        return "neither"
    return "strongly_disagree" if tone < 0.4 else "disagree"

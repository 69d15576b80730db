"""The demo local area and the synthetic responses benchmarks use."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import (
    Agreement,
    Answer,
    Case,
    CaseKind,
    Channel,
    Measure,
    Plan,
    Question,
    QuestionKind,
    Response,
    Survey,
    User,
    VariantKind,
)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_demo_loads_a_whole_local_area_into_an_empty_database(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Sign in at /login as" in result.output
    with app.app_context():
        plan = db.session.scalar(sa.select(Plan))
        assert plan.title.startswith("Warwickshire") and len(plan.areas) == 5
        assert _count(Measure) == 51 and _count(User) == 3

        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        assert {v.kind for v in survey.variants} >= {VariantKind.STANDARD, VariantKind.YOUNG_PERSON}
        agreement = [q for q in survey.questions if q.kind is QuestionKind.AGREEMENT]
        assert [q.key for q in agreement] == [
            "heard",
            "valued",
            "involved",
            "outcomes",
            "schools",
            "optimism",
        ]
        heard = agreement[0]
        assert {m.text for m in heard.measures} == {
            "Parent carers who agree they feel heard and understood",
            "Families who consider they are heard and that services are better informed by feedback",
        }
        assert all(len(q.wordings) == 3 for q in survey.questions)

        first, last = db.session.execute(
            sa.select(sa.func.min(Response.submitted_at), sa.func.max(Response.submitted_at))
        ).one()
        assert (first.year, first.month) == (2022, 4) and (last.year, last.month) == (2023, 3)
        assert 500 <= _count(Response, Response.channel != Channel.WIDGET) <= 700
        widget = _count(Response, Response.channel == Channel.WIDGET)
        assert 330 <= widget <= 390 and f"{widget} widget answers" in result.output
        assert _count(Answer, Answer.text.is_not(None)) > 200

        in_2021 = sa.func.extract("year", Case.received_on) == 2021
        assert _count(Case, Case.kind == CaseKind.COMPLAINT, in_2021) == 100
        assert _count(Case, Case.kind == CaseKind.MEDIATION, in_2021) == 231
        assert _count(Case, Case.kind == CaseKind.TRIBUNAL, in_2021) == 123

    # The analyser has run, and the published entries quote the figure it counted for their measure.
    assert "Analysis 1 took" in result.output
    page = app.test_client().get("/you-said-we-did").get_data(as_text=True)
    assert re.search(r"Based on \d+ responses, \d+% agreed, up from 6%\.", page), page  # heard
    assert re.search(r"Based on \d+ responses, \d+% agreed, up from 9%\.", page), page  # desired outcomes


def test_agreement_in_the_demo_rises_as_it_did_in_warwickshire(app, demo):
    with app.app_context():

        def percent_agree(start, end):
            rows = db.session.execute(
                sa.select(Answer.agreement, sa.func.count())
                .join(Response)
                .join(Question)
                .where(
                    Question.key == "heard",
                    Response.submitted_at >= start,
                    Response.submitted_at < end,
                    Answer.agreement != Agreement.DONT_KNOW,
                )
                .group_by(Answer.agreement)
            ).all()
            counts = dict(rows)
            agree = counts.get(Agreement.AGREE, 0) + counts.get(Agreement.STRONGLY_AGREE, 0)
            return 100 * agree / sum(counts.values())

        assert percent_agree(datetime(2022, 4, 1, tzinfo=UTC), datetime(2022, 6, 1, tzinfo=UTC)) < 25
        assert percent_agree(datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 4, 1, tzinfo=UTC)) > 30


def test_the_demo_loads_only_once_and_only_into_an_empty_database(app, runner, make_user):
    make_user()  # staff accounts alone do not make a database "not empty"
    loaded = runner.invoke(args=["demo"])
    assert loaded.exit_code == 0, loaded.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 1 and "already loaded" in again.output


def test_the_demo_refuses_a_database_with_a_plan_in_it(app, runner):
    from tests.services.test_plan_import import EXAMPLE_CSV

    runner.invoke(args=["plans", "import", str(EXAMPLE_CSV)])
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code == 1 and "already holds data" in refused.output
    with app.app_context():
        assert _count(Survey) == 0


def _fingerprint() -> str:
    rows = db.session.execute(
        sa.select(Response.submitted_at, Response.district, Answer.question_id, Answer.agreement, Answer.text)
        .join(Answer)
        .order_by(Response.id, Answer.question_id)
    ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_synthetic_responses_are_added_in_bulk_and_reproducibly(app, runner, demo):
    with app.app_context():
        before = _count(Response)
        answers_before = _count(Answer)
    result = runner.invoke(args=["demo", "--responses", "3000"])
    assert result.exit_code == 0, result.output
    assert "Added 3000 synthetic responses" in result.output
    with app.app_context():
        assert _count(Response) == before + 3000
        assert _count(Answer) - answers_before >= 3000 * 6
        keys = db.session.scalar(sa.select(sa.func.count(sa.distinct(Response.idempotency_key))))
        assert keys == before + 3000
        first = _fingerprint()
        # more can be added later, with new ids and keys
        assert runner.invoke(args=["demo", "--responses", "10"]).exit_code == 0
        assert _count(Response) == before + 3010
        # stored values read back through the models like any other response
        latest = db.session.scalar(sa.select(Response).order_by(Response.id.desc()).limit(1))
        assert latest.submitted_at.tzinfo is not None and latest.answers

    # the same seed on a fresh copy of the demo gives the same rows
    with app.app_context():
        db.session.execute(sa.delete(Response).where(Response.id > before))
        db.session.commit()
    assert runner.invoke(args=["demo", "--responses", "3000"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.delete(Response).where(Response.id > before + 3000))
        db.session.commit()
        assert _fingerprint() == first


def test_responses_need_a_positive_whole_number(runner, demo):
    result = runner.invoke(args=["demo", "--responses", "-5"])
    assert result.exit_code == 2 and "-5" in result.output


def test_a_seed_is_a_whole_number_not_below_nought(runner, demo):
    """numpy's generator takes none below nought, and said so with a traceback."""
    result = runner.invoke(args=["demo", "--responses", "5", "--seed", "-1"])
    assert result.exit_code == 2 and "'--seed': -1 is not in the range x>=0" in result.output, result.output

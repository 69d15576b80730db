"""The database itself refuses data that breaks the domain's rules, whatever code writes it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from feedback.extensions import db
from feedback.models import (
    Agreement,
    Answer,
    Audience,
    Case,
    CaseKind,
    CaseOutcome,
    Question,
    QuestionKind,
    RespondentRole,
    Response,
    Survey,
    SurveyStateError,
)


@pytest.fixture
def survey(app):
    with app.app_context():
        survey = Survey(slug="s", title="S", audience=Audience.PARENT_CARER)
        survey.questions.append(Question(key="heard", kind=QuestionKind.AGREEMENT))
        db.session.add(survey)
        db.session.commit()
        yield survey


def _response(survey, key="k1"):
    return Response(survey=survey, respondent_role=RespondentRole.PARENT_CARER, idempotency_key=key)


def test_one_response_per_idempotency_key_per_survey(survey):
    db.session.add(_response(survey))
    db.session.commit()
    db.session.add(_response(survey))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    other = Survey(slug="other", title="O", audience=Audience.YOUNG_PERSON)
    db.session.add(_response(other))  # the same key in another survey is a different response
    db.session.commit()


def test_survey_slugs_are_unique(survey):
    db.session.add(Survey(slug="s", title="Again", audience=Audience.PARENT_CARER))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_enum_columns_are_checked_by_the_database(survey):
    with pytest.raises(IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO plan (title, kind, local_area, created_at) VALUES ('P', 'purple', '', :now)"
                ),
                {"now": datetime(2024, 1, 1)},  # noqa: DTZ001 (raw SQL is sent what the column stores)
            )


def test_enum_columns_refuse_unknown_values_before_the_database(survey):
    db.session.add(Response(survey=survey, respondent_role="nobody", idempotency_key="x"))
    with pytest.raises(StatementError):
        db.session.commit()


def test_foreign_keys_are_enforced(survey):
    with pytest.raises(IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO survey_variant (survey_id, kind, language, title) "
                    "VALUES (9999, 'standard', 'en', 'x')"
                )
            )


def test_an_answer_holds_exactly_one_value(survey):
    response = _response(survey)
    question = survey.questions[0]
    response.answers.append(Answer(question=question, agreement=Agreement.AGREE, text="and words"))
    db.session.add(response)
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_case_outcome_must_fit_its_kind_and_dates_must_be_in_order(app):
    with app.app_context():
        db.session.add(
            Case(
                reference="C1",
                kind=CaseKind.MEDIATION,
                received_on=date(2022, 5, 1),
                closed_on=date(2022, 6, 1),
                outcome=CaseOutcome.UPHELD,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(
            Case(
                reference="C2",
                kind=CaseKind.COMPLAINT,
                received_on=date(2022, 5, 1),
                closed_on=date(2022, 4, 1),
                outcome=CaseOutcome.UPHELD,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(
            Case(
                reference="C3",
                kind=CaseKind.COMPLAINT,
                received_on=date(2022, 5, 1),
                closed_on=date(2022, 5, 20),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_naive_timestamps_are_refused_and_aware_ones_come_back_in_utc(survey):
    response = _response(survey)
    response.submitted_at = datetime(2022, 4, 1, 12, 0)  # noqa: DTZ001 (the naive value refused)
    db.session.add(response)
    with pytest.raises(StatementError):
        db.session.commit()
    db.session.rollback()
    response = _response(survey, "k2")
    response.submitted_at = datetime(2022, 4, 1, 12, 0, tzinfo=UTC)
    db.session.add(response)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Response, response.id).submitted_at == datetime(2022, 4, 1, 12, 0, tzinfo=UTC)


def test_survey_state_transitions_are_guarded(app):
    with app.app_context():
        survey = Survey(slug="t", title="T", audience=Audience.PARENT_CARER)
        with pytest.raises(SurveyStateError):
            survey.open()  # no questions yet
        with pytest.raises(SurveyStateError):
            survey.close()  # not open
        survey.questions.append(Question(key="q", kind=QuestionKind.FREE_TEXT))
        survey.open()
        with pytest.raises(SurveyStateError):
            survey.open()
        survey.close()

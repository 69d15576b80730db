"""A statement run on the driver's cursor stores and reads what SQLAlchemy would (feedback/prepared.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, InvalidRequestError

from feedback.extensions import db
from feedback.models import Agreement, Answer, Channel, Question, RespondentRole, Response, Survey
from feedback.prepared import Prepared

RESPONSE = sa.insert(Response).values(
    {
        name: sa.bindparam(name)
        for name in ("survey_id", "submitted_at", "respondent_role", "channel", "idempotency_key")
    }
)
ANSWER = {  # one statement for each value column, as services/respond.py stores answers
    column: sa.insert(Answer.__table__).values(
        response_id=sa.bindparam("response_id"),
        question_id=sa.bindparam("question_id"),
        **{column: sa.bindparam("value", type_=Answer.__table__.c[column].type)},
    )
    for column in ("agreement", "number", "text", "choices")
}


def _stored(connection, table: str, column: str, ids: list[int]) -> list[tuple]:
    """The rows as the database holds them, read by the driver without any type's processing."""
    cursor = connection.connection.driver_connection.cursor()
    marks = ", ".join(str(int(i)) for i in ids)
    cursor.execute(f"SELECT * FROM {table} WHERE {column} IN ({marks}) ORDER BY id")
    rows = [row[1:] for row in cursor.fetchall()]  # without the id, which differs
    cursor.close()
    return rows


def test_rows_written_through_the_driver_are_the_rows_sqlalchemy_writes(app, demo):
    submitted = datetime(2026, 3, 1, 9, 30, 15, 250_000, tzinfo=UTC)
    with app.app_context(), db.engine.begin() as connection:
        survey_id = connection.scalar(sa.select(Survey.id).where(Survey.slug == "live-feedback"))
        questions = sa.select(Question.id).where(Question.survey_id == survey_id)
        question_id = connection.scalar(questions.limit(1))
        values = {
            "survey_id": survey_id,
            "submitted_at": submitted,
            "respondent_role": RespondentRole.YOUNG_PERSON,
            "channel": Channel.PAPER,
        }
        prepared = Prepared(RESPONSE.returning(Response.id))
        ((by_driver,),) = prepared.run(connection, {**values, "idempotency_key": "by-driver"})
        by_sqlalchemy = connection.execute(
            RESPONSE.returning(Response.id), {**values, "idempotency_key": "by-sqlalchemy"}
        ).scalar_one()
        driver_row, sqlalchemy_row = _stored(connection, "response", "id", [by_driver, by_sqlalchemy])
        assert driver_row == tuple("by-driver" if v == "by-sqlalchemy" else v for v in sqlalchemy_row)

        answers = {  # each in a response of its own: a response has one answer to a question
            "agreement": Agreement.DONT_KNOW,
            "number": 2.5,
            "text": "A comment, with 'quotes'.",
            "choices": ["a", "b"],
        }
        for n, (column, value) in enumerate(answers.items()):
            ((first,),) = prepared.run(connection, {**values, "idempotency_key": f"driver-{n}"})
            ((second,),) = prepared.run(connection, {**values, "idempotency_key": f"sqlalchemy-{n}"})
            answer = {"question_id": question_id, "value": value}
            Prepared(ANSWER[column]).run_many(connection, [{**answer, "response_id": first}])
            connection.execute(ANSWER[column], [{**answer, "response_id": second}])
            (driver_answer,) = _stored(connection, "answer", "response_id", [first])
            (sqlalchemy_answer,) = _stored(connection, "answer", "response_id", [second])
            assert driver_answer[1:] == sqlalchemy_answer[1:]  # all but the response it belongs to
            assert any(value is not None for value in driver_answer[2:])

        read = sa.select(Response.submitted_at, Response.respondent_role, Response.channel).where(
            Response.id == sa.bindparam("id")
        )
        assert Prepared(read).run(connection, {"id": by_driver}) == [
            tuple(connection.execute(read, {"id": by_sqlalchemy}).one())
        ]
        assert Prepared(read).run(connection, {"id": by_driver}) == [
            (submitted, RespondentRole.YOUNG_PERSON, Channel.PAPER)
        ]
        connection.rollback()


def test_a_drivers_error_is_raised_as_sqlalchemys_and_stores_nothing(app, demo):
    with app.app_context():
        with db.engine.connect() as connection:
            survey_id = connection.scalar(sa.select(Survey.id).where(Survey.slug == "live-feedback"))
        values = {
            "survey_id": survey_id,
            "submitted_at": datetime(2026, 3, 1, tzinfo=UTC),
            "respondent_role": RespondentRole.PARENT_CARER,
            "channel": Channel.WEB,
            "idempotency_key": "twice",
        }
        with pytest.raises(IntegrityError) as raised, db.engine.begin() as connection:
            Prepared(RESPONSE).run(connection, values)
            Prepared(RESPONSE).run(connection, values)
        # The values sent stay out of the message, and so out of the logs, as the engine's hide_parameters
        # keeps them out of its own errors. (PostgreSQL's detail line still names a duplicated key.)
        message = str(raised.value)
        assert "parameters hidden" in message and "parent_carer" not in message.lower()
        with db.engine.connect() as connection:
            stored = connection.scalar(sa.select(sa.func.count()).where(Response.idempotency_key == "twice"))
        assert stored == 0


def test_a_value_left_out_is_the_statements_own_and_one_without_is_refused(app, demo):
    """As SQLAlchemy fills in values: one fixed in the statement is sent unless given, and a parameter
    with no value of its own must be given, or nothing is sent."""
    statement = sa.select(sa.bindparam("fixed", 7), sa.bindparam("needed", type_=sa.Integer))
    prepared = Prepared(statement)
    with app.app_context(), db.engine.connect() as connection:
        for given in ({"needed": 1}, {"needed": 1, "fixed": 8}):
            assert prepared.run(connection, given) == [tuple(connection.execute(statement, given).one())]
        assert prepared.run(connection, {"needed": 1}) == [(7, 1)]
        with pytest.raises(InvalidRequestError, match="'needed'"):
            prepared.run(connection, {"fixed": 8})
        expanding = Prepared(sa.select(Survey.id).where(Survey.id.in_(sa.bindparam("ids", expanding=True))))
        with pytest.raises(TypeError, match="Prepared"):
            expanding.run(connection, {"ids": [1, 2]})

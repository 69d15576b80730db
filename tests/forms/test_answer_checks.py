"""A whole response sent as JSON is checked by AnswerCheck, not by the page's form: for every kind of
question, required or not, and for any values sent, the check must give what the field gives, its data and
its first error. A field's rule changed without its check fails here."""

import random

import pytest
from werkzeug.datastructures import MultiDict

from feedback.forms.respond import answer_checks, field_name, page_form_class
from feedback.models import Question, QuestionKind, QuestionWording, SurveyVariant
from feedback.services.respond import FREE_TEXT_LIMIT, Page

LISTED = [{"value": "portage", "label": "Portage"}, {"value": "breaks", "label": "Short breaks"}]

SENT = [
    [],
    [""],
    ["  "],
    ["\x00"],
    ["agree"],
    ["agree\x00"],
    [" agree"],
    ["dont_know"],
    ["nonsense"],
    ["agree", "disagree"],
    ["yes"],
    ["no\x7f"],
    ["5"],
    ["5.0"],
    ["portage"],
    ["portage", "breaks"],
    ["portage", "bogus"],
    ["bogus", "other", "bogus"],
    ["", "portage"],
    [" ", "portage"],
    ["12"],
    [" 12 "],
    ["-0.5"],
    ["1_000"],
    ["1e999"],
    ["nan"],
    ["inf"],
    ["twelve"],
    ["x" * FREE_TEXT_LIMIT],
    ["x" * (FREE_TEXT_LIMIT + 1)],
    ["x" * FREE_TEXT_LIMIT + "\x01"],
    ["My son\x07 waited a year."],
]


def _random_values(seed: int, count: int) -> list[list[str]]:
    pieces = ["agree", "portage", "breaks", "yes", "3", "1.5", "", " ", "\x00", "\t", "\n", "x", "é", "e9"]
    chance = random.Random(seed)
    return [
        ["".join(chance.choices(pieces, k=chance.randint(0, 4))) for _ in range(chance.randint(0, 3))]
        for _ in range(count)
    ]


def _question(kind: QuestionKind, required: bool, variant: SurveyVariant) -> Question:
    question = Question(
        key=f"{kind.value}_{required}",
        kind=kind,
        required=required,
        position=1,
        choices=LISTED if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE) else None,
    )
    question.wordings.append(QuestionWording(variant_id=variant.id, text=f"How was {kind.value}?", hint=""))
    return question


@pytest.mark.parametrize("required", [True, False], ids=["required", "optional"])
@pytest.mark.parametrize("kind", list(QuestionKind), ids=lambda kind: kind.value)
def test_the_check_gives_what_the_page_field_gives(app, kind, required):
    variant = SurveyVariant(id=7)
    question = _question(kind, required, variant)
    page = Page(1, (question,))
    form_class = page_form_class(page, variant, last=True)
    (check,) = answer_checks(page, variant)
    name = field_name(question)
    refused = 0
    with app.test_request_context():
        for sent in SENT + _random_values(seed=list(QuestionKind).index(kind) * 2 + required, count=300):
            form = form_class(formdata=MultiDict([(name, value) for value in sent]))
            form.validate()
            field = form[name]
            expected = (field.data, field.errors[0] if field.errors else None)
            assert check(sent) == expected, sent
            refused += expected[1] is not None
    assert refused  # every kind of question refuses something here, so the errors are compared too

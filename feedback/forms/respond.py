"""The pages of a survey, built from its questions in the family's chosen wording.

Messages are written for a parent on a phone. CSRF is checked by the view rather than by the form, so
that an expired token re-shows the page with the answers instead of failing the request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from ..models import Agreement, Question, QuestionKind, SurveyVariant
from ..services.respond import (
    AGE_BANDS,
    FREE_TEXT_LIMIT,
    NEEDS,
    OUTSIDE_THE_AREA,
    PROFILE_PAGE,
    REPLY_PAGE,
    Page,
    unanswered,
)
from ..services.text import strip_control_characters
from .base import BaseForm, email_length
from .fields import NumberField

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
RATINGS = [
    SelectChoice(str(n), label)
    for n, label in (
        (5, "5 – very good"),
        (4, "4 – good"),
        (3, "3 – okay"),
        (2, "2 – poor"),
        (1, "1 – very poor"),
    )
]


class AgreementRadios(GovRadioInput):
    """GOV.UK radios with "or" before the "don't know" answer, as the Design System sets out a neutral
    way out of a question."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        items = params["items"]
        if items and items[-1].get("value") == Agreement.DONT_KNOW.value:
            items.insert(len(items) - 1, {"divider": "or"})
        return params


class SurveyPageForm(BaseForm):
    class Meta:
        csrf = False  # checked in the view, see the module docstring

    submit = SubmitField("Continue", widget=GovSubmitInput())


def field_name(question: Question) -> str:
    return f"q_{question.key}"


def _wording(question: Question, variant: SurveyVariant) -> tuple[str, str]:
    wording = question.wording_for(variant) or (question.wordings[0] if question.wordings else None)
    return (wording.text, wording.hint) if wording else (question.key, "")


def _listed_choices(question: Question) -> list[SelectChoice]:
    return [SelectChoice(c["value"], c["label"]) for c in question.choices or []]


_RADIOS = {QuestionKind.AGREEMENT, QuestionKind.YES_NO, QuestionKind.RATING, QuestionKind.SINGLE_CHOICE}


def _choices(question: Question) -> list[SelectChoice]:
    """The answers a radio or checkbox question offers (none for the others)."""
    if question.kind is QuestionKind.AGREEMENT:
        return [SelectChoice(a.value, a.label) for a in Agreement]
    if question.kind is QuestionKind.YES_NO:
        return YES_NO
    if question.kind is QuestionKind.RATING:
        return RATINGS
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        return _listed_choices(question)
    return []


def _required_message(text: str) -> str:
    return f"Answer this question: {text}"


def _number_message(text: str) -> str:
    return f"Enter a number for: {text}"


TOO_LONG = f"Your answer must be {FREE_TEXT_LIMIT:,} characters or fewer"


def _question_field(question: Question, variant: SurveyVariant):
    text, hint = _wording(question, variant)
    required = [InputRequired(message=_required_message(text))] if question.required else [Optional()]
    kind = question.kind
    if kind in _RADIOS:
        widget = AgreementRadios() if kind is QuestionKind.AGREEMENT else GovRadioInput()
        return RadioField(
            text, description=hint, widget=widget, validators=required, choices=_choices(question)
        )
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return SelectMultipleField(
            text,
            description=hint,
            widget=GovCheckboxesInput(),
            validators=required,
            choices=_choices(question),
        )
    if kind is QuestionKind.NUMBER:
        return NumberField(
            text,
            description=hint,
            widget=GovTextInput(),
            validators=required,
            invalid_message=_number_message(text),
        )
    return TextAreaField(
        text,
        description=hint,
        widget=GovCharacterCount(),
        validators=[
            # DataRequired, not InputRequired: a required answer of only spaces is no answer (unanswered()).
            *([DataRequired(message=_required_message(text))] if question.required else []),
            Length(max=FREE_TEXT_LIMIT, message=TOO_LONG),
        ],
    )


NOT_A_CHOICE = "Not a valid choice."  # WTForms' words for a radio answer the question does not offer


@dataclass(frozen=True)
class AnswerCheck:
    """The rules of one question's field on the page (``_question_field``), applied to the values sent for
    it without making the form. A whole response sent as JSON (views/respond.py) is the busiest request in
    the service, and making and validating its form cost more than storing the answers. It gives what the
    field would give, data and first error, for any values: tests/forms/test_answer_checks.py holds it to
    that, so a change to the field's rules that is not made here fails there.
    """

    key: str
    kind: str  # "one" (radios), "many" (checkboxes), "number" or "text"
    required: str | None  # the message for a required question left unanswered; None if it is optional
    choices: frozenset[str] = frozenset()
    invalid: str = ""  # the message for a number that is not one

    def __call__(self, raw: list[str]) -> tuple[Any, str | None]:
        """(the field's data, its first error or None) for ``raw``, the values sent, as form data."""
        first = raw[0] if raw else None
        data: Any = None
        error = None  # from reading the values, or from the choices: both come before the validators
        if self.kind == "number":
            if raw:
                try:
                    data = float(first)  # type: ignore[arg-type]
                except ValueError:
                    error = self.invalid
                else:
                    if not math.isfinite(data):
                        data, error = None, self.invalid
        elif self.kind == "many":
            data = strip_control_characters(list(raw))
            unacceptable = [item for item in set(data) if item not in self.choices]
            if unacceptable:
                said = "is not a valid choice" if len(unacceptable) == 1 else "are not valid choices"
                error = "'{}' {} for this field.".format("', '".join(unacceptable), said)
        else:
            data = strip_control_characters(first)
            if self.kind == "one" and data not in self.choices:
                error = NOT_A_CHOICE
        if self.required is not None:
            if self.kind == "text" and not (data and data.strip()):  # DataRequired: only spaces, or nothing
                return data, self.required
            if not first:  # InputRequired: an empty first value
                return data, self.required
        elif self.kind != "text" and (not first or not first.strip()):  # Optional: nothing but spaces
            return data, None
        if error is None and self.kind == "text" and data and len(data) > FREE_TEXT_LIMIT:
            error = TOO_LONG
        return data, error


_CHECK_KIND = {
    **dict.fromkeys(_RADIOS, "one"),
    QuestionKind.MULTIPLE_CHOICE: "many",
    QuestionKind.NUMBER: "number",
}


def answer_checks(page: Page, variant: SurveyVariant) -> tuple[AnswerCheck, ...]:
    """The checks of a page of questions in this version's wording, one a question, in page order."""
    checks = []
    for question in page.questions:
        text, _ = _wording(question, variant)
        checks.append(
            AnswerCheck(
                key=question.key,
                kind=_CHECK_KIND.get(question.kind, "text"),
                required=_required_message(text) if question.required else None,
                choices=frozenset(str(choice.value) for choice in _choices(question)),
                invalid=_number_message(text),
            )
        )
    return tuple(checks)


def build_page_form(
    page: Page, variant: SurveyVariant, formdata=None, data: dict | None = None, last: bool = False
) -> SurveyPageForm:
    """A form for this page of this survey, filled from ``formdata`` or saved ``data``."""
    return page_form_class(page, variant, last)(formdata=formdata, data=data or {})


def page_form_class(page: Page, variant: SurveyVariant, last: bool = False) -> type[SurveyPageForm]:
    """A form class made for this page of this survey in this version's wording. It keeps only text and
    choices, not the questions it was made from, so it can be kept and used from any thread."""

    class PageForm(SurveyPageForm):
        pass

    if page.special == PROFILE_PAGE:
        _add_profile_fields(PageForm)
    elif page.special == REPLY_PAGE:
        _add_reply_fields(PageForm)
    else:
        for question in page.questions:
            setattr(PageForm, field_name(question), _question_field(question, variant))
    PageForm.submit = SubmitField("Send your answers" if last else "Continue", widget=GovSubmitInput())
    return PageForm


def _add_profile_fields(form_class) -> None:
    def select(label: str, values: list[str]) -> SelectField:
        return SelectField(
            label,
            widget=GovSelect(),
            choices=[SelectChoice("", "Prefer not to say"), *(SelectChoice(v, v) for v in values)],
            validators=[Optional()],
            # Only a page open while the list changed, or a hand-made post, sends something else.
            invalid_choice_message="Choose from the list, or Prefer not to say",
        )

    districts = current_app.config["DISTRICTS"]  # the area's own; without them, where is not asked
    if districts:
        form_class.district = select("Where do you live?", [*districts, OUTSIDE_THE_AREA])
    form_class.age_band = select("How old is the child or young person?", AGE_BANDS)
    form_class.area_of_need = select("What is their main area of need?", NEEDS)


class _ReplyRequired:
    """Contact details are asked for only when the person wants a reply."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if form.wants_reply.data == "yes" and not (field.data or "").strip():
            raise ValidationError(self.message)


def _add_reply_fields(form_class) -> None:
    form_class.wants_reply = RadioField(
        "Would you like someone to contact you about what you said?",
        widget=GovRadioInput(),
        description="Your answers stay anonymous unless you ask for a reply.",
        choices=YES_NO,
        validators=[InputRequired(message="Select yes if you would like a reply")],
    )
    form_class.name = StringField(
        "Your name",
        widget=GovTextInput(),
        validators=[
            _ReplyRequired("Enter your name so we know who to reply to"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    form_class.email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Email(message="Enter an email address in the correct format, like name@example.com"),
            email_length(),
        ],
    )
    # No Optional() here: it would stop validate_phone, which also asks for a way to reply.
    form_class.phone = StringField(
        "Phone number",
        widget=GovTextInput(),
        validators=[Length(max=40, message="Phone number must be 40 characters or fewer")],
    )

    def validate_phone(form, field):
        if (
            form.wants_reply.data == "yes"
            and not (form.email.data or "").strip()
            and not (field.data or "").strip()
        ):
            raise ValidationError("Enter an email address or a phone number so we can reply")
        if field.data and not all(c.isdigit() or c in " +()-" for c in field.data):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")

    form_class.validate_phone = validate_phone


def page_values(form: SurveyPageForm, page: Page) -> dict:
    """What to keep in the draft from a valid page."""
    if page.special == PROFILE_PAGE:
        # The district is asked only where the area has named its districts.
        asked = [k for k in ("district", "age_band", "area_of_need") if k in form]
        return {PROFILE_PAGE: {k: form[k].data or "" for k in asked}}
    if page.special == REPLY_PAGE:
        wants = form.wants_reply.data
        details = (
            {k: (getattr(form, k).data or "").strip() for k in ("name", "email", "phone")}
            if wants == "yes"
            else {}
        )
        return {REPLY_PAGE: {"wants_reply": wants, **details}}
    values = {}
    for question in page.questions:
        data = getattr(form, field_name(question)).data
        values[question.key] = None if unanswered(data) else data
    return values


def saved_data(draft_answers: dict, page: Page) -> dict:
    """A page's saved answers, as form data."""
    if page.special in (PROFILE_PAGE, REPLY_PAGE):
        return dict(draft_answers.get(page.special, {}))
    return {
        field_name(q): draft_answers.get(q.key)
        for q in page.questions
        if draft_answers.get(q.key) is not None
    }

"""The pages of a survey, built from its questions in the family's chosen wording.

Messages are written for a parent on a phone. CSRF is checked by the view rather than by the form, so
that an expired token re-shows the page with the answers instead of failing the request.
"""

from __future__ import annotations

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
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from ..models import Agreement, Question, QuestionKind, SurveyVariant
from ..services.respond import (
    AGE_BANDS,
    DISTRICTS,
    FREE_TEXT_LIMIT,
    NEEDS,
    PROFILE_PAGE,
    REPLY_PAGE,
    Page,
    unanswered,
)
from .base import BaseForm
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


def _question_field(question: Question, variant: SurveyVariant):
    text, hint = _wording(question, variant)
    required = [InputRequired(message=f"Answer this question: {text}")] if question.required else [Optional()]
    kind = question.kind
    radios = {
        QuestionKind.AGREEMENT: [SelectChoice(a.value, a.label) for a in Agreement],
        QuestionKind.YES_NO: YES_NO,
        QuestionKind.RATING: RATINGS,
        QuestionKind.SINGLE_CHOICE: _listed_choices(question),
    }
    if kind in radios:
        widget = AgreementRadios() if kind is QuestionKind.AGREEMENT else GovRadioInput()
        return RadioField(text, description=hint, widget=widget, validators=required, choices=radios[kind])
    if kind is QuestionKind.MULTIPLE_CHOICE:
        return SelectMultipleField(
            text,
            description=hint,
            widget=GovCheckboxesInput(),
            validators=required,
            choices=_listed_choices(question),
        )
    if kind is QuestionKind.NUMBER:
        return NumberField(
            text,
            description=hint,
            widget=GovTextInput(),
            validators=required,
            invalid_message=f"Enter a number for: {text}",
        )
    return TextAreaField(
        text,
        description=hint,
        widget=GovCharacterCount(),
        validators=[
            *(required if question.required else []),
            Length(
                max=FREE_TEXT_LIMIT, message=f"Your answer must be {FREE_TEXT_LIMIT:,} characters or fewer"
            ),
        ],
    )


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
    def choices(values):
        return [SelectChoice("", "Prefer not to say"), *(SelectChoice(v, v) for v in values)]

    form_class.district = SelectField(
        "Where do you live?", widget=GovSelect(), choices=choices(DISTRICTS), validators=[Optional()]
    )
    form_class.age_band = SelectField(
        "How old is the child or young person?",
        widget=GovSelect(),
        choices=choices(AGE_BANDS),
        validators=[Optional()],
    )
    form_class.area_of_need = SelectField(
        "What is their main area of need?",
        widget=GovSelect(),
        choices=choices(NEEDS),
        validators=[Optional()],
    )


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
            Length(max=254, message="Email address must be 254 characters or fewer"),
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
        return {
            PROFILE_PAGE: {k: getattr(form, k).data or "" for k in ("district", "age_band", "area_of_need")}
        }
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

"""Forms staff use to build surveys and enter paper responses."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from .. import clock
from ..models import MOST_SURVEY_TITLE, Audience, QuestionKind, SurveyVariant
from ..services.plan_import import MAX_ROWS
from ..services.respond import Page
from ..services.surveys import moved_choices
from .base import BaseForm, EditForm
from .fields import DayMonthYearField, import_file_field
from .plans import enum_value
from .respond import SurveyPageForm, page_form_class

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")

# A survey's title, and each version's.
TITLE_FITS = Length(max=MOST_SURVEY_TITLE, message=f"Title must be {MOST_SURVEY_TITLE} characters or fewer")


class SurveyForm(EditForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the survey's title"),
            TITLE_FITS,
        ],
    )
    slug = StringField(
        "Web address",
        widget=GovTextInput(),
        description="Lower case letters, numbers and hyphens: /s/your-words",
        validators=[
            DataRequired(message="Enter the web address"),
            Length(max=80, message="Web address must be 80 characters or fewer"),
        ],
    )
    audience = RadioField(
        "Who is it for?",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[SelectChoice(a.value, a.label) for a in Audience],
        validators=[InputRequired(message="Select who the survey is for")],
    )
    anonymous = BooleanField(
        "Anonymous: ask for contact details only from people who want a reply",
        widget=GovCheckboxInput(),
        default=True,
    )
    consent_text = TextAreaField(
        "Privacy and consent text",
        widget=GovTextArea(),
        validators=[Length(max=3000, message="Text must be 3,000 characters or fewer")],
    )
    submit = SubmitField("Save survey", widget=GovSubmitInput())

    def __init__(self, *args, slug_taken=lambda slug: False, **kwargs):
        super().__init__(*args, **kwargs)
        self.slug_taken = slug_taken

    def validate_slug(self, field):
        if not SLUG.match(field.data or ""):
            raise ValidationError(
                "Web address must be lower case letters, numbers and single hyphens, like live-feedback"
            )
        if self.slug_taken(field.data):
            raise ValidationError("Another survey already uses this web address")


class QuestionForm(EditForm):
    key = StringField(
        "Short name",
        widget=GovTextInput(),
        description="Used in exports and imports, like heard or comment",
        validators=[
            DataRequired(message="Enter a short name"),
            Length(max=60, message="Short name must be 60 characters or fewer"),
        ],
    )
    kind = SelectField(
        "Kind of answer",
        widget=GovSelect(),
        coerce=enum_value,
        choices=[SelectChoice(kind.value, kind.label) for kind in QuestionKind],
        validators=[InputRequired(message="Select the kind of answer")],
    )
    required = BooleanField("Required", widget=GovCheckboxInput())
    choices = TextAreaField(
        "Choices",
        widget=GovTextArea(),
        description="One a line, for questions with a list of choices",
        validators=[Length(max=3000, message="Choices must be 3,000 characters or fewer")],
    )
    measures = SelectMultipleField(
        "Measures this question counts towards", widget=GovCheckboxesInput(), coerce=int, choices=[]
    )
    submit = SubmitField("Save question", widget=GovSubmitInput())

    def __init__(self, *args, measure_choices=(), key_taken=lambda key: False, answered_with=(), **kwargs):
        """``answered_with``: the choices people have answered with, in their places, once anyone has
        answered the question (services/surveys.py, ANSWERED); empty before."""
        super().__init__(*args, **kwargs)
        self.measures.choices = [SelectChoice(value, label) for value, label in measure_choices]
        self.key_taken = key_taken
        self.answered_with = list(answered_with)

    def validate_key(self, field):
        if not KEY.match(field.data or ""):
            raise ValidationError(
                "Short name must start with a letter and use lower case letters, numbers and underscores"
            )
        if self.key_taken(field.data):
            raise ValidationError("Another question in this survey has this short name")

    def validate_choices(self, field):
        kind = self.kind.data
        if (
            kind in (QuestionKind.SINGLE_CHOICE.value, QuestionKind.MULTIPLE_CHOICE.value)
            and len(self.choice_list()) < 2
        ):
            raise ValidationError("Enter at least two choices, one a line")
        if len(self.choice_list()) < len(self.answered_with):
            raise ValidationError(
                f"Keep all {len(self.answered_with)} choices people have answered with, each on its own "
                "line: reword one where it is, and add new ones at the end"
            )
        moved = moved_choices(self.answered_with, self.choice_list())
        if moved:
            words, before, now = moved[0]
            raise ValidationError(
                f"Put “{words}” back as choice {before} (it is choice {now} now): people have answered with "
                "each choice in its place, so reword one where it is, and add new ones at the end"
            )

    def choice_list(self) -> list[str]:
        return [line.strip() for line in (self.choices.data or "").splitlines() if line.strip()]


def question_form(variants, **kwargs) -> QuestionForm:
    """A question form with the wording and hint for each of the survey's variants; the standard wording
    is required, the others fall back to it."""

    class WordedQuestionForm(QuestionForm):
        pass

    for variant in variants:
        required = variant.kind.value == "standard"
        validators = [Length(max=1000, message="Wording must be 1,000 characters or fewer")]
        if required:
            validators.insert(0, DataRequired(message="Enter the question as families will read it"))
        setattr(
            WordedQuestionForm,
            f"wording_{variant.id}",
            TextAreaField(f"Wording: {variant.title}", widget=GovTextArea(), validators=validators),
        )
        setattr(
            WordedQuestionForm,
            f"hint_{variant.id}",
            StringField(
                f"Hint: {variant.title}",
                widget=GovTextInput(),
                validators=[Length(max=500, message="Hint must be 500 characters or fewer")],
            ),
        )
    return WordedQuestionForm(**kwargs)


LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def versions_form(variants, **kwargs):
    """Titles for each version of a survey, and an optional new language version."""

    class VersionsForm(EditForm):
        new_language = StringField(
            "Language code",
            widget=GovTextInput(),
            description="To add a version in another language: its code, like pl for Polish or ur for Urdu",
            validators=[Length(max=10, message="Language code must be 10 characters or fewer")],
        )
        new_title = StringField(
            "Title in that language",
            widget=GovTextInput(),
            validators=[TITLE_FITS],
        )
        submit = SubmitField("Save versions", widget=GovSubmitInput())

        def validate_new_language(self, field):
            code = (field.data or "").strip()
            if not code:
                return
            if not LANGUAGE.match(code):
                raise ValidationError("Enter a language code like pl, ur or pt-BR")
            if any(v.language == code for v in variants):
                raise ValidationError("This survey already has a version in that language")
            if not (self.new_title.data or "").strip():
                raise ValidationError("Enter the title in that language too")

    for variant in variants:
        setattr(
            VersionsForm,
            f"title_{variant.id}",
            StringField(
                f"Title: {variant.kind.label.lower()}"
                + (f" ({variant.language})" if variant.kind.value == "language" else ""),
                widget=GovTextInput(),
                validators=[
                    DataRequired(message="Enter a title for every version"),
                    TITLE_FITS,
                ],
            ),
        )
    return VersionsForm(**kwargs)


class ResponsesImportForm(BaseForm):
    file = import_file_field(
        "Export from Microsoft Forms",
        "The CSV or Excel (.xlsx) file that Microsoft Forms gives under 'Open results in Excel', with up to "
        f"{MAX_ROWS:,} responses",
        "Select the export file",
    )
    mapping = TextAreaField(
        "Columns to match by hand",
        widget=GovTextArea(),
        description="Only for columns whose heading is not the question's wording: one a line, like "
        "Q1=heard (the column heading, =, the question's short name)",
        validators=[Length(max=5000, message="The list must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Import responses", widget=GovSubmitInput())

    def mapping_pairs(self) -> list[str]:
        return [line.strip() for line in (self.mapping.data or "").splitlines() if line.strip()]


def paper_form_class(page: Page, variant: SurveyVariant) -> type[SurveyPageForm]:
    """The survey's questions on one page, and the date the paper form was filled in: a form collected at
    an event in September and typed in November counts in September."""

    class PaperForm(page_form_class(page, variant, last=True)):  # type: ignore[misc]
        filled_in = DayMonthYearField(
            "Date on the form",
            widget=GovDateInput(),
            description="When it was filled in, if the form says: it counts in that month. Leave it empty "
            "for today. For example, 27 9 2026",
            invalid_message="Date on the form must be a real date, like 27 9 2026",
        )

        def validate_filled_in(self, field):
            if field.data is not None and field.data > clock.today():
                raise ValidationError("Date on the form must be today or in the past")

    return PaperForm

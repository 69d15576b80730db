"""Forms for logging cases, their stages and their closing."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from ..models import OUTCOMES_BY_KIND, STAGES_BY_KIND, CaseKind
from .base import BaseForm, EditForm, email_length
from .fields import DayMonthYearField
from .plans import enum_value


def _date(label: str, required: bool = False, hint: str = "For example, 27 3 2024") -> DayMonthYearField:
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        description=hint,
        invalid_message=f"{label} must be a real date, like 27 3 2024",
        required_message=f"Enter the {label.lower()}" if required else None,
    )


class CaseForm(EditForm):
    kind = RadioField(
        "Kind of case",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[SelectChoice(k.value, k.label) for k in CaseKind],
        validators=[InputRequired(message="Select the kind of case")],
    )
    received_on = _date("Date received", required=True)
    reference = StringField(
        "Reference",
        widget=GovTextInput(),
        description="Leave blank to have one made, like COM-2024-0001",
        validators=[Length(max=30, message="Reference must be 30 characters or fewer")],
    )
    summary = TextAreaField(
        "What it is about",
        widget=GovTextArea(),
        description="No names: the family's details go below, where they are kept apart",
        validators=[Length(max=10000, message="Summary must be 10,000 characters or fewer")],
    )
    themes = SelectMultipleField("Themes", widget=GovCheckboxesInput(), coerce=int, choices=[])
    areas = SelectMultipleField("Areas of the plan", widget=GovCheckboxesInput(), coerce=int, choices=[])
    measures = SelectMultipleField(
        "Measures it bears on", widget=GovCheckboxesInput(), coerce=int, choices=[]
    )
    learning = TextAreaField(
        "What we will change",
        widget=GovTextArea(),
        validators=[Length(max=10000, message="What we will change must be 10,000 characters or fewer")],
    )
    contact_name = StringField(
        "Name of the person who raised it",
        widget=GovTextInput(),
        validators=[Length(max=200, message="Name must be 200 characters or fewer")],
    )
    contact_email = EmailField(
        "Their email address",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Email(message="Enter an email address in the correct format, like name@example.com"),
            email_length(),
        ],
    )
    contact_phone = StringField(
        "Their phone number",
        widget=GovTextInput(),
        validators=[Length(max=40, message="Phone number must be 40 characters or fewer")],
    )
    child_name = StringField(
        "The child or young person's name",
        widget=GovTextInput(),
        validators=[Length(max=200, message="Name must be 200 characters or fewer")],
    )
    submit = SubmitField("Save case", widget=GovSubmitInput())

    def __init__(self, *args, themes=(), areas=(), measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = [SelectChoice(v, label) for v, label in themes]
        self.areas.choices = [SelectChoice(v, label) for v, label in areas]
        self.measures.choices = [SelectChoice(v, label) for v, label in measures]


class StageForm(EditForm):
    name = RadioField(
        "Stage",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[],
        validators=[InputRequired(message="Select the stage")],
    )
    started_on = _date("Date started", required=True)
    completed_on = _date("Date done", hint="Leave blank while it is still open. For example, 27 3 2024")
    submit = SubmitField("Save stage", widget=GovSubmitInput())

    def __init__(self, *args, kind: CaseKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.name.choices = [SelectChoice(s.value, s.label) for s in STAGES_BY_KIND[kind]]


class CloseForm(BaseForm):
    outcome = RadioField(
        "Outcome",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[],
        validators=[InputRequired(message="Select the outcome")],
    )
    closed_on = _date("Date closed", required=True)
    submit = SubmitField("Close case", widget=GovSubmitInput())

    def __init__(self, *args, kind: CaseKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [
            SelectChoice(o.value, o.label) for o in sorted(OUTCOMES_BY_KIND[kind], key=lambda o: o.value)
        ]

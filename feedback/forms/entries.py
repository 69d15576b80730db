"""Forms for "You said, we did" entries."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from ..models import Audience, EntryKind
from .base import BaseForm, EditForm
from .plans import enum_value


class EntryForm(EditForm):
    kind = RadioField(
        "What kind of entry",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[
            SelectChoice(EntryKind.WE_DID.value, "You said, we did: something has changed"),
            SelectChoice(EntryKind.WE_LISTENED.value, "You said, we listened: not acted on yet"),
        ],
        validators=[InputRequired(message="Select what kind of entry this is")],
    )
    audience = RadioField(
        "Written for",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[SelectChoice(a.value, a.label) for a in Audience],
        validators=[InputRequired(message="Select who the entry is written for")],
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter a title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    you_said = TextAreaField(
        "You said",
        widget=GovTextArea(),
        description=(
            "What people told us, in their words where we can. The public pages put “You said” before it,"
            " and the young people's page “You told us:”"
        ),
        validators=[
            DataRequired(message="Enter what people said"),
            Length(max=5000, message="You said must be 5,000 characters or fewer"),
        ],
    )
    we_did = TextAreaField(
        "We did, or are doing",
        widget=GovTextArea(),
        validators=[Length(max=5000, message="We did must be 5,000 characters or fewer")],
    )
    theme = SelectField("Theme", widget=GovSelect(), coerce=str, choices=[])
    actions = SelectMultipleField("Actions of the plan", widget=GovCheckboxesInput(), coerce=int, choices=[])
    measures = SelectMultipleField(
        "Measures",
        widget=GovCheckboxesInput(),
        coerce=int,
        choices=[],
        description=(
            "The first survey measure with readings gives the evidence:"
            " its latest % agree and n, and its baseline"
        ),
    )
    submit = SubmitField("Save draft", widget=GovSubmitInput())

    def __init__(self, *args, themes=(), actions=(), measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.theme.choices = [SelectChoice("", "None"), *[SelectChoice(str(v), label) for v, label in themes]]
        self.actions.choices = [SelectChoice(v, label) for v, label in actions]
        self.measures.choices = [SelectChoice(v, label) for v, label in measures]


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        "Why it is withdrawn",
        widget=GovTextArea(),
        description="Shown on the entry's page, like “The change was reversed when the contract ended.”",
        validators=[
            DataRequired(message="Say why the entry is withdrawn: the notice shows it"),
            Length(max=2000, message="Reason must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Withdraw entry", widget=GovSubmitInput())

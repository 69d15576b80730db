"""The theme lexicon, as coordinators edit it."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from .base import EditForm


class ThemeForm(EditForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter a name for the theme"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    keywords = TextAreaField(
        "Words and phrases",
        description=(
            "One a line. Each matches that word or phrase in a comment, and its plural and other forms: "
            "“wait” also finds “waiting” and “waited”."
        ),
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter at least one word or phrase"),
            Length(max=5000, message="Words and phrases must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save theme", widget=GovSubmitInput())

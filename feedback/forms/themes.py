"""The theme lexicon, as coordinators edit it."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..models import MOST_KEYWORDS, MOST_THEME_NAME
from .base import EditForm


class ThemeForm(EditForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter a name for the theme"),
            Length(max=MOST_THEME_NAME, message=f"Name must be {MOST_THEME_NAME} characters or fewer"),
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
            Length(
                max=MOST_KEYWORDS, message=f"Words and phrases must be {MOST_KEYWORDS:,} characters or fewer"
            ),
        ],
    )
    submit = SubmitField("Save theme", widget=GovSubmitInput())

"""Finding someone's data for a subject access or erasure request, as an admin does it in the browser."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from ..models import MOST_EMAIL
from ..services.data_protection import search_terms
from .base import BaseForm


def _given(label: str, hint: str, longest: int) -> StringField:
    """A contact detail as the person gave it to us, to look for."""
    return StringField(
        label,
        widget=GovTextInput(),
        description=hint,
        default="",  # a form sent without the field still gives the services a string
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Length(max=longest, message=f"{label} must be {longest} characters or fewer")],
    )


class PersonForm(BaseForm):
    email = _given("Email address", "The one they gave us.", MOST_EMAIL)
    phone = _given("Phone number", "Spaces do not matter.", 40)
    submit = SubmitField("Find what we hold", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not any(search_terms(self.email.data or "", self.phone.data or "")):
            self.email.errors.append("Enter the email address or the phone number they gave")
            return False
        return True


class EraseForm(PersonForm):
    confirmed = BooleanField(
        "I have checked that the request comes from this person, and that nothing we must keep is affected",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Erase their details", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.confirmed.data:
            self.confirmed.errors.append("Confirm that you have checked the request")
            return False
        return True

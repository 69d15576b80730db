"""Staff accounts, as admins keep them, and a person's own password."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from ..models import Role
from .base import BaseForm, EditForm, email_length

ROLE_LABELS = {
    Role.STAFF: "Staff: log and read cases, read plans, surveys and results",
    Role.COORDINATOR: "Coordinator: also keep the plan and surveys, and publish “You said, we did”",
    Role.ADMIN: "Admin: also add people and change what they may do",
}


def _password(label: str, hint: str | None = None, missing: str | None = None) -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description=hint or "",
        validators=[
            DataRequired(message=missing or f"Enter the {label.lower()}"),
            Length(max=200, message=f"{label} must be 200 characters or fewer"),
        ],
    )


NEW_PASSWORD_HINT = "At least 12 characters. Three random words together make a strong one."


# Made before UserForm's fields, so that a new user's form puts it first, in the page and in the error
# summary (WTForms orders fields by when they were made).
_EMAIL = EmailField(
    "Email address",
    widget=GovTextInput(),
    description="They sign in with it.",
    filters=[lambda value: value.strip() if isinstance(value, str) else value],
    validators=[
        DataRequired(message="Enter their email address"),
        Email(message="Enter an email address in the correct format, like name@example.org"),
        email_length(),
    ],
)


class UserForm(EditForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[Length(max=200, message="Name must be 200 characters or fewer")],
    )
    role = RadioField(
        "What may they do?",
        widget=GovRadioInput(),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[InputRequired(message="Select what they may do")],
    )
    active = BooleanField("They can sign in", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class NewUserForm(UserForm):
    email = _EMAIL
    password = _password(
        "First password",
        "At least 12 characters. Give it to them in person or by phone, not by email; they can change it "
        "once they have signed in.",
    )
    submit = SubmitField("Add user", widget=GovSubmitInput())


class SetPasswordForm(BaseForm):
    password = _password("New password", NEW_PASSWORD_HINT)
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ConfirmPasswordForm(BaseForm):
    """A person's own password again, before they sign out their other browsers (OWASP ASVS 3.3.4): someone
    at a computer left signed in must not be able to shut its owner out of the others."""

    password = _password(
        "Your password", "To check it is you, enter the password you sign in with.", "Enter your password"
    )


class ChangePasswordForm(BaseForm):
    current = _password("Current password")
    password = _password("New password", NEW_PASSWORD_HINT)
    confirm = PasswordField(
        "New password again",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter the new password again"),
            EqualTo("password", message="The new passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Regexp

from .base import BaseForm, email_length


class LoginForm(BaseForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter your email address"),
            Email(message="Enter an email address in the correct format, like name@example.org"),
            email_length(),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter your password"),
            Length(max=200, message="Password must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class CodeForm(BaseForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="The 6 digits it shows now",
        validators=[
            DataRequired(message="Enter the 6-digit code from your authenticator app"),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Enter the 6 digits your authenticator app shows"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

"""The base of every form: text arrives without control characters (see services/text.py); and the error
summary every form's page shows."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import HiddenField
from wtforms.validators import Length

from ..models import MOST_EMAIL
from ..services.sent_forms import new_key
from ..services.text import strip_control_characters


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", ())) + [strip_control_characters]
            return unbound_field.bind(form=form, filters=filters, **options)


class EditForm(BaseForm):
    """A form that changes something that is already saved, which somebody else may change while its page
    is open: ``seen`` carries what the page was shown (views/editing.py). The same form making something
    new carries ``once`` instead, a key issued with the page, so that sending it twice makes one thing
    (views/once.py)."""

    seen = HiddenField()
    once = HiddenField(default=new_key)


def email_length() -> Length:
    """An email address field's limit, as its column's."""
    return Length(max=MOST_EMAIL, message=f"Email address must be {MOST_EMAIL} characters or fewer")


def error_summary(form: FlaskForm) -> dict:
    """govuk-frontend-wtf's error summary, except that a date's link goes to its day box, as GOV.UK's
    date input asks: the field's id is on the boxes' container, which a link cannot give focus to; and an
    edit refused because someone else changed the thing goes to what they changed."""
    params = wtforms_errors(form)
    dates = [field for field in form if isinstance(field.widget, GovDateInput)]
    links = {f"#{field.id}": f"#{field.name}-day" for field in dates}
    links["#seen"] = "#changed-by-others"  # the list of what changed (macros.html, changed_since_opened)
    for error in params["errorList"]:
        error["href"] = links.get(error["href"], error["href"])
    return params

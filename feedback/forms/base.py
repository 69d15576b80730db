"""The base of every form: text arrives without control characters (see services/text.py); and the error
summary every form's page shows."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput

from ..services.text import strip_control_characters


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", ())) + [strip_control_characters]
            return unbound_field.bind(form=form, filters=filters, **options)


def error_summary(form: FlaskForm) -> dict:
    """govuk-frontend-wtf's error summary, except that a date's link goes to its day box, as GOV.UK's
    date input asks: the field's id is on the boxes' container, which a link cannot give focus to."""
    params = wtforms_errors(form)
    dates = [field for field in form if isinstance(field.widget, GovDateInput)]
    day_boxes = {f"#{field.id}": f"#{field.name}-day" for field in dates}
    for error in params["errorList"]:
        error["href"] = day_boxes.get(error["href"], error["href"])
    return params

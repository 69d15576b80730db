"""The base of every form: text arrives without control characters (see services/text.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from ..services.text import strip_control_characters


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", ())) + [strip_control_characters]
            return unbound_field.bind(form=form, filters=filters, **options)

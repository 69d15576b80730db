"""Fields whose parse errors read as a person would write them, not "Not a valid float value"."""

from __future__ import annotations

import math
from datetime import date

from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import DateField, FloatField, IntegerField


class _Friendly:
    def __init__(self, *args, invalid_message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]  # the field class mixed in after
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


class NumberField(_Friendly, FloatField):
    def _value(self) -> str:
        """A stored 153.0 shown as 153, as it was typed, when a form starts from the current values."""
        if self.raw_data or self.data is None or not float(self.data).is_integer():
            return super()._value()
        return str(int(self.data))

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not math.isfinite(self.data):
            self.data = None
            raise ValueError(self.invalid_message)


class WholeNumberField(_Friendly, IntegerField):
    pass


class DayMonthYearField(DateField):
    """A GOV.UK date input: three boxes sharing one name, day, month and year.

    Parsed here rather than with ``Optional``/``InputRequired``, which look only at the day box and would
    take "  3 2024" for an empty date.
    """

    def __init__(self, *args, invalid_message: str, required_message: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message
        self.required_message = required_message

    def process_formdata(self, valuelist):
        parts = [str(value).strip() for value in (list(valuelist) + ["", "", ""])[:3]]
        self.raw_data = parts
        self.data = None
        if not any(parts):
            if self.required_message:
                raise ValueError(self.required_message)
            return
        try:
            day, month, year = (int(part) for part in parts)
            if not 1900 <= year <= 2100:
                raise ValueError
            self.data = date(year, month, day)
        except (ValueError, OverflowError):  # OverflowError: a day or month past what C's int holds
            raise ValueError(self.invalid_message) from None


class ReportDateField(DayMonthYearField):
    """A GOV.UK date input that also takes the date as one value written 2026-03-31, as links give it
    (``?date=2026-03-31``): a link to a report stays short and reads as the date it is."""

    def process_formdata(self, valuelist):
        if len(valuelist) == 1:
            try:
                self.data = date.fromisoformat(str(valuelist[0]).strip())
            except ValueError:
                pass
            else:
                self.raw_data = [str(self.data.day), str(self.data.month), str(self.data.year)]
                return
        super().process_formdata(valuelist)


def import_file_field(label: str, description: str, required_message: str) -> FileField:
    """A file to import: CSV or Excel .xlsx, the two kinds the importers read (services/plan_import.py)."""
    return FileField(
        label,
        widget=GovFileInput(),
        description=description,
        validators=[
            FileRequired(message=required_message),
            FileAllowed(["csv", "xlsx"], message="The file must be a CSV or an Excel .xlsx file"),
        ],
    )

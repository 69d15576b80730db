"""Forms coordinators use to keep the plan."""

from __future__ import annotations

import datetime
from datetime import date
from enum import Enum
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .. import clock
from ..models import MOST_NARRATIVE, MOST_READING_N, CaseKind, Direction, ImpactStatus, ProgressStatus, Unit
from .base import BaseForm, EditForm
from .fields import DayMonthYearField, NumberField, ReportDateField, WholeNumberField, import_file_field


def enum_value(value) -> str:
    """Coerce a model's enum (or None) to the string a radio or select compares its choices with."""
    if value is None:
        return ""
    return value.value if isinstance(value, Enum) else str(value)


def _choices(enum_class) -> list[SelectChoice]:
    return [
        SelectChoice(member.value, getattr(member, "label", member.value.capitalize()))
        for member in enum_class
    ]


class AreaForm(EditForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the area's title"),
            Length(max=300, message="Title must be 300 characters or fewer"),
        ],
    )
    senior_responsible_officer = StringField(
        "Senior responsible officer",
        widget=GovTextInput(),
        validators=[Length(max=200, message="Name must be 200 characters or fewer")],
    )
    outcomes = TextAreaField(
        "Outcomes we will strive for",
        widget=GovTextArea(),
        validators=[Length(max=5000, message="Outcomes must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Save area", widget=GovSubmitInput())


class ActionForm(EditForm):
    description = TextAreaField(
        "Description",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter what the action is"),
            Length(max=5000, message="Description must be 5,000 characters or fewer"),
        ],
    )
    lead = StringField(
        "Lead",
        widget=GovTextInput(),
        validators=[Length(max=200, message="Lead must be 200 characters or fewer")],
    )
    completion_date = DayMonthYearField(
        "Completion date",
        widget=GovDateInput(),
        invalid_message="Completion date must be a real date, like 31 3 2024",
        description="For example, 31 3 2024",
    )
    progress_status = RadioField(
        "Progress status",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=_choices(ProgressStatus),
        validators=[InputRequired(message="Select the progress status")],
    )
    progress_narrative = TextAreaField(
        "Progress narrative",
        widget=GovTextArea(),
        description="What has happened since the last report, and any risks",
        validators=[
            Length(max=MOST_NARRATIVE, message=f"Narrative must be {MOST_NARRATIVE:,} characters or fewer")
        ],
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())


class MeasureForm(EditForm):
    text = TextAreaField(
        "Measure",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter what the measure is"),
            Length(max=2000, message="Measure must be 2,000 characters or fewer"),
        ],
    )
    unit = SelectField(
        "Unit",
        widget=GovSelect(),
        choices=_choices(Unit),
        coerce=enum_value,
        validators=[InputRequired(message="Select a unit")],
    )
    direction = RadioField(
        "Better is",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[SelectChoice(direction.value, direction.label) for direction in Direction],
        validators=[InputRequired(message="Select whether higher or lower is better")],
    )
    baseline_value = NumberField(
        "Baseline value",
        widget=GovTextInput(),
        invalid_message="Baseline value must be a number, like 35 or 12.5",
        validators=[Optional()],
    )
    baseline_date = DayMonthYearField(
        "Baseline date",
        widget=GovDateInput(),
        invalid_message="Baseline date must be a real date, like 31 3 2024",
        description="For example, 31 12 2021",
    )
    target_value = NumberField(
        "Target value",
        widget=GovTextInput(),
        invalid_message="Target value must be a number, like 35 or 12.5",
        validators=[Optional()],
    )
    target_date = DayMonthYearField(
        "Target date",
        widget=GovDateInput(),
        invalid_message="Target date must be a real date, like 31 3 2024",
        description="For example, 31 3 2024",
    )
    readings_from = RadioField(
        "Readings come from",
        widget=GovRadioInput(),
        coerce=str,
        choices=[
            SelectChoice("manual", "Entered by staff"),
            SelectChoice("survey", "Survey questions tagged to it (% agree each month)"),
            *[
                SelectChoice(
                    f"cases:{kind.value}", f"{kind.plural} received in the last 12 months, each month"
                )
                for kind in CaseKind
            ],
        ],
        validators=[Optional()],
    )
    published = BooleanField(
        "Publish this measure and its readings as open data",
        widget=GovCheckboxInput(),
        description="At /api/v1/measures. Readings over fewer than 10 answers are never shown.",
    )
    reported_status = RadioField(
        "Impact status reported by the lead",
        widget=GovRadioInput(),
        coerce=enum_value,
        choices=[SelectChoice("", "Not reported"), *_choices(ImpactStatus)],
        validators=[Optional()],
    )
    reported_status_reason = TextAreaField(
        "Reason for the reported status",
        widget=GovTextArea(),
        description="Needed when it differs from the status suggested from the readings",
        validators=[Length(max=5000, message="Reason must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Save measure", widget=GovSubmitInput())

    def __init__(self, *args, suggested_status: ImpactStatus | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggested_status = suggested_status

    def validate_target_date(self, field):
        if field.data and self.baseline_date.data and field.data < self.baseline_date.data:
            raise ValidationError("Target date must be the same as or after the baseline date")

    def validate_reported_status_reason(self, field):
        reported = self.reported_status.data or None
        if (
            reported
            and self.suggested_status
            and reported != self.suggested_status.value
            and not (field.data or "").strip()
        ):
            raise ValidationError("Give a reason, because the reported status differs from the suggested one")

    def validate_baseline_value(self, field):
        _check_percent(self, field)

    def validate_target_value(self, field):
        _check_percent(self, field)


def _check_percent(form, field) -> None:
    if field.data is not None and form.unit.data == Unit.PERCENT.value and not Unit.PERCENT.holds(field.data):
        raise ValidationError(f"{field.label.text} must be between 0 and 100 for a percentage")


class ReadingForm(EditForm):
    period_end = DayMonthYearField(
        "End of the period",
        widget=GovDateInput(),
        invalid_message="End of the period must be a real date, like 30 9 2022",
        required_message="Enter the date the period ended",
        description="For example, 30 9 2022",
    )
    value = NumberField(
        "Value",
        widget=GovTextInput(),
        invalid_message="Value must be a number, like 35 or 12.5",
        validators=[InputRequired(message="Enter the value as a number, like 35 or 12.5")],
    )
    n = WholeNumberField(
        "Number of answers or cases behind it (n)",
        widget=GovTextInput(),
        invalid_message="n must be a whole number, like 86",
        validators=[
            Optional(),
            NumberRange(min=0, message="n must be 0 or more"),
            NumberRange(max=MOST_READING_N, message=f"n must be {MOST_READING_N:,} or fewer"),
        ],
    )
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        validators=[Length(max=2000, message="Note must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Add reading", widget=GovSubmitInput())

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_value = unit

    def values(self) -> dict[str, Any]:
        """What a valid form says, as services.plans.add_reading and change_reading take it."""
        assert self.period_end.data is not None and self.value.data is not None  # the form requires them
        return {
            "period_end": self.period_end.data,
            "value": self.value.data,
            "n": self.n.data,
            "note": self.note.data or "",
        }

    def validate_value(self, field):
        if field.data is not None and not self.unit_value.holds(field.data):
            raise ValidationError("Value must be between 0 and 100 for a percentage")
        if field.data is not None and field.data < 0:
            raise ValidationError("Value must be 0 or more")


class ReportDateForm(BaseForm):
    """The date a progress report stands at, from the report page's own form or a link: read from the
    address, with no token, as it changes nothing."""

    class Meta:
        csrf = False

    date = ReportDateField(
        "Report date",
        widget=GovDateInput(),
        invalid_message="Report date must be a real date, like 31 3 2026",
        description="For example, 31 3 2026",
    )

    def validate_date(self, field):
        if field.data is None:
            return
        if field.data > clock.today():
            raise ValidationError("Report date must be today or in the past")
        if field.data < date(2000, 1, 1):
            raise ValidationError("Report date must be in 2000 or later")

    def chosen(self) -> datetime.date:  # (``date`` here is the field)
        """The date asked for; today when none was."""
        return self.date.data or clock.today()


class PlanImportForm(BaseForm):
    file = import_file_field(
        "The plan's file", "A CSV or Excel (.xlsx) file in the template's columns", "Select the plan's file"
    )
    submit = SubmitField("Import the plan", widget=GovSubmitInput())

"""The improvement plan: plan, areas, I statements, actions, measures, milestones and readings."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .kinds import CaseKind
from .types import UTCDateTime, ValueInWords, checked_enum, utcnow


class PlanKind(enum.Enum):
    WRITTEN_STATEMENT_OF_ACTION = "wsoa"
    ACCELERATED_PROGRESS_PLAN = "app"
    DELIVERY_PLAN = "delivery"

    @property
    def label(self) -> str:
        return {
            "wsoa": "Written Statement of Action",
            "app": "Accelerated Progress Plan",
            "delivery": "Delivery plan",
        }[self.value]


class Rating(enum.Enum):
    """A BRAG colour with what it means: a tag says both ("Green: On track")."""

    @property
    def label(self) -> str:
        raise NotImplementedError

    @property
    def said(self) -> str:
        """As its tag says it: the colour, then what it means."""
        return f"{self.value.capitalize()}: {self.label}"

    @property
    def colour(self) -> str:
        """The colour it is counted and shown as."""
        return self.value


class ProgressStatus(Rating):
    """BRAG progress of an action. Pink ("to be started") is Leicestershire's fifth colour: it is kept
    as given on import and shown as Grey with its own label."""

    BLUE = "blue"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"
    PINK = "pink"

    @property
    def label(self) -> str:
        return {
            "blue": "Complete and embedded",
            "green": "On track",
            "amber": "Some concerns",
            "red": "Major concerns",
            "grey": "Not due yet",
            "pink": "To be started",
        }[self.value]

    @property
    def colour(self) -> str:
        return "grey" if self is ProgressStatus.PINK else self.value


class ImpactStatus(Rating):
    BLUE = "blue"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"

    @property
    def label(self) -> str:
        return {
            "blue": "Target met",
            "green": "On trajectory",
            "amber": "Behind, within tolerance",
            "red": "Off track",
            "grey": "No reading due yet",
        }[self.value]


class Unit(ValueInWords):
    PERCENT = "percent"
    COUNT = "count"
    WEEKS = "weeks"
    DAYS = "days"
    SCORE = "score"

    @property
    def suffix(self) -> str:
        return {"percent": "%", "count": "", "weeks": " weeks", "days": " days", "score": ""}[self.value]

    def holds(self, value: float) -> bool:
        """Whether ``value`` can be a figure in this unit: a percentage is 0 to 100, the others anything."""
        return self is not Unit.PERCENT or 0 <= value <= 100


class Direction(enum.Enum):
    INCREASE = "increase"
    DECREASE = "decrease"

    @property
    def label(self) -> str:
        """Which way is better, as the measure's page says it."""
        return "Higher" if self is Direction.INCREASE else "Lower"


class DataSource(enum.Enum):
    """Where a measure's readings come from."""

    SURVEY = "survey"
    MANUAL = "manual"
    CASES = "cases"

    @property
    def label(self) -> str:
        return {"survey": "Survey answers", "manual": "Entered by staff", "cases": "Cases"}[self.value]

    @property
    def unit(self) -> Unit | None:
        """The unit the readings from here are in: the analyser writes a percentage agreeing, or a number
        of cases. None for readings staff enter, which may be in any unit."""
        return {"survey": Unit.PERCENT, "cases": Unit.COUNT}.get(self.value)

    def fits(self, unit: Unit) -> bool:
        """Whether a measure in ``unit`` can take its readings from here."""
        return self.unit is None or unit is self.unit


class ReadingSource(ValueInWords):
    ANALYSIS = "analysis"
    MANUAL = "manual"
    IMPORT = "import"
    CASES = "cases"


# The longest reference of an area, action or measure ("2.1.1"), which plans number by hand.
MOST_REFERENCE = 20


class Plan(Model):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[PlanKind] = mapped_column(checked_enum(PlanKind, "plan_kind"))
    local_area: Mapped[str] = mapped_column(sa.String(120), default="")
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    areas: Mapped[list[Area]] = relationship(
        back_populates="plan", order_by="Area.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "period_end IS NULL OR period_start IS NULL OR period_end >= period_start", name="period_order"
        ),
    )

    def __repr__(self) -> str:
        return f"<Plan {self.title!r}>"


class Area(Model):
    """A priority, area of weakness or workstream."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(MOST_REFERENCE))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    senior_responsible_officer: Mapped[str] = mapped_column(sa.String(200), default="")
    outcomes: Mapped[str] = mapped_column(sa.Text, default="")

    plan: Mapped[Plan] = relationship(back_populates="areas")
    i_statements: Mapped[list[IStatement]] = relationship(
        back_populates="area", order_by="IStatement.id", cascade="all, delete-orphan"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="area", order_by="Action.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("plan_id", "reference"),)

    def __repr__(self) -> str:
        return f"<Area {self.reference}>"


class IStatement(Model):
    """What a family or young person should be able to say when the area is fixed."""

    __tablename__ = "i_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.String(500))

    area: Mapped[Area] = relationship(back_populates="i_statements")

    __table_args__ = (sa.UniqueConstraint("area_id", "text"),)


class Action(Model):
    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("area.id", ondelete="CASCADE"), index=True)
    i_statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("i_statement.id", ondelete="SET NULL"), index=True
    )
    reference: Mapped[str] = mapped_column(sa.String(MOST_REFERENCE))
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.Text)
    lead: Mapped[str] = mapped_column(sa.String(200), default="")
    completion_date: Mapped[date | None]
    progress_status: Mapped[ProgressStatus] = mapped_column(
        checked_enum(ProgressStatus, "progress_status"), default=ProgressStatus.GREY
    )
    progress_narrative: Mapped[str] = mapped_column(sa.Text, default="")

    area: Mapped[Area] = relationship(back_populates="actions")
    i_statement: Mapped[IStatement | None] = relationship()
    measures: Mapped[list[Measure]] = relationship(
        back_populates="action", order_by="Measure.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("area_id", "reference"),)

    def __repr__(self) -> str:
        return f"<Action {self.reference}>"


class Measure(Model):
    """An impact measure (KPI, success measure) with its baseline, target and readings."""

    __tablename__ = "measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(MOST_REFERENCE))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.Text)
    unit: Mapped[Unit] = mapped_column(checked_enum(Unit, "unit"), default=Unit.PERCENT)
    direction: Mapped[Direction] = mapped_column(checked_enum(Direction, "direction"))
    baseline_value: Mapped[float | None]
    baseline_date: Mapped[date | None]
    target_value: Mapped[float | None]
    target_date: Mapped[date | None]
    data_source: Mapped[DataSource] = mapped_column(
        checked_enum(DataSource, "data_source"), default=DataSource.MANUAL
    )
    # For a measure counted from cases: which kind. Its readings are cases received in the 12 months to
    # each month's end, comparable with a yearly baseline at any time of year.
    case_kind: Mapped[CaseKind | None] = mapped_column(checked_enum(CaseKind, "measure_case_kind"))
    # What the analyser computes from the trajectory, beside what the lead reports.
    suggested_status: Mapped[ImpactStatus | None] = mapped_column(
        checked_enum(ImpactStatus, "suggested_status")
    )
    reported_status: Mapped[ImpactStatus | None] = mapped_column(
        checked_enum(ImpactStatus, "reported_status")
    )
    reported_status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    published: Mapped[bool] = mapped_column(default=False)

    action: Mapped[Action] = relationship(back_populates="measures")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="measure", order_by="Milestone.due_date", cascade="all, delete-orphan"
    )
    readings: Mapped[list[Reading]] = relationship(
        back_populates="measure", order_by="Reading.period_end", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("action_id", "reference"),
        sa.CheckConstraint(
            "target_date IS NULL OR baseline_date IS NULL OR target_date >= baseline_date",
            name="target_after_baseline",
        ),
    )

    @property
    def latest_reading(self) -> Reading | None:
        return self.readings[-1] if self.readings else None

    @property
    def status_differs(self) -> bool:
        return (
            self.suggested_status is not None
            and self.reported_status is not None
            and self.suggested_status is not self.reported_status
        )

    def __repr__(self) -> str:
        return f"<Measure {self.action.reference if self.action else '?'}/{self.reference}>"


class Milestone(Model):
    """An interim point on a measure's trajectory from baseline to target."""

    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("measure.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date]
    value: Mapped[float]

    measure: Mapped[Measure] = relationship(back_populates="milestones")

    __table_args__ = (sa.UniqueConstraint("measure_id", "due_date"),)


# The most a reading's n may be: the largest number an INTEGER column holds on PostgreSQL.
MOST_READING_N = 2**31 - 1
# The longest progress narrative an action's page or a plan's file may give: pages of text, not a book.
MOST_NARRATIVE = 20_000


class Reading(Model):
    """A measure's value for a period."""

    __tablename__ = "reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("measure.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date | None]
    period_end: Mapped[date]
    value: Mapped[float]
    n: Mapped[int | None]
    source: Mapped[ReadingSource] = mapped_column(checked_enum(ReadingSource, "reading_source"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="readings")

    __table_args__ = (
        sa.UniqueConstraint("measure_id", "period_end", "source"),
        sa.CheckConstraint("n IS NULL OR n >= 0", name="n_not_negative"),
        sa.CheckConstraint("period_start IS NULL OR period_end >= period_start", name="period_order"),
    )

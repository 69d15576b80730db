""" "You said, we did" entries, their quotes and their published history."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from .plan import Action, Measure
from .survey import Audience
from .theme import Theme
from .types import UTCDateTime, ValueInWords, checked_enum, utcnow


class EntryKind(enum.Enum):
    WE_DID = "we_did"
    WE_LISTENED = "we_listened"

    @property
    def label(self) -> str:
        return {"we_did": "You said, we did", "we_listened": "You said, we listened"}[self.value]


class EntryStatus(ValueInWords):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


entry_action = sa.Table(
    "entry_action",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("you_said_we_did.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("action_id", sa.ForeignKey("action.id", ondelete="CASCADE"), primary_key=True, index=True),
)

entry_measure = sa.Table(
    "entry_measure",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("you_said_we_did.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("measure_id", sa.ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class YouSaidWeDid(Model):
    __tablename__ = "you_said_we_did"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[EntryKind] = mapped_column(checked_enum(EntryKind, "entry_kind"), default=EntryKind.WE_DID)
    status: Mapped[EntryStatus] = mapped_column(
        checked_enum(EntryStatus, "entry_status"), default=EntryStatus.DRAFT
    )
    audience: Mapped[Audience] = mapped_column(checked_enum(Audience, "entry_audience"))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    you_said: Mapped[str] = mapped_column(sa.Text)
    we_did: Mapped[str] = mapped_column(sa.Text, default="")
    # The evidence: how many said it and what share agreed, frozen when the entry was drafted.
    evidence_n: Mapped[int | None]
    evidence_percent: Mapped[float | None]
    # Where the figure started, for "up from 6%": the measure's baseline when the entry was drafted.
    evidence_from_percent: Mapped[float | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(sa.Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    theme: Mapped[Theme | None] = relationship()
    actions: Mapped[list[Action]] = relationship(secondary=entry_action)
    measures: Mapped[list[Measure]] = relationship(secondary=entry_measure)
    quotes: Mapped[list[EntryQuote]] = relationship(back_populates="entry", cascade="all, delete-orphan")
    revisions: Mapped[list[EntryRevision]] = relationship(
        back_populates="entry", order_by="EntryRevision.version", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("evidence_n IS NULL OR evidence_n >= 0", name="evidence_n_not_negative"),
        sa.CheckConstraint(
            "evidence_percent IS NULL OR evidence_percent BETWEEN 0 AND 100", name="evidence_percent_range"
        ),
        sa.CheckConstraint(
            "evidence_from_percent IS NULL OR evidence_from_percent BETWEEN 0 AND 100",
            name="evidence_from_percent_range",
        ),
        sa.CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name="published_has_date"),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> created_by_id", name="approver_is_second_person"
        ),
    )

    @property
    def latest(self) -> EntryRevision | None:
        """The text the public sees: the newest approved revision, whatever is being edited now."""
        return self.revisions[-1] if self.revisions else None


class EntryQuote(Model):
    """A family's words, kept as given and as redacted; only the redacted, approved text is ever shown."""

    __tablename__ = "entry_quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("you_said_we_did.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("answer.id", ondelete="SET NULL"))
    original_text: Mapped[str] = mapped_column(sa.Text)
    redacted_text: Mapped[str] = mapped_column(sa.Text)
    approved: Mapped[bool] = mapped_column(default=False)

    entry: Mapped[YouSaidWeDid] = relationship(back_populates="quotes")


class EntryRevision(Model):
    """What an entry said each time it was published."""

    __tablename__ = "entry_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("you_said_we_did.id", ondelete="CASCADE"))
    version: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[YouSaidWeDid] = relationship(back_populates="revisions")

    __table_args__ = (sa.UniqueConstraint("entry_id", "version"),)

"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

# The longest email address there can be (RFC 5321's 256-character path, less its angle brackets): a staff
# account's, a family's given for a reply, and the actor of an audit event.
MOST_EMAIL = 254


class ValueInWords(enum.Enum):
    """An enum whose members a page says as their stored values read in words: "in_review" as "In review".
    Its members' ``label`` is what pages, forms and histories show (services/audit.py)."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def checked_enum(enum_class: type[enum.Enum], name: str) -> sa.Enum:
    """A string column holding an enum's values, with a CHECK constraint on every database.

    Values rather than member names are stored so that the database, CSV files and URLs all say "amber".
    """
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
    )


class UTCDateTime(TypeDecorator):
    """Timestamps stored as naive UTC and always handed back timezone-aware.

    SQLite drops the offset of an aware datetime; storing UTC everywhere keeps both databases alike.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(timezone.utc)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)

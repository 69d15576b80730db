"""An audit event for every change to the plan, surveys, cases, publications and users, whoever makes it.

The trail is written by a session hook rather than by each service, so that a change made through a form,
the command line or an import is recorded alike and no new code path can forget it. Rows are inserted on
the flush's own connection, so they commit or roll back with the change they describe.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..database import DbSession
from ..models import (
    Action,
    Area,
    Case,
    CaseContact,
    CaseStage,
    IStatement,
    Measure,
    Milestone,
    Plan,
    Question,
    QuestionWording,
    Reading,
    Survey,
    SurveyVariant,
    Theme,
    User,
    YouSaidWeDid,
)
from ..models.audit import AuditEvent
from ..models.types import utcnow

AUDITED = (
    Plan,
    Area,
    IStatement,
    Action,
    Measure,
    Milestone,
    Reading,
    Survey,
    SurveyVariant,
    Question,
    QuestionWording,
    Theme,
    Case,
    CaseContact,
    CaseStage,
    YouSaidWeDid,
    User,
)
# Never copied into the trail: a hash is a secret, and contact details would outlive their erasure.
REDACTED_BY_TYPE = {
    User: {"password_hash", "totp_secret"},
    CaseContact: {"name", "email", "phone", "child_name"},
}

# Bookkeeping, not a change anyone made: a survey's revision mark moves with every edit to its questions,
# its closing time with its status (the line that says it closed is dated), and an account's last used
# code step with every sign-in that needs a code.
LEFT_OUT_BY_TYPE = {Survey: {"revision", "closed_at"}, User: {"totp_used_step"}}
# Collections the trail keeps as sorted lists of ids, beside the columns: the measures a question counts
# towards, which decide what a measure's figures are made of (its areas follow from them).
COLLECTIONS_BY_TYPE: dict[type, tuple[str, ...]] = {Question: ("measures",)}

_PENDING = "feedback_audit_pending"
SYSTEM_ACTOR = "system"


def set_actor(session: DbSession, user: User | None, label: str | None = None) -> None:
    """Name who is making the changes in this session (a request's user, or a command)."""
    session.info["audit_actor"] = (user.id if user else None, label or (user.email if user else SYSTEM_ACTOR))


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def _shown(obj: Any, key: str, value: Any) -> Any:
    """A column's value as the trail keeps it."""
    if value is None:  # that there is no secret is no secret, and says a second step was turned off
        return None
    return "[redacted]" if key in REDACTED_BY_TYPE.get(type(obj), ()) else _plain(value)


def _ids(objects: Any) -> list[int]:
    return sorted(obj.id for obj in objects)


def _column_values(obj: Any) -> dict[str, Any]:
    left_out = LEFT_OUT_BY_TYPE.get(type(obj), ())
    values = {
        attr.key: _shown(obj, attr.key, getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in left_out
    }
    for key in COLLECTIONS_BY_TYPE.get(type(obj), ()):
        values[key] = _ids(getattr(obj, key))
    return values


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    left_out = LEFT_OUT_BY_TYPE.get(type(obj), ())
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if attr.key in left_out or not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[attr.key] = _shown(obj, attr.key, old)
        after[attr.key] = _shown(obj, attr.key, new)
    for key in COLLECTIONS_BY_TYPE.get(type(obj), ()):
        history = state.attrs[key].history
        old_ids, new_ids = (
            _ids([*history.unchanged, *history.deleted]),
            _ids([*history.unchanged, *history.added]),
        )
        if old_ids != new_ids:
            before[key], after[key] = old_ids, new_ids
    return before, after


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, AUDITED):
            pending.append(("insert", obj, None))
    for obj in session.dirty:
        collections = type(obj) in COLLECTIONS_BY_TYPE
        if isinstance(obj, AUDITED) and session.is_modified(obj, include_collections=collections):
            before, after = _changes(obj)
            if after:
                pending.append(("update", obj, (before, after)))
    for obj in [*session.deleted, *_orphans(session)]:
        if isinstance(obj, AUDITED):
            pending.append(("delete", obj, (_column_values(obj), None)))


def _orphans(session: Session) -> list[Any]:
    """Rows this flush will delete because they were taken out of a delete-orphan relationship (a
    milestone an import drops, a case's contact details set to None): the flush finds them itself, so they
    are not in ``session.deleted`` yet. A row moved to another parent is not one of them."""
    found: dict[int, Any] = {}
    for parent in session.dirty:
        state = inspect(parent)
        for relationship in state.mapper.relationships:
            if not relationship.cascade.delete_orphan:
                continue
            for child in state.attrs[relationship.key].history.deleted:
                if child is None or not inspect(child).persistent or child in session.deleted:
                    continue
                back = relationship.back_populates
                if back and getattr(child, back) is not None:
                    continue  # it has a parent again
                found[id(child)] = child
    return list(found.values())


@event.listens_for(Session, "after_flush")
def _write(session: Session, flush_context: Any) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    actor_id, actor = session.info.get("audit_actor") or _request_actor()
    now = utcnow()
    rows = []
    for operation, obj, change in pending:
        if operation == "insert":
            before, after = None, _column_values(obj)
        else:
            before, after = change
        rows.append(
            {
                "at": now,
                "actor_id": actor_id,
                "actor": actor,
                "operation": operation,
                "entity_type": type(obj).__name__,
                "entity_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
                "before": before,
                "after": after,
            }
        )
    session.connection().execute(sa.insert(AuditEvent.__table__), rows)


def _request_actor() -> tuple[int | None, str]:
    """The signed-in user of the current request, looked up only when there is something to record."""
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, SYSTEM_ACTOR


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def history_of(session: DbSession, entity: Any, limit: int = 50) -> list[AuditEvent]:
    """The entity's newest events, from its own insert on: SQLite gives the id of a deleted row that had
    the highest id to the next row, and that row's history is not the new one's."""
    name = type(entity).__name__
    born = (
        sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0))
        .where(
            AuditEvent.entity_type == name,
            AuditEvent.entity_id == entity.id,
            AuditEvent.operation == "insert",
        )
        .scalar_subquery()
    )
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == name, AuditEvent.entity_id == entity.id, AuditEvent.id >= born)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def trail(
    session: DbSession, entity_type: str, ids: list[int], after: datetime | None = None
) -> list[AuditEvent]:
    """The audit trail of the entities ``ids``, newest first: all of it, or what happened after ``after``."""
    if not ids:
        return []
    query = sa.select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(ids))
    if after is not None:
        query = query.where(AuditEvent.at > after)
    return list(session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())))


def newest_event_id(session: DbSession) -> int:
    """The id of the newest event in the trail, 0 if there is none: what a page shows, it shows as of
    this event."""
    return session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


def changed_since(session: DbSession, entity: Any, event_id: int, fields: Iterable[str]) -> list[AuditEvent]:
    """The events of ``entity`` after ``event_id`` that changed any of ``fields`` (or deleted it), oldest
    first."""
    fields = set(fields)
    events = session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.entity_type == type(entity).__name__,
            AuditEvent.entity_id == entity.id,
            AuditEvent.id > event_id,
        )
        .order_by(AuditEvent.id)
    )
    return [e for e in events if e.operation != "update" or fields & set(e.after or {})]


def redact_copies(
    session: DbSession, model: type, ids: Iterable[int], fields: Iterable[str], redact: Callable[[str], str]
) -> None:
    """Forgetting reaches the trail: in every event of the ``model`` rows ``ids``, the values it kept of
    ``fields``, before and after, are replaced by their redactions. Otherwise a case's summary, redacted
    at the end of the retention period or on a request to erase, would live on with the family's names in
    the trail of its edits.
    Flush first, so that the event of the redaction being made is among them."""
    fields = tuple(fields)

    def redacted(values: dict[str, Any] | None) -> dict[str, Any] | None:
        if not values or not any(values.get(field) for field in fields):
            return values
        return {**values, **{field: redact(values[field]) for field in fields if values.get(field)}}

    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == model.__name__, AuditEvent.entity_id.in_(ids))
    )
    for happened in events:
        happened.before, happened.after = redacted(happened.before), redacted(happened.after)


def lives(events: Iterable[AuditEvent]) -> list[list[AuditEvent]]:
    """Events of one entity type, oldest first, split into the lives of the rows they describe: each insert
    begins one, so that a row given a deleted row's id (SQLite) does not inherit its events. A row's
    events from before the trail recorded its insert make a life of their own."""
    current: dict[int, list[AuditEvent]] = {}
    found: list[list[AuditEvent]] = []
    for happened in events:
        life = current.get(happened.entity_id)
        if life is None or happened.operation == "insert" or life[-1].operation == "delete":
            life = current[happened.entity_id] = []
            found.append(life)
        life.append(happened)
    return found


@dataclass(frozen=True)
class HistoryLine:
    """An audit event as a page shows it; newest first is (at, event_id) descending."""

    at: datetime
    actor: str
    text: str
    event_id: int


def describe(
    event: AuditEvent, subject: str = "", names: Mapping[str, Mapping[Any, str]] | None = None
) -> HistoryLine:
    """What an event did, in words: what was added or deleted, or each field changed from what to what.
    ``subject`` says what was changed, on a page that shows the history of more than one thing; ``names``
    turns the values a field holds into what people call them (measure ids into references), beside what
    the field's type says of them (``said_by_type``)."""
    if event.operation == "update":
        changes = changes_in_words(event.before or {}, event.after or {}, names, event.entity_type)
        text = f"{subject}: {changes}" if subject else changes
    else:
        text = ("added" if event.operation == "insert" else "deleted") + (f" {subject}" if subject else "")
    return HistoryLine(event.at, event.actor, text, event.id)


def changes_in_words(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    names: Mapping[str, Mapping[Any, str]] | None = None,
    entity_type: str = "",
) -> str:
    """Each field of ``after`` in words, from its value in ``before`` to its new one, after "changed";
    ``names`` as for ``describe``, and the values of a field of ``entity_type`` as its type says them."""
    names = names or {}
    said = said_by_type(entity_type)

    def shown(key: str, value: Any) -> str:
        known = names.get(key, {})
        if isinstance(value, list):
            value = ", ".join(str(known.get(item, item)) for item in value)
        elif value in known:
            value = known[value]
        elif key in said and isinstance(value, str):
            value = said[key](value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)  # 149, as it was typed, not the 149.0 a float column keeps
        return f"“{value}”" if value not in (None, "") else "nothing"

    return "changed " + "; ".join(
        f"{key.replace('_', ' ')} from {shown(key, before.get(key))} to {shown(key, value)}"
        for key, value in after.items()
    )


@functools.cache
def said_by_type(entity_type: str) -> dict[str, Callable[[str], str]]:
    """How the pages say the values the trail keeps of an audited model's columns, by the column's type:
    an enum's as its tag says it ("Green: On track") or its form's label does ("Lower"), and a date as
    people write it ("31 March 2027", not "2027-03-31"). A value the type does not know (a member since
    removed) is said as kept."""
    model = next((model for model in AUDITED if model.__name__ == entity_type), None)
    said: dict[str, Callable[[str], str]] = {}
    for attribute in model.__mapper__.column_attrs if model is not None else ():
        column_type = attribute.columns[0].type
        if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
            said[attribute.key] = _members_said(column_type.enum_class)
        elif isinstance(column_type, sa.Date) and not isinstance(column_type, sa.DateTime):
            said[attribute.key] = _date_said
    return said


def _members_said(enum_class: type[enum.Enum]) -> Callable[[str], str]:
    words = {member.value: _member_said(member) for member in enum_class}
    return lambda value: words.get(value, value)


def _member_said(member: enum.Enum) -> str:
    for name in ("said", "label"):  # the statuses have both: a tag says the colour too
        words = getattr(member, name, None)
        if isinstance(words, str):
            return words
    return str(member.value)


def _date_said(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%-d %B %Y")
    except ValueError:
        return value

"""Replies families asked for. A family who says yes to "Would you like a reply?" leaves contact details,
and the confirmation page promises a reply within REPLY_WORKING_DAYS working days: staff see who is
waiting, what they said and how to reach them, and record that they replied.

The details go when the response is forgotten, at the end of the retention period or on a request to erase
(services/data_protection.py), and the request with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..database import DbSession
from ..models import Answer, QuestionKind, Response, ResponseContact, User
from ..models.types import utcnow
from .working_days import add_working_days

REPLY_WORKING_DAYS = 10


@dataclass(frozen=True)
class ReplyRequest:
    id: int  # the contact details' id
    response_id: int
    survey: str
    sent_at: datetime
    reply_by: date
    name: str
    email: str
    phone: str
    comments: tuple[str, ...]
    replied_at: datetime | None
    replied_by: str


def requests(session: DbSession, replied: bool = False, limit: int = 200) -> list[ReplyRequest]:
    """Those still waiting for a reply, the longest waiting first; or, with ``replied``, those answered,
    the latest first."""
    query = sa.select(ResponseContact).options(
        selectinload(ResponseContact.response).options(
            joinedload(Response.survey), selectinload(Response.answers).joinedload(Answer.question)
        ),
        joinedload(ResponseContact.replied_by),
    )
    if replied:
        query = query.where(ResponseContact.replied_at.is_not(None)).order_by(
            ResponseContact.replied_at.desc(), ResponseContact.id.desc()
        )
    else:
        query = query.where(ResponseContact.replied_at.is_(None)).order_by(ResponseContact.id)
    return [_request(contact) for contact in session.scalars(query.limit(limit))]


def waits_for_reply(session: DbSession, response_id: int | None) -> bool:
    """Whether the family who sent this response asked for a reply that nobody has recorded yet."""
    waiting = sa.select(ResponseContact.id).where(
        ResponseContact.response_id == response_id, ResponseContact.replied_at.is_(None)
    )
    return response_id is not None and session.scalar(waiting) is not None


def waiting_count(session: DbSession) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(ResponseContact).where(ResponseContact.replied_at.is_(None))
    ).scalar_one()


def overdue_count(session: DbSession, today: date) -> int:
    """Those still waiting whose reply was due before ``today``."""
    sent = session.scalars(
        sa.select(Response.submitted_at)
        .join(ResponseContact, ResponseContact.response_id == Response.id)
        .where(ResponseContact.replied_at.is_(None))
    )
    return sum(1 for at in sent if reply_by(at) < today)


def reply_by(sent_at: datetime) -> date:
    """The day a reply is due, as the confirmation page promised it: working days from the UK date it
    was sent."""
    return add_working_days(clock.in_uk(sent_at).date(), REPLY_WORKING_DAYS)


def mark_replied(session: DbSession, contact_id: int, user: User) -> ReplyRequest | None:
    """Record that ``user`` replied; a request already marked keeps who replied first. None if there is no
    such request (its details may have been erased meanwhile)."""
    first = sa.and_(ResponseContact.id == contact_id, ResponseContact.replied_at.is_(None))
    session.execute(
        sa.update(ResponseContact).where(first).values(replied_at=utcnow(), replied_by_id=user.id),
        execution_options={"synchronize_session": False},
    )  # one statement, so that two people pressing at once cannot both be recorded
    contact = session.get(ResponseContact, contact_id, populate_existing=True)
    return _request(contact) if contact is not None else None


def _request(contact: ResponseContact) -> ReplyRequest:
    response = contact.response
    sent = response.submitted_at
    comments = tuple(
        answer.text
        for answer in response.answers
        if answer.text and answer.question.kind is QuestionKind.FREE_TEXT
    )
    return ReplyRequest(
        id=contact.id,
        response_id=response.id,
        survey=response.survey.title,
        sent_at=sent,
        reply_by=reply_by(sent),
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        comments=comments,
        replied_at=contact.replied_at,
        replied_by=contact.replied_by.email if contact.replied_by else "",
    )

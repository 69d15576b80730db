""" "You said, we did": from the analyser's themes to entries that a second person approves before anyone
outside sees them.

An entry is drafted (from a theme's suggestion, a case's learning, or by hand), edited, sent for review
and approved by someone other than its author. Approval freezes what the public sees into a revision;
editing a published entry starts a new draft while the public keeps reading the last approved revision.
Quotes are redacted when they are attached, and the approver sees what was removed; only quotes they
approve are shown. A withdrawn entry keeps its page, with a notice saying when and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..analysis.agreement import SUPPRESS_BELOW
from ..analysis.redact import redact_quote
from ..analysis.themes import latest_period, theme_trends
from ..clock import period_name
from ..database import DbSession
from ..models import (
    Action,
    Answer,
    Area,
    Audience,
    DataSource,
    EntryKind,
    EntryQuote,
    EntryRevision,
    EntryStatus,
    Measure,
    ReadingSource,
    Theme,
    User,
    YouSaidWeDid,
)
from ..models.types import utcnow
from . import themes as theme_service

SLUG = re.compile(r"[^a-z0-9]+")


class EntryError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Suggestions --------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    theme: Theme
    period: str
    comments: int
    share: float
    negative: float
    change: float | None
    significant: bool
    quotes: list


def suggestions(session: DbSession, period: str = "quarter", limit: int = 5, places: list[str] | None = None):
    """The newest period's most talked-about themes, with their figures and redacted quotes."""
    trends = theme_trends(theme_service.theme_counts(session), period)
    latest = latest_period(trends).head(limit)
    found = []
    for row in latest.to_dict("records"):
        theme = session.get(Theme, int(row["theme_id"]))
        if theme is None or theme.candidate or theme.dismissed:
            continue
        change = row["change"]
        found.append(
            Suggestion(
                theme=theme,
                period=period_name(row["period"]),
                comments=int(row["comments"]),
                share=float(row["share"]),
                negative=float(row["negative"]),
                change=None if change is None or change != change else float(change),
                significant=bool(row["significant"]),
                quotes=theme_service.quotes(session, theme, limit=3, places=places),
            )
        )
    return found


def draft_from_theme(
    session: DbSession, theme: Theme, author: User, kind: EntryKind, places: list[str] | None = None
) -> YouSaidWeDid:
    """A draft about a theme: what people said, in figures, with up to three redacted quotes to approve."""
    suggestion = next(
        (s for s in suggestions(session, limit=50, places=places) if s.theme.id == theme.id), None
    )
    if suggestion is None:
        raise EntryError(f"No comments about {theme.name} in the newest period", "theme")
    you_said = (
        f"In {suggestion.period}, {suggestion.comments} comments were about {theme.name} "
        f"({suggestion.share:.0f}% of all comments); {suggestion.negative:.0f}% of them were negative."
    )
    entry = YouSaidWeDid(
        slug=_free_slug(session, theme.slug),
        kind=kind,
        status=EntryStatus.DRAFT,
        audience=Audience.PARENT_CARER,
        theme=theme,
        title=theme.name,
        you_said=you_said,
        we_did="",
        created_by_id=author.id,
    )
    for quote in suggestion.quotes:
        entry.quotes.append(
            EntryQuote(original_text=quote.original, redacted_text=quote.text, approved=False)
        )
    session.add(entry)
    session.flush()
    return entry


# Editing --------------------------------------------------------------------------------------------------


@dataclass
class EntryDetails:
    kind: EntryKind
    audience: Audience
    title: str
    you_said: str
    we_did: str
    theme_id: int | None
    action_ids: list[int]
    measure_ids: list[int]


def save_entry(
    session: DbSession, entry: YouSaidWeDid | None, details: EntryDetails, author: User
) -> YouSaidWeDid:
    """Create or change an entry. A change to an entry in review or published makes it a draft again:
    what a reviewer approved is never changed under them, and the public keeps the approved revision."""
    title = details.title.strip()
    if not title:
        raise EntryError("Enter a title", "title")
    if not details.you_said.strip():
        raise EntryError("Enter what people said", "you_said")
    if details.kind is EntryKind.WE_DID and not details.we_did.strip():
        raise EntryError("Enter what we did, or choose “We listened” if nothing has changed yet", "we_did")
    if entry is not None and entry.status is EntryStatus.WITHDRAWN:
        raise EntryError("A withdrawn entry cannot be changed; draft a new one", "title")
    if entry is None:
        entry = YouSaidWeDid(
            slug=_free_slug(session, title), created_by_id=author.id, status=EntryStatus.DRAFT
        )
        session.add(entry)
    entry.kind = details.kind
    entry.audience = details.audience
    entry.title = title
    entry.you_said = details.you_said.strip()
    entry.we_did = details.we_did.strip()
    entry.theme = session.get(Theme, details.theme_id) if details.theme_id else None
    entry.actions = list(session.scalars(sa.select(Action).where(Action.id.in_(details.action_ids))))
    entry.measures = list(session.scalars(sa.select(Measure).where(Measure.id.in_(details.measure_ids))))
    _set_evidence(entry)
    entry.status = EntryStatus.DRAFT
    entry.approved_by_id = None
    session.flush()
    return entry


def _set_evidence(entry: YouSaidWeDid) -> None:
    """The figure behind the entry: the newest survey reading of its first survey measure, and where that
    measure started. Frozen now, so the published sentence does not move under the reader."""
    for measure in entry.measures:
        readings = [r for r in measure.readings if r.source is ReadingSource.ANALYSIS and r.n]
        if measure.data_source is DataSource.SURVEY and readings:
            latest = readings[-1]
            entry.evidence_n = latest.n
            entry.evidence_percent = latest.value
            entry.evidence_from_percent = measure.baseline_value
            return
    entry.evidence_n = entry.evidence_percent = entry.evidence_from_percent = None


def attach_quote(session: DbSession, entry: YouSaidWeDid, answer: Answer, places: list[str]) -> EntryQuote:
    redaction = redact_quote(answer.text or "", places)
    quote = EntryQuote(answer_id=answer.id, original_text=answer.text or "", redacted_text=redaction.text)
    entry.quotes.append(quote)
    entry.status = EntryStatus.DRAFT
    session.flush()
    return quote


def review_quotes(
    session: DbSession, entry: YouSaidWeDid, approved: dict[int, bool], texts: dict[int, str]
) -> None:
    """The approver's decisions on each quote, and any further redaction they typed."""
    for quote in entry.quotes:
        if quote.id in texts and texts[quote.id].strip():
            quote.redacted_text = texts[quote.id].strip()
        quote.approved = approved.get(quote.id, False)
    session.flush()


def removed_from(quote: EntryQuote, places: list[str]) -> list[tuple[str, str]]:
    """What automatic redaction took out of a quote, for the approver."""
    return redact_quote(quote.original_text, places).removed


# Review and publication ---------------------------------------------------------------------------------


def send_for_review(session: DbSession, entry: YouSaidWeDid) -> None:
    if entry.status is not EntryStatus.DRAFT:
        raise EntryError("Only a draft can be sent for review")
    entry.status = EntryStatus.IN_REVIEW
    session.flush()


def approve(session: DbSession, entry: YouSaidWeDid, approver: User) -> EntryRevision:
    """Publish: a second person's approval freezes the entry into a new revision the public reads."""
    if entry.status is not EntryStatus.IN_REVIEW:
        raise EntryError("Only an entry in review can be approved")
    if entry.created_by_id == approver.id:
        raise EntryError("Someone other than its author must approve an entry")
    now = utcnow()
    entry.status = EntryStatus.PUBLISHED
    entry.approved_by_id = approver.id
    entry.published_at = entry.published_at or now
    revision = EntryRevision(version=len(entry.revisions) + 1, snapshot=snapshot(entry), published_at=now)
    entry.revisions.append(revision)
    session.flush()
    return revision


def withdraw(session: DbSession, entry: YouSaidWeDid, reason: str) -> None:
    if not entry.revisions:
        raise EntryError("Only a published entry can be withdrawn; delete a draft instead")
    if not reason.strip():
        raise EntryError("Say why the entry is withdrawn: the notice shows it", "reason")
    entry.status = EntryStatus.WITHDRAWN
    entry.withdrawn_reason = reason.strip()
    entry.withdrawn_at = utcnow()
    session.flush()


def snapshot(entry: YouSaidWeDid) -> dict:
    """What the public sees of an entry, frozen at approval."""
    suppressed = entry.evidence_n is not None and entry.evidence_n < SUPPRESS_BELOW
    areas = sorted({a.area.reference for a in entry.actions})
    return {
        "kind": entry.kind.value,
        "audience": entry.audience.value,
        "title": entry.title,
        "you_said": entry.you_said,
        "we_did": entry.we_did,
        "theme": entry.theme.name if entry.theme else None,
        "theme_id": entry.theme_id,
        "areas": areas,
        "actions": [a.reference for a in entry.actions],
        "measures": [m.id for m in entry.measures],
        "evidence": {
            "n": None if suppressed else entry.evidence_n,
            "percent": None if suppressed else entry.evidence_percent,
            "from_percent": None if suppressed else entry.evidence_from_percent,
            "suppressed": suppressed,
        },
        "quotes": [q.redacted_text for q in entry.quotes if q.approved],
    }


def evidence_sentence(evidence: dict) -> str | None:
    """ "Based on 86 responses, 35% agreed, up from 6%." Small numbers say only that they are small."""
    if evidence.get("suppressed"):
        return f"Based on fewer than {SUPPRESS_BELOW} responses."
    n, percent, start = evidence.get("n"), evidence.get("percent"), evidence.get("from_percent")
    if not n or percent is None:
        return None
    sentence = f"Based on {n:,} responses, {percent:.0f}% agreed"
    if start is not None and round(start) != round(percent):
        sentence += f", {'up' if percent > start else 'down'} from {start:.0f}%"
    return sentence + "."


# Public queries -----------------------------------------------------------------------------------------


@dataclass
class PublicFilter:
    area: str = ""
    theme_id: int | None = None
    audience: Audience | None = None


def public_entries(session: DbSession, filters: PublicFilter | None = None) -> list[YouSaidWeDid]:
    """Entries with an approved revision, not withdrawn, newest first, filtered on what was approved."""
    filters = filters or PublicFilter()
    entries = session.scalars(
        sa.select(YouSaidWeDid)
        .where(YouSaidWeDid.revisions.any(), YouSaidWeDid.status != EntryStatus.WITHDRAWN)
        .options(selectinload(YouSaidWeDid.revisions))
    ).all()
    shown = []
    for entry in entries:
        latest = entry.latest
        assert latest is not None  # the query asks for a revision
        approved = latest.snapshot
        if filters.area and filters.area not in approved.get("areas", []):
            continue
        if filters.theme_id and approved.get("theme_id") != filters.theme_id:
            continue
        if filters.audience and approved.get("audience") != filters.audience.value:
            continue
        shown.append((latest.published_at, entry))
    return [entry for _, entry in sorted(shown, key=lambda pair: pair[0], reverse=True)]


def public_entry(session: DbSession, slug: str) -> YouSaidWeDid | None:
    """An entry the public may open: published once, withdrawn or not."""
    return session.scalar(
        sa.select(YouSaidWeDid)
        .where(YouSaidWeDid.slug == slug, YouSaidWeDid.revisions.any())
        .options(selectinload(YouSaidWeDid.revisions))
    )


def filter_choices(session: DbSession) -> dict:
    return {
        "areas": session.execute(
            sa.select(Area.reference, Area.title).order_by(Area.plan_id, Area.position)
        ).all(),
        "themes": session.execute(
            sa.select(Theme.id, Theme.name)
            .where(Theme.id.in_(sa.select(YouSaidWeDid.theme_id).where(YouSaidWeDid.revisions.any())))
            .order_by(Theme.name)
        ).all(),
    }


def staff_entries(session: DbSession) -> list[YouSaidWeDid]:
    return list(
        session.scalars(
            sa.select(YouSaidWeDid)
            .order_by(YouSaidWeDid.created_at.desc(), YouSaidWeDid.id.desc())
            .options(selectinload(YouSaidWeDid.revisions))
        )
    )


def _free_slug(session: DbSession, text: str) -> str:
    base = SLUG.sub("-", text.lower()).strip("-")[:100] or "entry"
    slug, n = base, 1
    while session.scalar(sa.select(YouSaidWeDid.id).where(YouSaidWeDid.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug

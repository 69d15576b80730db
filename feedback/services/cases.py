"""Complaints, mediations, tribunal appeals, compliments and enquiries: logging them, their stages and
due dates, closing them, learning from them, exporting them, and forgetting the family in time.

Every rule is checked here, before anything is written, and a broken one raises ``CaseError`` naming
the field, so a form can show the message beside it and nothing is saved.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..analysis.redact import redact_quote
from ..database import DbSession, reading, writing
from ..models import (
    OUTCOMES_BY_KIND,
    STAGE_RULES,
    STAGES_BY_KIND,
    Area,
    Audience,
    AuditEvent,
    Case,
    CaseContact,
    CaseKind,
    CaseOutcome,
    CaseStage,
    EntryKind,
    EntryStatus,
    Measure,
    StageName,
    Theme,
    User,
    YouSaidWeDid,
)
from ..models.case import case_theme
from ..models.types import utcnow
from .audit import HistoryLine, changes_in_words, history_of, redact_copies
from .data_protection import RETENTION_BATCH, given, search_terms
from .paging import Page, place
from .spreadsheet import inert
from .text import folded
from .working_days import add_working_days

PAGE_SIZE = 50
PREFIX = {
    CaseKind.COMPLAINT: "COM",
    CaseKind.MEDIATION: "MED",
    CaseKind.TRIBUNAL: "TRI",
    CaseKind.COMPLIMENT: "CPL",
    CaseKind.ENQUIRY: "ENQ",
}
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{0,29}$")


class CaseError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""
    child_name: str = ""

    def __bool__(self) -> bool:
        return any(v.strip() for v in (self.name, self.email, self.phone, self.child_name))


@dataclass
class CaseDetails:
    kind: CaseKind
    received_on: date
    reference: str = ""
    summary: str = ""
    learning: str = ""
    theme_ids: list[int] = field(default_factory=list)
    area_ids: list[int] = field(default_factory=list)
    measure_ids: list[int] = field(default_factory=list)
    contact: Contact = field(default_factory=Contact)


def due_date(name: StageName, started_on: date) -> date | None:
    allowed = STAGE_RULES[name].allowed
    if allowed is None:
        return None
    number, unit = allowed
    return add_working_days(started_on, number) if unit == "working" else started_on + timedelta(days=number)


def load_case(session: DbSession, case_id: int) -> Case | None:
    return session.scalar(
        sa.select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.stages),
            selectinload(Case.themes),
            selectinload(Case.areas),
            selectinload(Case.measures),
            selectinload(Case.contact),
        )
    )


def save_case(session: DbSession, case: Case | None, details: CaseDetails, today: date) -> Case:
    """Log a new case (its first stage starts the day it was received) or change one."""
    if details.received_on > today:
        raise CaseError("The date received must be today or in the past", "received_on")
    reference = details.reference.strip()
    if reference and not REFERENCE.match(reference):
        raise CaseError("Reference must be letters, numbers, hyphens or slashes, 30 at most", "reference")
    if reference:
        clash = session.scalar(sa.select(Case.id).where(Case.reference == reference))
        if clash is not None and (case is None or clash != case.id):
            raise CaseError(f"Another case already has the reference {reference}", "reference")
    if case is not None:
        if details.kind is not case.kind and (case.outcome is not None or len(case.stages) > 1):
            raise CaseError("The kind cannot change once a later stage or an outcome is recorded", "kind")
        earliest = min((s.started_on for s in case.stages), default=None)
        if earliest is not None and details.received_on > earliest and len(case.stages) > 1:
            raise CaseError("The date received cannot be after a stage started", "received_on")
        if case.closed_on is not None and details.received_on > case.closed_on:
            raise CaseError("The date received cannot be after the case was closed", "received_on")

    new = case is None
    if case is None:
        case = Case(kind=details.kind, received_on=details.received_on, reference="")
        session.add(case)
    texts = (details.summary.strip(), details.learning.strip())
    if case.anonymised_at is not None and (details.contact or texts != (case.summary, case.learning)):
        case.anonymised_at = None  # what it holds now is forgotten in its turn, by retention or on request
    case.kind = details.kind
    case.received_on = details.received_on
    case.summary, case.learning = texts
    case.themes = _by_ids(session, Theme, details.theme_ids)
    case.areas = _by_ids(session, Area, details.area_ids)
    case.measures = _by_ids(session, Measure, details.measure_ids)
    case.reference = reference or _next_reference(session, details.kind, details.received_on)
    _save_contact(case, details.contact)
    if new or (len(case.stages) <= 1):
        first = STAGES_BY_KIND[case.kind][0]
        case.stages = [s for s in case.stages if s.name is first] or [
            CaseStage(name=first, started_on=case.received_on)
        ]
        case.stages[0].started_on = case.received_on
        case.stages[0].due_on = due_date(first, case.received_on)
    _refresh_current_stage(case)
    session.flush()
    return case


def record_stage(
    session: DbSession, case: Case, name: StageName, started_on: date, completed_on: date | None, today: date
) -> CaseStage:
    """Start a stage, or record when it was done; its due date follows from the rules."""
    if name not in STAGES_BY_KIND[case.kind]:
        raise CaseError(f"{name.label} is not a stage of {case.kind.with_article}", "name")
    if started_on < case.received_on:
        raise CaseError("A stage cannot start before the case was received", "started_on")
    if started_on > today:
        raise CaseError("The start date must be today or in the past", "started_on")
    if completed_on is not None and completed_on < started_on:
        raise CaseError("The date done cannot be before the stage started", "completed_on")
    if completed_on is not None and completed_on > today:
        raise CaseError("The date done must be today or in the past", "completed_on")
    stage = next((s for s in case.stages if s.name is name), None)
    if stage is None:
        stage = CaseStage(name=name, started_on=started_on)
        case.stages.append(stage)
    stage.started_on = started_on
    stage.due_on = due_date(name, started_on)
    stage.completed_on = completed_on
    _refresh_current_stage(case)
    session.flush()
    return stage


def close_case(
    session: DbSession, case: Case, outcome: CaseOutcome | None, closed_on: date | None, today: date
) -> None:
    if outcome is None:
        raise CaseError("Choose the outcome before closing the case", "outcome")
    if outcome not in OUTCOMES_BY_KIND[case.kind]:
        raise CaseError(f"“{outcome.label}” is not an outcome of {case.kind.with_article}", "outcome")
    if closed_on is None:
        raise CaseError("Enter the date the case closed", "closed_on")
    if closed_on < case.received_on:
        raise CaseError("A case cannot close before it was received", "closed_on")
    if closed_on > today:
        raise CaseError("The date closed must be today or in the past", "closed_on")
    case.outcome = outcome
    case.closed_on = closed_on
    _refresh_current_stage(case)
    session.flush()


def reopen_case(session: DbSession, case: Case) -> None:
    case.outcome = None
    case.closed_on = None
    case.anonymised_at = None  # what it gathers now is forgotten in its turn, once it has closed again
    _refresh_current_stage(case)
    session.flush()


def _refresh_current_stage(case: Case) -> None:
    """The case's own stage and due date mirror its newest open stage, for lists and the dashboard."""
    if case.closed_on is not None:
        case.stage, case.due_on = "Closed", None
        return
    open_stages = [s for s in case.stages if s.completed_on is None]
    current = open_stages[-1] if open_stages else (case.stages[-1] if case.stages else None)
    case.stage = current.name.label if current else ""
    case.due_on = current.due_on if current and current.completed_on is None else None


def _save_contact(case: Case, contact: Contact) -> None:
    if not contact:
        case.contact = None
        return
    if case.contact is None:
        case.contact = CaseContact()
    elif not _same_person(case.contact, contact):
        case.contact.given_at = utcnow()
    case.contact.name = contact.name.strip()
    case.contact.email = contact.email.strip()
    case.contact.phone = contact.phone.strip()
    case.contact.child_name = contact.child_name.strip()


def _same_person(held: CaseContact, given: Contact) -> bool:
    """Whether new details for a case's contact are still the same person's, as far as the subject access
    export goes: they keep the name, the email address or the phone number (written differently, in
    another case or with other spaces, is the same). A corrected name, a new email address or a new phone
    number is the same person's; none of the three kept is someone else (the other parent takes the
    complaint on)."""

    def who(contact: CaseContact | Contact) -> tuple[str, str, str]:
        return (folded(contact.name), *search_terms(contact.email, contact.phone))

    return any(before and before == after for before, after in zip(who(held), who(given), strict=True))


def _by_ids(session: DbSession, model, ids: list[int]) -> list:
    if not ids:
        return []
    found = list(session.scalars(sa.select(model).where(model.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise CaseError(f"Choose from the {model.__name__.lower()}s listed", f"{model.__name__.lower()}_ids")
    return found


def _next_reference(session: DbSession, kind: CaseKind, received_on: date) -> str:
    prefix = f"{PREFIX[kind]}-{received_on.year}-"
    taken = set(session.scalars(sa.select(Case.reference).where(Case.reference.startswith(prefix))))
    number = len(taken) + 1
    while f"{prefix}{number:04d}" in taken:
        number += 1
    return f"{prefix}{number:04d}"


# Learning -------------------------------------------------------------------------------------------


def draft_entry(session: DbSession, case: Case, author: User) -> YouSaidWeDid:
    """A "You said, we did" draft from what the case taught: the summary, redacted, as what was said;
    the learning as what we did. It goes through the usual review before anyone sees it."""
    if not case.learning.strip():
        raise CaseError("Write what we will change before making a draft from it", "learning")
    if case.summary:
        said = redact_quote(case.summary).text
    else:
        said = f"{case.kind.with_article.capitalize()} we received."
    base = f"case-{case.reference.lower()}"
    slug, n = base, 1
    while session.scalar(sa.select(YouSaidWeDid.id).where(YouSaidWeDid.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    entry = YouSaidWeDid(
        slug=slug[:120],
        kind=EntryKind.WE_DID,
        status=EntryStatus.DRAFT,
        audience=Audience.PARENT_CARER,
        theme=case.themes[0] if case.themes else None,
        title=f"What we changed after {case.kind.with_article}",
        you_said=said,
        we_did=case.learning.strip(),
        created_by_id=author.id,
        measures=list(case.measures),
    )
    session.add(entry)
    session.flush()
    return entry


# Lists, counts and exports ----------------------------------------------------------------------------


@dataclass
class CaseFilter:
    kind: CaseKind | None = None
    state: str = "all"  # all, open, closed, overdue
    year: int | None = None


def _filtered(query, filters: CaseFilter, today: date):
    if filters.kind is not None:
        query = query.where(Case.kind == filters.kind)
    if filters.state == "open":
        query = query.where(Case.closed_on.is_(None))
    elif filters.state == "closed":
        query = query.where(Case.closed_on.is_not(None))
    elif filters.state == "overdue":
        query = query.where(Case.closed_on.is_(None), Case.due_on < today)
    if filters.year is not None:
        query = query.where(
            Case.received_on >= date(filters.year, 1, 1), Case.received_on <= date(filters.year, 12, 31)
        )
    return query


def ids_with_contacts(session: DbSession, filters: CaseFilter, today: date) -> list[int]:
    """The cases among these that hold a family's details: whose an export with contacts shows."""
    return list(session.scalars(_filtered(sa.select(Case.id).join(CaseContact), filters, today)))


def count_cases(session: DbSession, filters: CaseFilter, today: date) -> int:
    return session.scalar(_filtered(sa.select(sa.func.count(Case.id)), filters, today))


def list_cases(session: DbSession, filters: CaseFilter, page: int, today: date) -> Page[Case]:
    """A page of the cases these filters find, newest first: the ``page``th, or the last if there are
    fewer (a case officer's old link after cases were closed)."""
    total = count_cases(session, filters, today)
    shown = place(page, total, PAGE_SIZE)
    found = session.scalars(
        _filtered(sa.select(Case), filters, today)
        .order_by(Case.received_on.desc(), Case.id.desc())
        .limit(shown.size)
        .offset(shown.offset)
    ).all()
    return Page(list(found), total, shown.page, shown.pages)


EXPORT_COLUMNS = [
    "reference", "kind", "received_on", "stage", "due_on", "closed_on", "outcome", "themes", "areas",
    "measures", "summary", "learning",
]  # fmt: skip
CONTACT_COLUMNS = ["contact_name", "contact_email", "contact_phone", "child_name"]


def export_frame(
    session: DbSession, filters: CaseFilter, today: date, with_contacts: bool = False
) -> pd.DataFrame:
    """The cases as a table for CSV or XLSX. The family's details only when asked for by name."""
    cases = session.scalars(
        _filtered(sa.select(Case), filters, today)
        .order_by(Case.received_on, Case.id)
        .options(
            selectinload(Case.themes),
            selectinload(Case.areas),
            selectinload(Case.measures).selectinload(Measure.action),
            selectinload(Case.contact),
        )
    ).all()
    rows = []
    for case in cases:
        row = {
            "reference": case.reference,
            "kind": case.kind.value,
            "received_on": case.received_on.isoformat(),
            "stage": case.stage,
            "due_on": case.due_on.isoformat() if case.due_on else "",
            "closed_on": case.closed_on.isoformat() if case.closed_on else "",
            "outcome": case.outcome.value if case.outcome else "",
            "themes": "; ".join(t.name for t in case.themes),
            "areas": "; ".join(a.reference for a in case.areas),
            "measures": "; ".join(f"{m.action.reference}/{m.reference}" for m in case.measures),
            "summary": case.summary,
            "learning": case.learning,
        }
        if with_contacts:
            contact = case.contact or CaseContact(name="", email="", phone="", child_name="")
            row.update(
                contact_name=contact.name,
                contact_email=contact.email,
                contact_phone=contact.phone,
                child_name=contact.child_name,
            )
        rows.append(row)
    columns = EXPORT_COLUMNS + (CONTACT_COLUMNS if with_contacts else [])
    return pd.DataFrame([{k: inert(v) for k, v in row.items()} for row in rows], columns=columns)


def case_frames(session: DbSession) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cases (id, kind, received_on, closed_on, outcome), stages (case_id, kind, due_on, completed_on)
    and themes (case_id, theme) for the dashboard."""
    cases = pd.DataFrame(
        [
            (i, k.value, r, c, o.value if o else None)
            for i, k, r, c, o in session.execute(
                sa.select(Case.id, Case.kind, Case.received_on, Case.closed_on, Case.outcome)
            )
        ],
        columns=["id", "kind", "received_on", "closed_on", "outcome"],
    )
    stages = pd.DataFrame(
        [
            (i, k.value, n.value, d, c)
            for i, k, n, d, c in session.execute(
                sa.select(
                    CaseStage.case_id, Case.kind, CaseStage.name, CaseStage.due_on, CaseStage.completed_on
                ).join(Case)
            )
        ],
        columns=["case_id", "kind", "stage", "due_on", "completed_on"],
    )
    themes = pd.DataFrame(
        session.execute(
            sa.select(case_theme.c.case_id, Theme.name).join(Theme, Theme.id == case_theme.c.theme_id)
        ).all(),
        columns=["case_id", "theme"],
    )
    return cases, stages, themes


def case_measures(session: DbSession) -> list[Measure]:
    return list(
        session.scalars(
            sa.select(Measure).where(Measure.case_kind.is_not(None)).options(selectinload(Measure.action))
        )
    )


# History -----------------------------------------------------------------------------------------------

# Named, not repeated: the trail keeps every version, but a history that prints them all is hard to read.
_TEXTS = {"summary": "what the case is about", "learning": "what we will change"}


def history(session: DbSession, case: Case, limit: int = 50) -> list[HistoryLine]:
    """What happened to the case and its stages, newest first, in words, for the case officer."""
    events = [(event, "") for event in history_of(session, case, limit)]
    for stage in case.stages:
        events += [(event, stage.name.label) for event in history_of(session, stage, limit)]
    events.sort(key=lambda pair: (pair[0].at, pair[0].id), reverse=True)
    lines = [described(event, stage) for event, stage in events]
    return [line for line in lines if line.text][:limit]


def described(event: AuditEvent, stage: str = "") -> HistoryLine:
    """An event of a case, or of its ``stage`` (named as StageName.label), as the case's history says it;
    its text is empty for a change the history leaves out."""
    return HistoryLine(event.at, event.actor, _in_words(event, stage), event.id)


def _in_words(event: AuditEvent, stage: str) -> str:
    before, after = event.before or {}, dict(event.after or {})
    if event.operation != "update":
        done = {"insert": "started" if stage else "logged", "delete": "removed"}[event.operation]
        return f"{done} {stage or 'the case'}"
    if after.pop("anonymised_at", None):
        return "took out the family's details and names"  # by retention or on request: the actor says which
    if not before.get("reference"):
        after.pop("reference", None)  # numbered as it was logged
    words = [f"changed {_TEXTS[key]}" for key in _TEXTS if after.pop(key, None) is not None]
    if after:
        words.insert(0, changes_in_words(before, after, entity_type=event.entity_type))
    return (f"{stage}: " if stage and words else "") + "; ".join(words)


# Retention ---------------------------------------------------------------------------------------------


def anonymise_closed_before(
    session: DbSession, cutoff: date, places: list[str] | None = None, batch_size: int = RETENTION_BATCH
) -> Iterator[int]:
    """Forget the families of cases closed before ``cutoff``: their contact details are deleted, and
    names and other details are redacted from the summary and the learning. The counts, dates, outcomes
    and themes stay, so the dashboard's history does not change. The copies of the summary and the learning
    that the audit trail keeps are redacted alike. Each case is marked anonymised, so that the next run
    reads only cases that have grown old since (reopening a case clears the mark).

    Works in batches and yields how many cases each one anonymised, as ``forget_old_responses`` does
    (services/data_protection.py): a batch is read in a transaction that only reads, redacted outside
    any, and its changes written in a short one of their own. Call it outside a transaction."""

    redact = _redactor(places)
    while True:
        with reading(session):
            rows = session.execute(
                sa.select(Case.id, Case.summary, Case.learning)
                .where(Case.closed_on < cutoff, Case.anonymised_at.is_(None))
                .order_by(Case.id)
                .limit(batch_size)
            ).all()
        if not rows:
            return
        for row in rows:  # the tagger's work, before the write lock; a text edited since is redacted below
            redact(row.summary)
            redact(row.learning)
        with writing(session):
            _anonymise(session, [row.id for row in rows], redact)
        yield len(rows)


def erase_family_details(
    session: DbSession, email: str = "", phone: str = "", places: list[str] | None = None
) -> list[str]:
    """On a request to erase, the cases where a family gave this email address or phone number are
    anonymised now, as retention would anonymise them once closed. The cases stay, as the area's record.
    In the session's transaction; returns the references of the cases changed."""
    found = sa.select(CaseContact.case_id).where(given(CaseContact, email, phone))
    ids = list(session.scalars(found))
    _anonymise(session, ids, _redactor(places))
    return list(session.scalars(sa.select(Case.reference).where(Case.id.in_(ids)).order_by(Case.reference)))


def _redactor(places: list[str] | None) -> Callable[[str], str]:
    @functools.cache
    def redact(text: str) -> str:
        return redact_quote(text, places or []).text if text else text

    return redact


def _anonymise(session: DbSession, case_ids: list[int], redact: Callable[[str], str]) -> None:
    """The family's details deleted and names redacted from the cases' text and from the audit trail's
    copies of it, in the session's transaction."""
    for case in session.scalars(
        sa.select(Case).where(Case.id.in_(case_ids)).options(selectinload(Case.contact))
    ):
        case.contact = None
        case.summary, case.learning = redact(case.summary), redact(case.learning)
        case.anonymised_at = utcnow()
    session.flush()
    redact_copies(session, Case, case_ids, ("summary", "learning"), redact)

"""Two people editing the same thing: whoever saves second is shown what the first changed, with their own
changes kept in the form, instead of silently undoing it.

The page carries the id of the newest event in the audit trail when it was shown (``EditForm.seen``); the
trail records every change, whoever makes it and however (services/audit.py). A save is refused when an
event after that one changed a field the form edits, of the record it edits or of the parts it edits with
it (a question's wordings), and the page is shown again with the changes listed; saving again then
replaces them, knowingly. A change to something the form does not edit (the analyser's suggested status,
say) is no reason to refuse.

On PostgreSQL an event's id is given when it is written, not when it commits: a change still being
committed as the page is shown, while a later one has committed, could go unnoticed. The window is one
write transaction long (an import's, at most); SQLite, with one writer at a time, has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wtforms import Field, ValidationError

from ..extensions import db
from ..forms.base import EditForm
from ..models import AuditEvent
from ..services import audit
from ..services.audit import HistoryLine

CHANGED = "This was changed after you opened the page. Check what changed, then save again."
NOT_FIELDS = {"seen", "submit", "csrf_token"}
SEEN = re.compile(r"[0-9]{1,10}")
MOST_ID = 2**31 - 1  # what an integer column holds on PostgreSQL: a larger id cannot even be compared


@dataclass(frozen=True)
class Part:
    """Something a page edits beside its record, under field names of its own: ``fields`` are its columns
    the page sets, and ``subject`` names it in the list of changes ("wording in Easy read")."""

    record: Any
    fields: frozenset[str]
    subject: str


def unchanged_since_shown(
    form: EditForm,
    record: Any,
    also: Iterable[str] = (),
    described: Callable[[AuditEvent], HistoryLine | None] = audit.describe,
    parts: Iterable[Part] = (),
) -> dict[str, list[Callable[[EditForm, Field], None]]]:
    """Extra validators for ``form.validate_on_submit``, for ``form`` editing ``record`` (None: a new one,
    which nobody else can have changed). ``also`` names columns the form changes under other names (a
    measure's "readings from" sets its data_source and case_kind); ``described`` puts an event of the
    record in words, as the record's history on its page does; ``parts`` are what else the page edits."""
    if record is None:
        return {}
    sent = form.seen.data or ""
    # The page, shown again for whatever reason, shows what is saved now: saving it again replaces any
    # change listed on it, knowingly.
    remember_shown(form)
    if not form.is_submitted() or not SEEN.fullmatch(sent) or int(sent) > MOST_ID:
        # A page that is being shown, or one sent from a page opened before this check existed, or without
        # it (or with what no page sends): nothing to compare with.
        return {}
    since = int(sent)
    fields = {field.name for field in form if field.name not in NOT_FIELDS} | set(also)
    parts = list(parts)

    def nobody_else_changed_it(form: EditForm, field: Field) -> None:
        events = audit.changed_since(db.session, record, since, fields)
        found = [(event, described(event)) for event in events]
        for part in parts:
            events = audit.changed_since(db.session, part.record, since, part.fields)
            found += [(event, audit.describe(event, part.subject)) for event in events]
        if found:
            found.sort(key=lambda pair: pair[0].id)
            form.changed_by_others = [line for _, line in found if line is not None]
            raise ValidationError(CHANGED)

    return {"seen": [nobody_else_changed_it]}


def remember_shown(form: EditForm) -> None:
    """Mark ``form`` as showing what it edits as it is now: also for a page shown again without checking,
    after another form on it was refused."""
    form.seen.data = str(audit.newest_event_id(db.session))

"""Two people editing the same thing: whoever saves second is shown what the first changed, with their own
changes kept in the form, instead of silently undoing it.

The page carries the id of the newest audit event of what it edits as it was shown (``EditForm.seen``); the
audit trail records every change, whoever makes it and however (services/audit.py). A save is refused
when an event after that one changed a field the form edits, and the page is shown again with the
changes listed; saving again then replaces them, knowingly. A change to something the form does not edit
(the analyser's suggested status, say) is no reason to refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from wtforms import Field, ValidationError

from ..extensions import db
from ..forms.base import EditForm
from ..models import AuditEvent
from ..services import audit
from ..services.audit import HistoryLine

CHANGED = "This was changed after you opened the page. Check what changed, then save again."
NOT_FIELDS = {"seen", "submit", "csrf_token"}
SEEN = re.compile(r"[0-9]{1,18}")  # an id, which any database's integer column can be compared with


def unchanged_since_shown(
    form: EditForm,
    record: Any,
    also: Iterable[str] = (),
    described: Callable[[AuditEvent], HistoryLine | None] = audit.describe,
) -> dict[str, list[Callable[[EditForm, Field], None]]]:
    """Extra validators for ``form.validate_on_submit``, for ``form`` editing ``record`` (None: a new one,
    which nobody else can have changed). ``also`` names columns the form changes under other names (a
    measure's "readings from" sets its data_source and case_kind); ``described`` puts an event in words,
    as the record's history on its page does."""
    if record is None:
        return {}
    sent = form.seen.data or ""
    newest = remember_shown(form, record)
    if not form.is_submitted() or not SEEN.fullmatch(sent):
        # A page that is being shown, or one sent from a page opened before this check existed, or without
        # it (or with what no page sends): nothing to compare with.
        return {}
    fields = {field.name for field in form if field.name not in NOT_FIELDS} | set(also)

    def nobody_else_changed_it(form: EditForm, field: Field) -> None:
        events = audit.changed_since(db.session, record, int(sent), fields)
        field.data = str(newest)  # saving the page again replaces their changes, knowingly
        if events:
            lines = (described(event) for event in events)
            form.changed_by_others = [line for line in lines if line is not None]
            raise ValidationError(CHANGED)

    return {"seen": [nobody_else_changed_it]}


def remember_shown(form: EditForm, record: Any) -> int:
    """Mark ``form`` as showing ``record`` as it is now, for a page that shows it again without checking
    (after another form on the page was refused); returns the mark."""
    newest = audit.newest_event_id(db.session, record)
    form.seen.data = str(newest)
    return newest

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
from ..services import audit

CHANGED = "This was changed after you opened the page. Check what changed, then save again."
NOT_FIELDS = {"seen", "submit", "csrf_token"}
SEEN = re.compile(r"[0-9]{1,18}")  # an id, which any database's integer column can be compared with


def unchanged_since_shown(
    form: EditForm, record: Any, also: Iterable[str] = ()
) -> dict[str, list[Callable[[EditForm, Field], None]]]:
    """Extra validators for ``form.validate_on_submit``, for ``form`` editing ``record`` (None: a new one,
    which nobody else can have changed). ``also`` names columns the form changes under other names (a
    measure's "readings from" sets its data_source and case_kind)."""
    if record is None:
        return {}
    newest = audit.newest_event_id(db.session, record)
    sent = form.seen.data or ""
    if not form.is_submitted() or not SEEN.fullmatch(sent):
        # A page that is being shown, or one sent from a page opened before this check existed, or without
        # it (or with what no page sends): nothing to compare with.
        form.seen.data = str(newest)
        return {}
    fields = {field.name for field in form if field.name not in NOT_FIELDS} | set(also)

    def nobody_else_changed_it(form: EditForm, field: Field) -> None:
        events = audit.changed_since(db.session, record, int(sent), fields)
        field.data = str(newest)  # saving the page again replaces their changes, knowingly
        if events:
            form.changed_by_others = [audit.describe(event) for event in events]
            raise ValidationError(CHANGED)

    return {"seen": [nobody_else_changed_it]}

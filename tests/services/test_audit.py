"""The audit trail records rows a flush deletes because they left their parent, and only those."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import AuditEvent, Measure, Milestone
from feedback.services import audit


def _deletes() -> list[tuple[int, str]]:
    deleted = AuditEvent.entity_type == "Milestone", AuditEvent.operation == "delete"
    events = db.session.scalars(sa.select(AuditEvent).where(*deleted))
    return [(event.entity_id, event.before["due_date"]) for event in events]


def test_a_milestone_taken_off_its_measure_is_recorded_as_deleted_and_one_moved_is_not(app, demo):
    with app.app_context():
        first, second = db.session.scalars(sa.select(Measure).order_by(Measure.id).limit(2)).all()
        first.milestones.append(Milestone(due_date=date(2030, 1, 31), value=1))
        first.milestones.append(Milestone(due_date=date(2030, 2, 28), value=2))
        db.session.commit()
        moved, dropped = first.milestones[-2:]
        moved.measure = second  # moved: still a milestone, of another measure
        first.milestones.remove(dropped)  # dropped: the flush deletes it
        db.session.commit()
        assert db.session.get(Milestone, moved.id).measure_id == second.id
        assert _deletes() == [(dropped.id, "2030-02-28")]


def test_a_change_is_said_as_the_pages_say_its_values():
    """By the column's type: a status as its tag, a date as people write it; what the type does not know
    (a member since removed, a date kept before the column was one) as it was kept."""
    before = {"progress_status": "amber", "completion_date": "2027-03-31", "lead": "SENCO"}
    after = {"progress_status": "blue", "completion_date": "2027-04-30", "lead": "2027-05-01"}

    said = audit.changes_in_words(before, after, entity_type="Action")

    assert said == (
        "changed progress status from “Amber: Some concerns” to “Blue: Complete and embedded”; "
        "completion date from “31 March 2027” to “30 April 2027”; lead from “SENCO” to “2027-05-01”"
    )
    kept = audit.changes_in_words({}, {"progress_status": "violet", "completion_date": "soon"}, {}, "Action")
    assert kept == "changed progress status from nothing to “violet”; completion date from nothing to “soon”"
    assert audit.changes_in_words({}, {"direction": "increase"}, {}, "NotAModel") == (
        "changed direction from nothing to “increase”"
    )


def test_every_choice_a_history_can_show_is_said_in_words():
    """A history never shows a stored value such as “in_review” or “easy_read”: each enum of an audited
    column says its members as the pages do."""
    for model in audit.AUDITED:
        for column in model.__table__.columns:
            if isinstance(column.type, sa.Enum) and column.type.enum_class is not None:
                said = audit.said_by_type(model.__name__)[column.key]
                for member in column.type.enum_class:
                    words = said(member.value)
                    assert "_" not in words and words[0].isupper(), (model.__name__, column.key, words)
    assert audit.changes_in_words({"status": "draft"}, {"status": "in_review"}, {}, "YouSaidWeDid") == (
        "changed status from “Draft” to “In review”"
    )
    assert audit.changes_in_words({"role": "staff"}, {"role": "coordinator"}, {}, "User") == (
        "changed role from “Staff” to “Coordinator”"
    )

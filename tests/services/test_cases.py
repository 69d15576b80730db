"""Case rules: every broken one names its field and saves nothing; due dates, retention, learning, exports
and the readings of measures that count cases."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import (
    AuditEvent,
    Case,
    CaseContact,
    CaseKind,
    CaseOutcome,
    EntryStatus,
    Measure,
    Reading,
    ReadingSource,
    Role,
    StageName,
    User,
    YouSaidWeDid,
)
from feedback.services import analysis, cases

TODAY = date(2024, 6, 14)


def _log(kind=CaseKind.COMPLAINT, received=date(2024, 3, 1), **extra) -> Case:
    case = cases.save_case(
        db.session, None, cases.CaseDetails(kind=kind, received_on=received, **extra), TODAY
    )
    db.session.commit()
    return case


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_new_complaint_gets_a_reference_and_its_first_stage_due_in_20_working_days(app):
    with app.app_context():
        case = _log()
        assert case.reference == "COM-2024-0001"
        (stage,) = case.stages
        assert stage.name is StageName.STAGE_1 and stage.due_on == date(2024, 4, 2)  # Easter in between
        assert case.due_on == date(2024, 4, 2) and case.stage == "Stage 1 response"
        assert _log(received=date(2024, 3, 2)).reference == "COM-2024-0002"
        mediation = _log(kind=CaseKind.MEDIATION)
        assert (
            mediation.reference == "MED-2024-0001"
            and mediation.stages[0].name is StageName.MEDIATION_REQUESTED
        )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"received_on": date(2024, 6, 15)}, "received_on", "today or in the past"),
        ({"reference": "COM-2024-0001"}, "reference", "already has the reference"),
        ({"reference": "bad ref!"}, "reference", "letters, numbers"),
    ],
)
def test_bad_case_details_name_their_field_and_save_nothing(app, change, field, message):
    with app.app_context():
        _log()
        before = _count(Case)
        details = cases.CaseDetails(kind=CaseKind.COMPLAINT, received_on=date(2024, 3, 1))
        for key, value in change.items():
            setattr(details, key, value)
        with pytest.raises(cases.CaseError, match=message) as raised:
            cases.save_case(db.session, None, details, TODAY)
        db.session.rollback()
        assert raised.value.field == field and _count(Case) == before


def test_stage_rules(app):
    with app.app_context():
        case = _log()
        with pytest.raises(cases.CaseError, match="not a stage of a complaint") as raised:
            cases.record_stage(db.session, case, StageName.MEDIATION_HELD, date(2024, 3, 5), None, TODAY)
        assert raised.value.field == "name"
        with pytest.raises(cases.CaseError, match="before the case was received"):
            cases.record_stage(db.session, case, StageName.STAGE_2, date(2024, 2, 1), None, TODAY)
        with pytest.raises(cases.CaseError, match="before the stage started"):
            cases.record_stage(db.session, case, StageName.STAGE_2, date(2024, 4, 5), date(2024, 4, 1), TODAY)
        stage = cases.record_stage(
            db.session, case, StageName.STAGE_1, date(2024, 3, 1), date(2024, 3, 28), TODAY
        )
        assert stage.on_time is True
        second = cases.record_stage(db.session, case, StageName.STAGE_2, date(2024, 4, 8), None, TODAY)
        assert second.due_on == date(2024, 5, 7)  # 20 working days, over the early May bank holiday
        assert case.stage == "Stage 2 review" and case.due_on == date(2024, 5, 7)


def test_closing_needs_an_outcome_that_fits_the_kind(app):
    with app.app_context():
        case = _log()
        with pytest.raises(cases.CaseError, match="Choose the outcome") as raised:
            cases.close_case(db.session, case, None, date(2024, 4, 1), TODAY)
        assert raised.value.field == "outcome"
        with pytest.raises(cases.CaseError, match="not an outcome of a complaint"):
            cases.close_case(db.session, case, CaseOutcome.AGREEMENT_REACHED, date(2024, 4, 1), TODAY)
        with pytest.raises(cases.CaseError, match="cannot close before"):
            cases.close_case(db.session, case, CaseOutcome.UPHELD, date(2024, 2, 1), TODAY)
        db.session.rollback()
        assert db.session.get(Case, case.id).outcome is None
        cases.close_case(db.session, case, CaseOutcome.UPHELD, date(2024, 4, 1), TODAY)
        assert case.stage == "Closed" and case.due_on is None


def test_changes_to_cases_and_stages_are_audited_without_the_familys_details(app):
    with app.app_context():
        case = _log(contact=cases.Contact(name="Jo Bloggs", email="jo@example.org"))
        cases.record_stage(db.session, case, StageName.STAGE_2, date(2024, 4, 8), None, TODAY)
        db.session.commit()
        kinds = set(db.session.scalars(sa.select(AuditEvent.entity_type)))
        assert {"Case", "CaseStage", "CaseContact"} <= kinds
        contact_event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "CaseContact")
        )
        assert "Jo Bloggs" not in str(contact_event.after) and "jo@example.org" not in str(
            contact_event.after
        )


def test_retention_deletes_the_familys_details_and_redacts_old_cases_only(app):
    with app.app_context():
        old = _log(
            summary="Mrs Jones says the plan for Oliver is late; call 07700 900461.",
            contact=cases.Contact(name="Ann Jones", phone="07700 900461", child_name="Oliver Jones"),
        )
        cases.close_case(db.session, old, CaseOutcome.UPHELD, date(2024, 4, 1), TODAY)
        recent = _log(received=date(2024, 5, 1), contact=cases.Contact(name="Sam Smith"))
        db.session.commit()
        assert sum(cases.anonymise_closed_before(db.session, date(2024, 5, 1))) == 1
        old, recent = db.session.get(Case, old.id), db.session.get(Case, recent.id)
        assert old.contact is None and "Jones" not in old.summary and "07700" not in old.summary
        assert old.outcome is CaseOutcome.UPHELD and old.received_on == date(2024, 3, 1)
        assert old.anonymised_at is not None and recent.anonymised_at is None
        assert recent.contact.name == "Sam Smith"
        assert _count(CaseContact) == 1
        erased = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "CaseContact", AuditEvent.operation == "delete"
            )
        )
        assert erased.before["case_id"] == old.id and erased.before["name"] == "[redacted]"
        db.session.rollback()
        assert sum(cases.anonymise_closed_before(db.session, date(2024, 5, 1))) == 0  # nothing left to do
        # Reopened, it gathers details again; closed again, they are forgotten in their turn.
        old = db.session.get(Case, old.id)
        cases.reopen_case(db.session, old)
        assert old.anonymised_at is None
        old.contact = CaseContact(name="Ann Jones")
        cases.close_case(db.session, old, CaseOutcome.UPHELD, date(2024, 4, 20), TODAY)
        db.session.commit()
        assert sum(cases.anonymise_closed_before(db.session, date(2024, 5, 1))) == 1
        assert db.session.get(Case, old.id).contact is None


def test_learning_becomes_a_draft_entry_with_the_summary_redacted(app, make_user):
    user_id, _ = make_user(Role.COORDINATOR)
    with app.app_context():
        case = _log(summary="Sarah waited 30 weeks for the plan.")
        author = db.session.get(User, user_id)
        with pytest.raises(cases.CaseError, match="what we will change"):
            cases.draft_entry(db.session, case, author)
        case.learning = "Plans are now tracked weekly."
        entry = cases.draft_entry(db.session, case, author)
        db.session.commit()
        entry = db.session.get(YouSaidWeDid, entry.id)
        assert entry.status is EntryStatus.DRAFT and entry.published_at is None
        assert "Sarah" not in entry.you_said and entry.we_did == "Plans are now tracked weekly."
        assert entry.title == "What we changed after a complaint"


def test_a_draft_entry_from_a_case_without_a_summary_says_what_kind_it_was(app, make_user):
    user_id, _ = make_user(Role.COORDINATOR)
    with app.app_context():
        author = db.session.get(User, user_id)
        said = {}
        for kind in (CaseKind.ENQUIRY, CaseKind.TRIBUNAL):
            case = _log(kind=kind, learning="Our letters now say who to call.")
            entry = cases.draft_entry(db.session, case, author)
            said[kind] = (entry.title, entry.you_said)
        assert said == {
            CaseKind.ENQUIRY: ("What we changed after an enquiry", "An enquiry we received."),
            CaseKind.TRIBUNAL: ("What we changed after a tribunal appeal", "A tribunal appeal we received."),
        }


def test_exports_leave_out_the_family_unless_asked_and_never_carry_a_formula(app):
    with app.app_context():
        _log(summary='=HYPERLINK("http://evil.example")', contact=cases.Contact(name="Ann Jones"))
        plain = cases.export_frame(db.session, cases.CaseFilter(), TODAY)
        assert "contact_name" not in plain.columns and "Ann Jones" not in plain.to_csv()
        assert plain["summary"][0].startswith("'=")
        full = cases.export_frame(db.session, cases.CaseFilter(), TODAY, with_contacts=True)
        assert full["contact_name"][0] == "Ann Jones"
        complaints_2023 = cases.export_frame(
            db.session, cases.CaseFilter(kind=CaseKind.COMPLAINT, year=2023), TODAY
        )
        assert complaints_2023.empty


def test_measures_that_count_cases_get_rolling_yearly_readings(app, demo):
    with app.app_context():
        analysis.analyse(db.session, as_of=date(2023, 6, 1))
        complaints = db.session.scalar(sa.select(Measure).where(Measure.case_kind == CaseKind.COMPLAINT))
        readings = [r for r in complaints.readings if r.source is ReadingSource.CASES]
        by_end = {r.period_end: r.value for r in readings}
        assert by_end[date(2021, 12, 31)] == 100 and by_end[date(2022, 12, 31)] == 86  # the seed's figures
        by_end_before = dict(by_end)
        assert max(by_end) == date(2022, 12, 31)  # the newest case in the demo
        assert complaints.suggested_status is not None
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Reading).where(Reading.source == ReadingSource.CASES)
            )
            == 3 * 13
        )
        # A complaint logged late counts in the next run: the readings it falls in change in place.
        _log(received=date(2022, 11, 15))
        analysis.analyse(db.session, as_of=date(2023, 6, 2))
        by_end = {r.period_end: r.value for r in complaints.readings if r.source is ReadingSource.CASES}
        assert by_end[date(2022, 10, 31)] == by_end_before[date(2022, 10, 31)]
        assert by_end[date(2022, 11, 30)] == by_end_before[date(2022, 11, 30)] + 1
        assert by_end[date(2022, 12, 31)] == 87
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Reading).where(Reading.source == ReadingSource.CASES)
            )
            == 3 * 13
        )


def test_anonymising_a_case_redacts_the_copies_its_audit_trail_keeps(app):
    with app.app_context():
        case = _log(
            summary="Mrs Jones says the plan for Oliver is late; call 07700 900461.",
            contact=cases.Contact(name="Ann Jones", phone="07700 900461", child_name="Oliver Jones"),
        )
        case.learning = "Oliver's plan is now tracked weekly."
        cases.close_case(db.session, case, CaseOutcome.UPHELD, date(2024, 4, 1), TODAY)
        case_id = case.id
        db.session.commit()
        assert sum(cases.anonymise_closed_before(db.session, date(2024, 5, 1))) == 1
        trail = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == "Case", AuditEvent.entity_id == case_id)
            .order_by(AuditEvent.id)
        ).all()
        kept = json.dumps([[event.before, event.after] for event in trail])
        assert not any(word in kept for word in ("Jones", "Oliver", "07700"))
        # The trail still says what changed and when: the anonymisation itself among it.
        assert [event.operation for event in trail][0] == "insert"
        assert (
            "anonymised_at" in trail[-1].after
            and trail[-1].after["summary"] == db.session.get(Case, case_id).summary
        )


def test_an_anonymised_case_given_new_text_or_details_is_anonymised_again_in_its_turn(app):
    with app.app_context():
        case = _log(contact=cases.Contact(name="Ann Jones", email="ann@example.org"))
        assert cases.erase_family_details(db.session, email="ANN@example.org") == [case.reference]
        assert case.anonymised_at is not None and case.contact is None
        same = {"kind": CaseKind.COMPLAINT, "received_on": case.received_on, "reference": case.reference}
        cases.save_case(db.session, case, cases.CaseDetails(**same, summary=case.summary), TODAY)
        assert case.anonymised_at is not None  # nothing new to forget
        again = cases.CaseDetails(**same, summary="Mrs Jones rang again.")
        cases.save_case(db.session, case, again, TODAY)
        cases.close_case(db.session, case, CaseOutcome.UPHELD, date(2024, 4, 1), TODAY)
        db.session.commit()
        assert sum(cases.anonymise_closed_before(db.session, date(2024, 5, 1))) == 1
        assert "Jones" not in db.session.get(Case, case.id).summary


def test_a_change_that_would_contradict_the_case_s_history_names_its_field_and_changes_nothing(app):
    with app.app_context():
        case = _log()
        cases.record_stage(db.session, case, StageName.STAGE_2, date(2024, 4, 8), None, TODAY)
        db.session.commit()
        for change, field, message in (
            ({"kind": CaseKind.MEDIATION}, "kind", "kind cannot change once a later stage"),
            ({"received_on": date(2024, 4, 9)}, "received_on", "cannot be after a stage started"),
        ):
            details = cases.CaseDetails(
                **{"kind": CaseKind.COMPLAINT, "received_on": date(2024, 3, 1), **change}
            )
            with pytest.raises(cases.CaseError, match=message) as raised:
                cases.save_case(db.session, case, details, TODAY)
            assert raised.value.field == field
        for started, done, field, message in (
            (date(2024, 6, 15), None, "started_on", "start date must be today or in the past"),
            (date(2024, 4, 8), date(2024, 6, 15), "completed_on", "date done must be today or in the past"),
        ):
            with pytest.raises(cases.CaseError, match=message) as raised:
                cases.record_stage(db.session, case, StageName.STAGE_2, started, done, TODAY)
            assert raised.value.field == field
        for closed_on, message in ((None, "Enter the date the case closed"), (date(2024, 6, 15), "today or")):
            with pytest.raises(cases.CaseError, match=message) as raised:
                cases.close_case(db.session, case, CaseOutcome.UPHELD, closed_on, TODAY)
            assert raised.value.field == "closed_on"
        db.session.rollback()
        kept = cases.load_case(db.session, case.id)
        assert (kept.kind, kept.received_on, kept.closed_on) == (CaseKind.COMPLAINT, date(2024, 3, 1), None)
        assert [(s.name, s.started_on, s.completed_on) for s in kept.stages] == [
            (StageName.STAGE_1, date(2024, 3, 1), None),
            (StageName.STAGE_2, date(2024, 4, 8), None),
        ]


def test_a_closed_case_cannot_be_dated_as_received_after_it_closed(app):
    """A case still at its first stage may move its date received, and the stage moves with it; not past
    the day it closed."""
    with app.app_context():
        case = _log()
        cases.close_case(db.session, case, CaseOutcome.UPHELD, date(2024, 3, 20), TODAY)
        db.session.commit()
        later = cases.CaseDetails(kind=CaseKind.COMPLAINT, received_on=date(2024, 3, 21))
        with pytest.raises(cases.CaseError, match="cannot be after the case was closed") as raised:
            cases.save_case(db.session, case, later, TODAY)
        assert raised.value.field == "received_on"
        earlier = cases.CaseDetails(kind=CaseKind.COMPLAINT, received_on=date(2024, 3, 4))
        assert cases.save_case(db.session, case, earlier, TODAY).stages[0].started_on == date(2024, 3, 4)


def test_the_case_list_shows_open_closed_or_overdue_cases_of_a_kind_and_year(app):
    with app.app_context():
        overdue = _log(received=date(2024, 3, 1))  # its first stage was due on 2 April
        recent = _log(received=date(2024, 6, 10))
        closed = _log(received=date(2024, 2, 1))
        cases.close_case(db.session, closed, CaseOutcome.NOT_UPHELD, date(2024, 2, 20), TODAY)
        mediation = _log(kind=CaseKind.MEDIATION, received=date(2023, 11, 1))
        db.session.commit()

        def listed(**filters) -> set[int]:
            found = cases.list_cases(db.session, cases.CaseFilter(**filters), 1, TODAY)
            assert found.total == len(found.items) and (found.page, found.pages) == (1, 1)
            return {case.id for case in found.items}

        assert listed() == {overdue.id, recent.id, closed.id, mediation.id}
        assert listed(state="closed") == {closed.id}
        assert listed(state="open") == {overdue.id, recent.id, mediation.id}
        assert overdue.id in listed(state="overdue") and recent.id not in listed(state="overdue")
        assert listed(kind=CaseKind.MEDIATION) == {mediation.id}
        assert listed(year=2023) == {mediation.id}
        assert listed(kind=CaseKind.COMPLAINT, state="open", year=2024) == {overdue.id, recent.id}

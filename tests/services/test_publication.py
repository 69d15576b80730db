""" "You said, we did": drafted from themes with redacted quotes, approved by a second person, published as
revisions the public reads, withdrawn with a notice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import (
    Action,
    Answer,
    Audience,
    EntryKind,
    EntryStatus,
    Measure,
    Role,
    Theme,
    User,
)
from feedback.services import analysis, publication


@pytest.fixture
def people(app, make_user):
    author_id, _ = make_user(Role.COORDINATOR)
    approver_id, _ = make_user(Role.COORDINATOR)
    return author_id, approver_id


def _details(**changes) -> publication.EntryDetails:
    details = publication.EntryDetails(
        kind=EntryKind.WE_DID,
        audience=Audience.PARENT_CARER,
        title="Clearer letters",
        you_said="Letters were full of jargon.",
        we_did="We rewrote them with the parent carer forum.",
        theme_id=None,
        action_ids=[],
        measure_ids=[],
    )
    for key, value in changes.items():
        setattr(details, key, value)
    return details


def test_a_theme_becomes_a_draft_with_its_figures_and_redacted_quotes_to_approve(app, demo, people):
    author_id, _ = people
    with app.app_context():
        analysis.analyse(db.session)
        ehcp = db.session.scalar(sa.select(Theme).where(Theme.slug == "ehc-plan-process"))
        suggestion = next(s for s in publication.suggestions(db.session, limit=20) if s.theme.id == ehcp.id)
        assert suggestion.comments > 0 and suggestion.period == "January to March 2023"
        entry = publication.draft_from_theme(
            db.session, ehcp, db.session.get(User, author_id), EntryKind.WE_LISTENED
        )
        assert entry.status is EntryStatus.DRAFT and entry.theme is ehcp
        said = f"In January to March 2023, {suggestion.comments} comments were about EHC plan process "
        assert entry.you_said.startswith(said)
        assert entry.quotes and not any(q.approved for q in entry.quotes)
        assert all(q.redacted_text for q in entry.quotes) and all(q.original_text for q in entry.quotes)


def test_nothing_is_published_without_a_second_person(app, people):
    author_id, approver_id = people
    with app.app_context():
        author, approver = db.session.get(User, author_id), db.session.get(User, approver_id)
        entry = publication.save_entry(db.session, None, _details(), author)
        with pytest.raises(publication.EntryError, match="Only an entry in review"):
            publication.approve(db.session, entry, approver)
        publication.send_for_review(db.session, entry)
        with pytest.raises(publication.EntryError, match="Someone other than its author"):
            publication.approve(db.session, entry, author)
        assert publication.public_entries(db.session) == []
        revision = publication.approve(db.session, entry, approver)
        db.session.commit()
        assert entry.status is EntryStatus.PUBLISHED and revision.version == 1
        assert [e.id for e in publication.public_entries(db.session)] == [entry.id]


def test_an_edit_after_publication_waits_for_approval_while_the_public_reads_the_approved_text(app, people):
    author_id, approver_id = people
    with app.app_context():
        author, approver = db.session.get(User, author_id), db.session.get(User, approver_id)
        entry = publication.save_entry(db.session, None, _details(), author)
        publication.send_for_review(db.session, entry)
        publication.approve(db.session, entry, approver)
        publication.save_entry(
            db.session, entry, _details(we_did="Letters now come with a phone number."), author
        )
        assert entry.status is EntryStatus.DRAFT
        assert entry.latest.snapshot["we_did"] == "We rewrote them with the parent carer forum."
        publication.send_for_review(db.session, entry)
        publication.approve(db.session, entry, approver)
        assert [r.version for r in entry.revisions] == [1, 2]
        assert entry.latest.snapshot["we_did"] == "Letters now come with a phone number."


def test_rules_for_entries(app, people):
    author_id, _ = people
    with app.app_context():
        author = db.session.get(User, author_id)
        with pytest.raises(publication.EntryError, match="what we did") as raised:
            publication.save_entry(db.session, None, _details(we_did="  "), author)
        assert raised.value.field == "we_did"
        listened = publication.save_entry(
            db.session, None, _details(kind=EntryKind.WE_LISTENED, we_did=""), author
        )
        assert listened.status is EntryStatus.DRAFT
        with pytest.raises(publication.EntryError, match="Only a published entry"):
            publication.withdraw(db.session, listened, "changed our minds")
        for change, field, message in (
            ({"title": " "}, "title", "Enter a title"),
            ({"you_said": "\n"}, "you_said", "Enter what people said"),
        ):
            with pytest.raises(publication.EntryError, match=message) as raised:
                publication.save_entry(db.session, listened, _details(**change), author)
            assert raised.value.field == field
        publication.send_for_review(db.session, listened)
        with pytest.raises(publication.EntryError, match="Only a draft can be sent for review"):
            publication.send_for_review(db.session, listened)
        assert (listened.title, listened.status) == ("Clearer letters", EntryStatus.IN_REVIEW)


def test_withdrawal_needs_a_reason_and_leaves_the_page_with_a_notice(app, people):
    author_id, approver_id = people
    with app.app_context():
        author = db.session.get(User, author_id)
        entry = publication.save_entry(db.session, None, _details(), author)
        publication.send_for_review(db.session, entry)
        publication.approve(db.session, entry, db.session.get(User, approver_id))
        with pytest.raises(publication.EntryError, match="Say why"):
            publication.withdraw(db.session, entry, "  ")
        publication.withdraw(
            db.session, entry, "The contract ended and letters went back to the old template."
        )
        db.session.commit()
        assert publication.public_entries(db.session) == []
        assert publication.public_entry(db.session, entry.slug).withdrawn_at is not None
        with pytest.raises(publication.EntryError, match="withdrawn entry cannot be changed") as raised:
            publication.save_entry(db.session, entry, _details(title="Back again"), author)
        assert raised.value.field == "title" and entry.title == "Clearer letters"


@pytest.mark.parametrize(
    ("evidence", "sentence"),
    [
        (
            {"n": 86, "percent": 35.0, "from_percent": 6.0, "suppressed": False},
            "Based on 86 responses, 35% agreed, up from 6%.",
        ),
        (
            {"n": 1200, "percent": 40.0, "from_percent": 55.0, "suppressed": False},
            "Based on 1,200 responses, 40% agreed, down from 55%.",
        ),
        (
            {"n": 50, "percent": 35.0, "from_percent": None, "suppressed": False},
            "Based on 50 responses, 35% agreed.",
        ),
        (
            {"n": None, "percent": None, "from_percent": None, "suppressed": True},
            "Based on fewer than 10 responses.",
        ),
        ({"n": None, "percent": None, "from_percent": None, "suppressed": False}, None),
    ],
)
def test_the_evidence_sentence(evidence, sentence):
    assert publication.evidence_sentence(evidence) == sentence


def test_evidence_comes_from_the_first_survey_measure_and_small_numbers_are_suppressed(app, demo, people):
    author_id, _ = people
    with app.app_context():
        analysis.analyse(db.session)
        heard = db.session.scalar(
            sa.select(Measure).where(Measure.text.startswith("Parent carers who agree"))
        )
        action = db.session.scalar(sa.select(Action).where(Action.id == heard.action_id))
        entry = publication.save_entry(
            db.session,
            None,
            _details(measure_ids=[heard.id], action_ids=[action.id]),
            db.session.get(User, author_id),
        )
        latest = [r for r in heard.readings if r.n][-1]
        assert (entry.evidence_n, entry.evidence_percent) == (latest.n, latest.value)
        assert entry.evidence_from_percent == heard.baseline_value
        assert publication.snapshot(entry)["areas"] == [action.area.reference]
        entry.evidence_n = 7
        assert publication.snapshot(entry)["evidence"] == {
            "n": None,
            "percent": None,
            "from_percent": None,
            "suppressed": True,
        }


def test_public_filters_read_the_approved_revision(app, people):
    author_id, approver_id = people
    with app.app_context():
        author, approver = db.session.get(User, author_id), db.session.get(User, approver_id)
        for audience in (Audience.PARENT_CARER, Audience.YOUNG_PERSON):
            entry = publication.save_entry(
                db.session, None, _details(title=f"For {audience.value}", audience=audience), author
            )
            publication.send_for_review(db.session, entry)
            publication.approve(db.session, entry, approver)
        young = publication.public_entries(
            db.session, publication.PublicFilter(audience=Audience.YOUNG_PERSON)
        )
        assert [e.title for e in young] == ["For young_person"]
        assert publication.public_entries(db.session, publication.PublicFilter(area="9")) == []


def test_the_public_theme_filter_reads_the_theme_that_was_approved(app, people):
    author_id, approver_id = people
    with app.app_context():
        author, approver = db.session.get(User, author_id), db.session.get(User, approver_id)
        waits, letters = Theme(slug="waits", name="Waits"), Theme(slug="letters", name="Letters")
        db.session.add_all([waits, letters])
        db.session.flush()
        entry = publication.save_entry(db.session, None, _details(theme_id=letters.id), author)
        publication.send_for_review(db.session, entry)
        publication.approve(db.session, entry, approver)
        publication.save_entry(db.session, entry, _details(theme_id=waits.id), author)  # not approved yet

        def shown(theme: Theme) -> list[str]:
            return [
                e.title
                for e in publication.public_entries(db.session, publication.PublicFilter(theme_id=theme.id))
            ]

        assert shown(letters) == ["Clearer letters"] and shown(waits) == []


def test_quotes_keep_the_original_apart_and_tell_the_approver_what_was_removed(app, demo, people):
    author_id, _ = people
    with app.app_context():
        entry = publication.save_entry(db.session, None, _details(), db.session.get(User, author_id))
        answer = db.session.scalar(sa.select(Answer).where(Answer.text.like("My son Oliver%")).limit(1))
        quote = publication.attach_quote(db.session, entry, answer, places=[])
        assert "Oliver" not in quote.redacted_text and "Oliver" in quote.original_text
        assert ("name", "Oliver") in publication.removed_from(quote, [])
        publication.review_quotes(
            db.session, entry, {quote.id: True}, {quote.id: "My son has waited since March."}
        )
        assert publication.snapshot(entry)["quotes"] == ["My son has waited since March."]

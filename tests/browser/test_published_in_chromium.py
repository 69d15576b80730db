"""The public "You said, we did" pages in Chromium at 360 px: axe-core finds nothing on the list, an
entry with quotes and evidence, a withdrawn entry, the young people's page and the embeddable list."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Audience, EntryKind, Role, User, YouSaidWeDid
from feedback.services import publication, users
from tests.browser.conftest import axe_violations


def _publish(author, approver, **details) -> YouSaidWeDid:
    entry = publication.save_entry(
        db.session,
        None,
        publication.EntryDetails(
            kind=details.get("kind", EntryKind.WE_DID),
            audience=details.get("audience", Audience.PARENT_CARER),
            title=details["title"],
            you_said="Letters were full of jargon and nobody explained what happens next.",
            we_did=details.get("we_did", "We rewrote every letter with the parent carer forum."),
            theme_id=None,
            action_ids=[],
            measure_ids=[],
        ),
        author,
    )
    publication.send_for_review(db.session, entry)
    publication.approve(db.session, entry, approver)
    return entry


def test_axe_finds_no_violations_on_the_published_pages(live_app, live_server, phone, axe_source):
    with live_app.app_context():
        people = []
        for email in ("author@example.org", "approver@example.org"):
            user = db.session.scalar(sa.select(User).where(User.email == email))
            people.append(
                user or users.create_user(db.session, email, Role.COORDINATOR, "a long enough password 42")
            )
        author, approver = people
        letters = _publish(author, approver, title="Clearer letters")
        young = _publish(author, approver, title="Help in school", audience=Audience.YOUNG_PERSON)
        withdrawn = _publish(
            author, approver, title="Evening phone line", kind=EntryKind.WE_LISTENED, we_did=""
        )
        publication.withdraw(db.session, withdrawn, "The evening line closed when its funding ended.")
        slugs = (letters.slug, young.slug, withdrawn.slug)
        db.session.commit()
    page = phone.new_page()
    seen = {}
    for name, path in [
        ("list", "/you-said-we-did"),
        ("list filtered", "/you-said-we-did?audience=young_person"),
        ("entry", f"/you-said-we-did/{slugs[0]}"),
        ("young people", "/you-said-we-did/young-people"),
        ("withdrawn", f"/you-said-we-did/{slugs[2]}"),
        ("embed", "/you-said-we-did/embed"),
    ]:
        page.goto(live_server + path)
        seen[name] = axe_violations(page, axe_source)
    assert {name: found for name, found in seen.items() if found} == {}

"""From a theme to a published, moderated page, through the forms two coordinators use; the public pages,
feed and embed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Answer, EntryQuote, Role, Theme, YouSaidWeDid
from feedback.services import analysis

from ..conftest import PASSWORD, csrf_token_from


def _sign_in_as(client, make_user, role) -> str:
    _, email = make_user(role)
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return email


def test_two_coordinators_take_a_theme_to_a_published_page(app, client, make_user, demo):
    with app.app_context():
        analysis.analyse(db.session)
        theme_id = db.session.scalar(sa.select(Theme.id).where(Theme.slug == "communication"))
    _sign_in_as(client, make_user, Role.COORDINATOR)
    suggestions = client.get("/entries/suggestions").text
    assert "Communication" in suggestions and "negative" in suggestions
    token = csrf_token_from(suggestions)
    drafted = client.post(f"/entries/from-theme/{theme_id}/we_did", data={"csrf_token": token})
    assert drafted.status_code == 302
    with app.app_context():
        entry = db.session.scalar(sa.select(YouSaidWeDid).where(YouSaidWeDid.theme_id == theme_id))
        entry_id, slug = entry.id, entry.slug
        quote_ids = [q.id for q in entry.quotes]
        answer = db.session.scalar(sa.select(Answer).where(Answer.text.like("Please call me back%")).limit(1))
        entry.quotes.append(
            EntryQuote(
                answer_id=answer.id, original_text=answer.text, redacted_text="Please call me back on [phone]"
            )
        )
        db.session.commit()
    edit = client.get(f"/entries/{entry_id}/edit").text
    form = {
        "csrf_token": csrf_token_from(edit),
        "kind": "we_did",
        "audience": "parent_carer",
        "title": "Calls returned within two days",
        "you_said": "Nobody returned your calls.",
        "we_did": "Caseworkers now return calls within two working days.",
        "theme": str(theme_id),
    }
    refused = client.post(f"/entries/{entry_id}/edit", data={**form, "we_did": ""})
    assert refused.status_code == 400 and "Enter what we did" in refused.text
    assert client.post(f"/entries/{entry_id}/edit", data=form).status_code == 302
    page = client.get(f"/entries/{entry_id}").text
    assert "Removed automatically: phone" in page
    token = csrf_token_from(page)
    client.post(
        f"/entries/{entry_id}/quotes", data={"csrf_token": token, f"quote-{quote_ids[0]}-approved": "yes"}
    )
    client.post(f"/entries/{entry_id}/review", data={"csrf_token": token})
    assert "Waiting for someone other than you" in client.get(f"/entries/{entry_id}").text
    refused = client.post(f"/entries/{entry_id}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "Someone other than its author must approve" in refused.text
    assert client.get(f"/you-said-we-did/{slug}").status_code == 404

    _sign_in_as(client, make_user, Role.COORDINATOR)
    token = csrf_token_from(client.get(f"/entries/{entry_id}").text)
    assert client.post(f"/entries/{entry_id}/approve", data={"csrf_token": token}).status_code == 302
    public = client.get(f"/you-said-we-did/{slug}").text
    assert "Calls returned within two days" in public and "within two working days" in public
    with app.app_context():
        shown = db.session.get(EntryQuote, quote_ids[0]).redacted_text
    assert shown.replace("'", "&#39;") in public and "[phone]" not in public  # only the approved quote
    assert "Calls returned within two days" in client.get("/you-said-we-did").text
    feed = ET.fromstring(client.get("/you-said-we-did/feed.atom").data)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Calls returned within two days" in titles
    assert "Calls returned within two days" in client.get("/you-said-we-did/embed").text
    assert "Calls returned within two days" not in client.get("/you-said-we-did/young-people").text

    withdraw = client.get(f"/entries/{entry_id}/withdraw").text
    refused = client.post(
        f"/entries/{entry_id}/withdraw", data={"csrf_token": csrf_token_from(withdraw), "reason": ""}
    )
    assert refused.status_code == 400 and "Say why" in refused.text
    client.post(
        f"/entries/{entry_id}/withdraw",
        data={"csrf_token": csrf_token_from(withdraw), "reason": "The new phone system was switched off."},
    )
    notice = client.get(f"/you-said-we-did/{slug}").text
    assert "We withdrew this on" in notice and "phone system was switched off" in notice
    assert "Calls returned within two days" not in client.get("/you-said-we-did").text


def test_a_quote_is_stored_without_control_characters_and_one_too_long_changes_nothing(
    app, client, make_user, demo
):
    """The quotes are read from the request, not through a form: a NUL pasted in would take PostgreSQL's
    insert down with a 500, and one over the limit used to be cut short without a word."""
    with app.app_context():
        analysis.analyse(db.session)
        theme_id = db.session.scalar(sa.select(Theme.id).where(Theme.slug == "communication"))
    _sign_in_as(client, make_user, Role.COORDINATOR)
    token = csrf_token_from(client.get("/entries/suggestions").text)
    client.post(f"/entries/from-theme/{theme_id}/we_did", data={"csrf_token": token})
    with app.app_context():
        entry = db.session.scalar(sa.select(YouSaidWeDid).where(YouSaidWeDid.theme_id == theme_id))
        entry_id, first, second = entry.id, entry.quotes[0].id, entry.quotes[1].id
        kept = entry.quotes[1].redacted_text

    saved = client.post(
        f"/entries/{entry_id}/quotes",
        data={
            "csrf_token": token,
            f"quote-{first}-text": "Calls were\x00 returned.\x07",
            f"quote-{first}-approved": "yes",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(EntryQuote, first).redacted_text == "Calls were returned."

    refused = client.post(
        f"/entries/{entry_id}/quotes",
        data={"csrf_token": token, f"quote-{first}-text": "Shorter.", f"quote-{second}-text": "x" * 2001},
        follow_redirects=True,
    )
    assert "Quote 2 must be 2,000 characters or fewer. Nothing was saved." in refused.text
    with app.app_context():
        quotes = {
            q.id: q
            for q in db.session.scalars(sa.select(EntryQuote).where(EntryQuote.id.in_([first, second])))
        }
        assert (quotes[first].redacted_text, quotes[first].approved) == ("Calls were returned.", True)
        assert quotes[second].redacted_text == kept


def test_staff_read_entries_but_do_not_approve(app, client, login, demo):
    login(Role.STAFF)
    assert client.get("/entries").status_code == 200
    assert client.get("/entries/suggestions").status_code == 403
    assert client.post("/entries/1/approve").status_code in (400, 403)

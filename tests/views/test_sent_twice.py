"""A form that makes something, sent twice (a second click on Save while the first is being saved, a
post sent again), makes it once, and the second post lands where the first one did. Runs on SQLite, and on
PostgreSQL in CI's second run."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Case, Measure, Question, Role, Survey, Theme, User, YouSaidWeDid
from feedback.models import Reading as ReadingRow
from feedback.services import analysis
from feedback.views.once import ALREADY_SAVED

from ..conftest import PASSWORD


def _key(html: str) -> str:
    match = re.search(r'name="once"[^>]*value="([^"]+)"', html)
    assert match, "no key on the page"
    return match.group(1)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _case(app) -> tuple[str, str, dict, type]:
    data = {"kind": "complaint", "received_on": ["3", "6", "2024"], "summary": "No annual review."}
    return "/cases/new", "/cases/new", data, Case


def _entry(app) -> tuple[str, str, dict, type]:
    data = {
        "kind": "we_did",
        "audience": "parent_carer",
        "title": "Calls returned within two days",
        "you_said": "Nobody returned your calls.",
        "we_did": "Caseworkers now return calls within two working days.",
        "theme": "",
    }
    return "/entries/new", "/entries/new", data, YouSaidWeDid


def _survey(app) -> tuple[str, str, dict, type]:
    data = {"title": "Annual review experience", "slug": "annual-review", "audience": "parent_carer"}
    return "/surveys/new", "/surveys/new", data, Survey


def _question(app) -> tuple[str, str, dict, type]:
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "live-feedback"))
        data = {"key": "travel", "kind": "free_text"}
        for variant in survey.variants:
            data[f"wording_{variant.id}"] = "How was the journey to school?"
        path = f"/surveys/{survey.id}/questions/new"
    return path, path, data, Question


def _theme(app) -> tuple[str, str, dict, type]:
    return "/themes/new", "/themes/new", {"name": "School buses", "keywords": "bus\nminibus"}, Theme


def _user(app) -> tuple[str, str, dict, type]:
    data = {"email": "sam@example.org", "role": "staff", "password": "a long enough password 42"}
    return "/users/new", "/users/new", data, User


def _reading(app) -> tuple[str, str, dict, type]:
    with app.app_context():
        measure_id = db.session.scalar(sa.select(Measure.id).where(Measure.unit == "percent").limit(1))
    path = f"/measures/{measure_id}/readings/new"
    return path, path, {"period_end": ["31", "1", "2021"], "value": "41"}, ReadingRow


def _draft_from_case(app) -> tuple[str, str, dict, type]:
    with app.app_context():
        case_id = db.session.scalar(sa.select(Case.id).where(Case.learning != "").limit(1))
    return f"/cases/{case_id}", f"/cases/{case_id}/draft-entry", {}, YouSaidWeDid


def _draft_from_theme(app) -> tuple[str, str, dict, type]:
    with app.app_context():
        analysis.analyse(db.session)
        theme_id = db.session.scalar(sa.select(Theme.id).where(Theme.slug == "communication"))
    return "/entries/suggestions", f"/entries/from-theme/{theme_id}/we_did", {}, YouSaidWeDid


MAKERS: dict[str, tuple[Role, Callable]] = {
    "case": (Role.STAFF, _case),
    "entry": (Role.COORDINATOR, _entry),
    "survey": (Role.COORDINATOR, _survey),
    "question": (Role.COORDINATOR, _question),
    "theme": (Role.COORDINATOR, _theme),
    "user": (Role.ADMIN, _user),
    "reading": (Role.COORDINATOR, _reading),
    "draft from a case": (Role.COORDINATOR, _draft_from_case),
    "draft from a theme": (Role.COORDINATOR, _draft_from_theme),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_a_form_sent_twice_makes_one_thing_and_lands_where_the_first_did(app, client, login, demo, name):
    role, build = MAKERS[name]
    login(role)
    page, path, data, model = build(app)
    key = _key(client.get(page).text)
    before = _count(app, model)
    first = client.post(path, data={**data, "once": key})
    assert first.status_code == 302, first.text
    second = client.post(path, data={**data, "once": key})
    assert second.status_code == 302 and second.location == first.location
    assert _count(app, model) == before + 1
    assert ALREADY_SAVED in client.get(second.location).text


def test_a_form_refused_for_bad_input_still_makes_its_thing_when_corrected(app, client, login):
    login(Role.STAFF)
    key = _key(client.get("/cases/new").text)
    sent = {"kind": "complaint", "received_on": ["31", "2", "2024"], "once": key}
    refused = client.post("/cases/new", data=sent)
    assert refused.status_code == 400 and _key(refused.text) == key  # the page keeps its key
    saved = client.post("/cases/new", data={**sent, "received_on": ["29", "2", "2024"]})
    assert saved.status_code == 302 and "/cases/" in saved.location
    assert _count(app, Case) == 1


def test_a_refused_draft_leaves_its_key_to_make_the_draft_later(app, client, login, demo):
    login(Role.COORDINATOR)
    with app.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.learning != "").limit(1))
        case_id, learning = case.id, case.learning
        case.learning = ""
        db.session.commit()
    key = _key(client.get("/cases/new").text)  # any key this person was given
    before = _count(app, YouSaidWeDid)
    refused = client.post(f"/cases/{case_id}/draft-entry", data={"once": key}, follow_redirects=True)
    assert "Write what we will change" in refused.text and _count(app, YouSaidWeDid) == before
    with app.app_context():
        db.session.get(Case, case_id).learning = learning
        db.session.commit()
    made = client.post(f"/cases/{case_id}/draft-entry", data={"once": key}, follow_redirects=True)
    assert "entry made" in made.text and _count(app, YouSaidWeDid) == before + 1


def test_two_pages_make_two_things_and_a_page_without_a_key_still_saves(app, client, login):
    login(Role.STAFF)
    data = {"kind": "complaint", "received_on": ["3", "6", "2024"], "summary": "Two families, one day."}
    for _ in range(2):
        assert (
            client.post("/cases/new", data={**data, "once": _key(client.get("/cases/new").text)}).status_code
            == 302
        )
    assert client.post("/cases/new", data=data).status_code == 302  # a page shown before keys were issued
    assert client.post("/cases/new", data={**data, "once": "not a key"}).status_code == 302
    assert _count(app, Case) == 4


def test_only_a_page_that_makes_something_carries_a_key(app, client, login, demo):
    """Saving an edit, or a stage (recorded under its name), twice changes nothing the second time."""
    login(Role.STAFF)
    with app.app_context():
        case_id = db.session.scalar(sa.select(Case.id).limit(1))
    assert 'name="once"' not in client.get(f"/cases/{case_id}/edit").text
    stage = client.get(f"/cases/{case_id}/stage")
    assert stage.status_code == 200 and 'name="once"' not in stage.text
    assert 'name="once"' in client.get("/cases/new").text


def test_two_posts_of_one_form_at_once_make_one_case(app, make_user):
    _, email = make_user(Role.STAFF)
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    key = _key(clients[0].get("/cases/new").text)
    data = {"kind": "mediation", "received_on": ["3", "6", "2024"], "once": key}
    start = threading.Barrier(len(clients))
    answers: list = []

    def send(client) -> None:
        start.wait()
        answers.append(client.post("/cases/new", data=data))

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0].location == answers[1].location
    assert _count(app, Case) == 1

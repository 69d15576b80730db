"""Two people editing the same thing: whoever saves second is shown what the first changed, and nothing of
theirs is lost or saved over it until they save again (views/editing.py)."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import (
    Action,
    AuditEvent,
    CaseStage,
    Measure,
    ProgressStatus,
    Question,
    QuestionWording,
    Role,
    Survey,
    SurveyVariant,
    VariantKind,
)
from feedback.services import audit
from tests.conftest import action_form

SEEN = re.compile(r'<input[^>]*name="seen"[^>]*value="(\d+)"|<input[^>]*value="(\d+)"[^>]*name="seen"')
EDIT_PAGES = [
    "plans.edit_area",
    "plans.edit_action",
    "plans.edit_measure",
    "plans.edit_reading",
    "cases.edit",
    "entries.edit",
    "surveys.edit",
    "surveys.edit_question",
    "themes.edit",
    "surveys.versions",
    "users.edit",
]


def _seen(page: str) -> int:
    found = SEEN.search(page)
    assert found, "the page carries what it was shown"
    return int(found.group(1) or found.group(2))


def _action_form(seen: int | str, **changes) -> dict:
    return action_form(seen=str(seen), **changes)


def _change_as(app, actor: str, model, record_id: int, **values) -> None:
    with app.app_context():
        audit.set_actor(db.session, None, actor)
        record = db.session.get(model, record_id)
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()


def _question_form(page: str) -> dict[str, list[str] | str]:
    """What the question's page sends as it was shown: its inputs, checked or not, and its text boxes."""
    data: dict[str, list[str] | str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        data.setdefault(name, []).append(value)  # type: ignore[union-attr]
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        data[name] = html.unescape(value.strip())
    return data


@pytest.fixture
def action_id(app, demo) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Action.id).where(Action.reference == "1.1.1"))


def test_a_save_over_someone_elses_change_is_refused_with_what_they_changed(app, client, login, action_id):
    login(Role.COORDINATOR)
    seen = _seen(client.get(f"/actions/{action_id}/edit").text)
    _change_as(app, "sam.lee@example.org", Action, action_id, progress_status=ProgressStatus.RED)

    refused = client.post(f"/actions/{action_id}/edit", data=_action_form(seen))

    assert refused.status_code == 400
    assert 'href="#changed-by-others"' in refused.text  # the error summary leads to the list
    notice = refused.text[refused.text.index('id="changed-by-others"') :]
    # In the words of the action's tag, as the plan shows it, not the trail's "green".
    assert (
        "sam.lee@example.org: changed progress status from “Green: On track” to “Red: Major concerns”"
        in notice
    )
    assert "Recruitment at 93%." in refused.text  # what they typed is still in the form
    with app.app_context():
        assert db.session.get(Action, action_id).progress_status is ProgressStatus.RED

    # Saving the page as shown again replaces the other change, knowingly.
    again = client.post(f"/actions/{action_id}/edit", data=_action_form(_seen(refused.text)))
    assert again.status_code == 302
    with app.app_context():
        action = db.session.get(Action, action_id)
        assert action.progress_status is ProgressStatus.AMBER
        assert action.progress_narrative == "Recruitment at 93%."


def test_a_change_to_what_the_form_does_not_edit_is_no_reason_to_refuse(app, client, login, demo):
    """The analyser sets a measure's suggested status while a coordinator has its page open."""
    login(Role.COORDINATOR)
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.text.startswith("Longest wait")))
        measure_id, suggested = measure.id, measure.suggested_status
    page = client.get(f"/measures/{measure_id}/edit")
    data: dict[str, list[str] | str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text):
        data.setdefault(name, []).append(value)  # type: ignore[union-attr]  # a date's three boxes
    data.update(text="Longest wait, in days", unit="days", direction="decrease", readings_from="manual")
    data.update(reported_status="", reported_status_reason="")
    _change_as(app, "system", Measure, measure_id, suggested_status=None if suggested else "red")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) > _seen(page.text)

    saved = client.post(f"/measures/{measure_id}/edit", data=data)

    assert saved.status_code == 302, saved.text
    with app.app_context():
        assert db.session.get(Measure, measure_id).text == "Longest wait, in days"


@pytest.mark.parametrize("seen", ["", "x", "²", "-1", "2147483648", "9" * 30])
def test_a_page_sent_without_what_it_was_shown_is_saved_as_before(app, client, login, action_id, seen):
    """From a page opened before the check existed, or with what no page sends: nothing to compare."""
    login(Role.COORDINATOR)
    assert client.post(f"/actions/{action_id}/edit", data=_action_form(seen)).status_code == 302
    with app.app_context():
        assert db.session.get(Action, action_id).progress_status is ProgressStatus.AMBER


@pytest.mark.parametrize("endpoint", EDIT_PAGES)
def test_every_edit_page_carries_what_it_was_shown(app, client, login, demo, endpoint):
    login(Role.ADMIN if endpoint.startswith("users.") else Role.COORDINATOR)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        address = app.url_map.bind("localhost").build(endpoint, {name: 1 for name in rule.arguments})
    page = client.get(address)
    assert page.status_code == 200, address
    with app.app_context():
        assert _seen(page.text) == db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    # A way back at the top: a form's Back link, to where its Cancel at the foot goes, or a page's
    # breadcrumbs (an account's page, which has several forms).
    back = re.search(r'<a href="([^"]+)" class="govuk-back-link">Back</a>', page.text)
    cancel = re.search(r'<a class="govuk-link" href="([^"]+)">Cancel</a>', page.text)
    if back is None:
        assert "govuk-breadcrumbs" in page.text, address
    else:
        assert cancel and back.group(1) == cancel.group(1), address


def test_a_case_stage_changed_by_a_colleague_is_not_saved_over(app, client, login, demo):
    """A case's stages have a page each; a colleague recording the same stage's completion meanwhile."""
    login(Role.STAFF)
    with app.app_context():
        stage = db.session.scalars(sa.select(CaseStage).where(CaseStage.completed_on.is_(None))).first()
        address = f"/cases/{stage.case_id}/stage?name={stage.name.value}"
        stage_id, started, named = stage.id, stage.started_on, stage.name.label
    seen = _seen(client.get(address).text)
    _change_as(app, "a.colleague@example.org", CaseStage, stage_id, completed_on=started)
    data = {
        "seen": str(seen),
        "name": stage.name.value,
        "started_on": [str(started.day), str(started.month), str(started.year)],
        "completed_on": ["", "", ""],
    }

    refused = client.post(address, data=data)

    assert refused.status_code == 400
    # As the case's history says it: which stage, and the date as people write it.
    said = f"a.colleague@example.org: {named}: changed completed on from nothing to “{started:%-d %B %Y}”"
    assert said in html.unescape(refused.text)
    with app.app_context():
        assert db.session.get(CaseStage, stage_id).completed_on == started


def test_a_question_s_wording_changed_by_someone_else_is_not_saved_over(app, client, login, demo):
    """The question's page edits its wording in every version too, each a record of its own."""
    login(Role.COORDINATOR)
    with app.app_context():
        wording = db.session.scalars(sa.select(QuestionWording).where(QuestionWording.hint == "")).first()
        question = wording.question
        address = f"/surveys/{question.survey_id}/questions/{question.id}/edit"
        wording_id, title = wording.id, wording.variant.title
    data = _question_form(client.get(address).text)
    _change_as(app, "a.colleague@example.org", QuestionWording, wording_id, hint="Think of the last year")

    refused = client.post(address, data=data)

    assert refused.status_code == 400
    assert f"a.colleague@example.org: wording in {title}: changed hint" in html.unescape(refused.text)
    with app.app_context():
        assert db.session.get(QuestionWording, wording_id).hint == "Think of the last year"


def test_the_measures_a_question_counts_towards_are_listed_by_reference(app, client, login, demo):
    """Changed by a colleague, they are named as the plan names them (1.1.1/2), not by row ids."""
    login(Role.COORDINATOR)
    with app.app_context():
        question = db.session.scalars(sa.select(Question).where(Question.measures.any())).first()
        address = f"/surveys/{question.survey_id}/questions/{question.id}/edit"
        question_id, measures = question.id, sorted(question.measures, key=lambda measure: measure.id)
        was = ", ".join(f"{measure.action.reference}/{measure.reference}" for measure in measures)
    data = _question_form(client.get(address).text)
    with app.app_context():
        audit.set_actor(db.session, None, "a.colleague@example.org")
        db.session.get(Question, question_id).measures = []
        db.session.commit()

    refused = client.post(address, data=data)

    assert refused.status_code == 400
    said = f"a.colleague@example.org: changed measures from “{was}” to nothing"
    assert said in html.unescape(refused.text)


def test_a_measure_s_changes_are_listed_as_its_page_says_them(app, client, login, demo):
    login(Role.COORDINATOR)
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.text.startswith("Longest wait")))
        measure_id = measure.id
    page = client.get(f"/measures/{measure_id}/edit").text
    _change_as(app, "a.colleague@example.org", Measure, measure_id, published=True, direction="increase")

    refused = client.post(f"/measures/{measure_id}/edit", data={"seen": str(_seen(page)), "text": "Wait"})

    notice = html.unescape(refused.text[refused.text.index('id="changed-by-others"') :])
    assert "changed direction from “Lower” to “Higher”; published from “not published” to " in notice
    assert "“published as open data”" in notice


def test_a_wording_added_by_someone_else_in_a_new_version_is_not_saved_over(app, client, login, demo):
    """A colleague adds a version in Welsh and words the question in it while the page is open: saving the
    page, which had no box for it, must not put the standard wording in its place."""
    login(Role.COORDINATOR)
    with app.app_context():
        wording = db.session.scalars(sa.select(QuestionWording)).first()
        question = wording.question
        address = f"/surveys/{question.survey_id}/questions/{question.id}/edit"
        survey_id, question_id = question.survey_id, question.id
    data = _question_form(client.get(address).text)
    with app.app_context():
        audit.set_actor(db.session, None, "a.colleague@example.org")
        survey = db.session.get(Survey, survey_id)
        welsh = SurveyVariant(kind=VariantKind.LANGUAGE, language="cy", title="Cymraeg")
        survey.variants.append(welsh)
        db.session.flush()
        db.session.add(QuestionWording(question_id=question_id, variant=welsh, text="Yn Gymraeg", hint=""))
        db.session.commit()

    refused = client.post(address, data=data)

    assert refused.status_code == 400
    assert "a.colleague@example.org: added wording in Cymraeg" in html.unescape(refused.text)
    with app.app_context():
        texts = db.session.scalars(
            sa.select(QuestionWording.text).where(QuestionWording.question_id == question_id)
        ).all()
        assert "Yn Gymraeg" in texts

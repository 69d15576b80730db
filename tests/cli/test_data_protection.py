"""A subject access export holds one person's data and nobody else's; old responses are forgotten but
their trends stay."""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import (
    AccessEvent,
    Agreement,
    Answer,
    Audience,
    AuditEvent,
    Case,
    CaseContact,
    CommentAnalysis,
    EntryKind,
    EntryQuote,
    Question,
    QuestionKind,
    RespondentRole,
    Response,
    ResponseContact,
    Role,
    Survey,
    User,
)
from feedback.services import analysis, audit, data_protection, publication, themes


def _contact_response(email: str, phone: str, comment: str) -> int:
    response = db.session.scalar(sa.select(Response).order_by(Response.id).limit(1).offset(3))
    response.area_of_need, response.district = "Autism", "Warwick"
    db.session.add(ResponseContact(response_id=response.id, name="Jo Bloggs", email=email, phone=phone))
    comment_answer = next((a for a in response.answers if a.text is not None), None)
    if comment_answer is not None:
        comment_answer.text = comment
    return response.id


def test_a_subject_access_export_finds_their_responses_cases_and_nothing_else(app, runner, demo, tmp_path):
    with app.app_context():
        _contact_response("jo@example.org", "07700 900461", "Sarah helped Jo a lot.")
        case = db.session.scalar(sa.select(Case).limit(1))
        case.contact = CaseContact(name="Jo Bloggs", email="JO@example.org", child_name="Sam Bloggs")
        other = db.session.scalar(sa.select(Case).offset(1).limit(1))
        other.contact = CaseContact(name="Someone Else", email="else@example.org")
        db.session.commit()
        reference = case.reference
    out = tmp_path / "sar.json"
    result = runner.invoke(args=["subject-access", "--email", "Jo@Example.org", str(out)])
    assert result.exit_code == 0, result.output
    found = json.loads(out.read_text())
    assert [c["reference"] for c in found["cases"]] == [reference]
    assert found["cases"][0]["contact"]["child_name"] == "Sam Bloggs"
    # The export is recorded as a page showing the details is, before it is written: it lists itself.
    by_command = ("the command line", "a subject access export from the command line")
    for held in (found["cases"][0], found["survey_responses"][0]):
        assert [(seen["who"], seen["where"]) for seen in held["seen_by"]] == [by_command]
    assert (
        len(found["survey_responses"]) == 1
        and found["survey_responses"][0]["profile"]["district"] == "Warwick"
        and found["survey_responses"][0]["replied_at"] is None
    )
    assert "else@example.org" not in out.read_text() and oct(out.stat().st_mode)[-3:] == "600"
    by_phone = tmp_path / "by-phone.json"
    assert runner.invoke(args=["subject-access", "--phone", "07700900461", str(by_phone)]).exit_code == 0
    assert len(json.loads(by_phone.read_text())["survey_responses"]) == 1
    refused = runner.invoke(args=["subject-access", str(tmp_path / "nobody.json")])
    assert refused.exit_code == 1 and "email address or a phone number" in refused.output
    assert not (tmp_path / "nobody.json").exists()
    exists = runner.invoke(args=["subject-access", "--email", "jo@example.org", str(out)])
    assert exists.exit_code == 1 and "already exists" in exists.output
    no_folder = str(tmp_path / "no" / "sar.json")
    nowhere = runner.invoke(args=["subject-access", "--email", "jo@example.org", no_folder])
    assert nowhere.exit_code == 1 and "cannot be written: No such file or directory" in nowhere.output
    with app.app_context():  # the two exports, one by email and one by phone; nothing for those refused
        recorded = db.session.execute(sa.select(AccessEvent.subject_type, AccessEvent.actor_id)).all()
        assert sorted(recorded) == [("case", None), ("response", None), ("response", None)]


def test_old_responses_lose_what_identifies_them_and_keep_their_answers(app, runner, demo):
    with app.app_context():
        response_id = _contact_response("jo@example.org", "07700 900461", "Sarah at Oak Tree helped a lot.")
        db.session.commit()
        agreements = db.session.scalar(
            sa.select(sa.func.count()).select_from(Answer).where(Answer.agreement == Agreement.AGREE)
        )
    with app.app_context():
        old = db.session.scalar(
            sa.select(sa.func.count()).where(Response.submitted_at < datetime(2023, 4, 1, tzinfo=UTC))
        )
    result = runner.invoke(args=["responses", "apply-retention", "--submitted-before", "2023-04-01"])
    assert result.exit_code == 0, result.output
    assert f"names in comments of {old} responses submitted before 1 April 2023." in result.output
    with app.app_context():
        response = db.session.get(Response, response_id)
        assert response.submitted_at < datetime(2023, 4, 1, tzinfo=UTC)
        assert (response.area_of_need, response.district) == (None, None)
        assert response.forgotten_at is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseContact)) == 0
        texts = [a.text for a in response.answers if a.text]
        assert texts and all("Sarah" not in t for t in texts)
        assert agreements == db.session.scalar(
            sa.select(sa.func.count()).select_from(Answer).where(Answer.agreement == Agreement.AGREE)
        )
    again = runner.invoke(args=["responses", "apply-retention", "--submitted-before", "2023-04-01"])
    assert "names in comments of 0 responses" in again.output  # each response is forgotten once
    assert (
        runner.invoke(
            args=["responses", "apply-retention", "--submitted-before", str(date(2999, 1, 1))]
        ).exit_code
        == 1
    )


def _oliver() -> tuple[int, date]:
    """The demo comment that names a child and gives an email address, and a cut-off that forgets it."""
    answer = db.session.scalar(
        sa.select(Answer).where(Answer.text.like("My son Oliver%")).order_by(Answer.id)
    )
    return answer.id, clock.in_uk(answer.response.submitted_at).date() + timedelta(days=1)


def test_a_forgotten_comment_leaves_no_copy_in_the_analysis_or_in_quotes(app, demo, make_user):
    author_id, _ = make_user(Role.COORDINATOR)
    with app.app_context():
        answer_id, cutoff = _oliver()
        analysis.analyse(db.session)
        read = db.session.get(CommentAnalysis, answer_id)
        assert "oliver" in read.tokens.split()
        found = (read.polarity, read.subjectivity, sorted(theme.slug for theme in read.themes))
        details = publication.EntryDetails(
            EntryKind.WE_DID,
            Audience.PARENT_CARER,
            "Assessments",
            "They took too long.",
            "We track them.",
            None,
            [],
            [],
        )
        entry = publication.save_entry(db.session, None, details, db.session.get(User, author_id))
        publication.attach_quote(db.session, entry, db.session.get(Answer, answer_id), places=[])
        db.session.commit()

        assert sum(data_protection.forget_old_responses(db.session, cutoff)) > 0
        read = db.session.get(CommentAnalysis, answer_id)
        assert not {"oliver", "parent.example@example.org"} & {*read.tokens.split(), *read.lemmas.split()}
        # What the analysis found stays, so that the dashboard's history does not change.
        assert (read.polarity, read.subjectivity, sorted(theme.slug for theme in read.themes)) == found
        (quote,) = db.session.scalars(sa.select(EntryQuote))
        assert "Oliver" not in quote.original_text and "example.org" not in quote.original_text
        assert quote.original_text == db.session.get(Answer, answer_id).text


def test_a_comment_forgotten_while_the_analyser_reads_it_is_read_again_as_redacted(app, demo, monkeypatch):
    with app.app_context():
        answer_id, cutoff = _oliver()
        read_comments = themes.read_comments

        def forgotten_meanwhile(*args, **kwargs):
            found = read_comments(*args, **kwargs)
            # The scheduler's other job, on a connection of its own.
            with sa.orm.Session(db.engine) as housekeeping:
                assert sum(data_protection.forget_old_responses(housekeeping, cutoff)) > 0
            return found

        monkeypatch.setattr(themes, "read_comments", forgotten_meanwhile)
        analysis.analyse(db.session)
        assert db.session.get(CommentAnalysis, answer_id) is None  # what it read of it was not kept
        monkeypatch.undo()
        monkeypatch.setattr(themes, "FORGOTTEN_MARGIN", timedelta(0))  # the next run, minutes later
        analysis.analyse(db.session)
        assert "oliver" not in db.session.get(CommentAnalysis, answer_id).tokens.split()


def test_retention_commits_batch_by_batch_and_a_failed_batch_is_left_for_the_next_run(app, demo, monkeypatch):
    def forgotten() -> int:
        return db.session.scalar(sa.select(sa.func.count()).where(Response.forgotten_at.is_not(None)))

    calls = []

    def third_batch_fails():  # each batch's writing asks the time once
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the machine went away")
        return datetime.now(UTC)

    monkeypatch.setattr(data_protection, "utcnow", third_batch_fails)
    with app.app_context():
        batches = data_protection.forget_old_responses(db.session, date(2023, 4, 1), batch_size=100)
        assert [next(batches), next(batches)] == [100, 100]
        with pytest.raises(RuntimeError):
            next(batches)
        assert forgotten() == 200  # the first two batches stay done, the third changed nothing
        db.session.rollback()
        rest = sum(data_protection.forget_old_responses(db.session, date(2023, 4, 1), batch_size=100))
        assert (
            forgotten() == 200 + rest
            and db.session.scalar(sa.select(sa.func.count()).where(Response.forgotten_at.is_(None))) == 0
        )


def test_retention_kept_waiting_part_way_says_how_far_it_got(app, runner, monkeypatch):
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = sqlite3.SQLITE_BUSY

    def busy_after_one_batch(*args, **kwargs):
        yield 500
        raise sa.exc.OperationalError("UPDATE response", {}, locked)

    monkeypatch.setattr(data_protection, "forget_old_responses", busy_after_one_batch)
    result = runner.invoke(args=["responses", "apply-retention"])
    assert result.exit_code == 1
    assert (
        "busy for too long after 500 responses were done; run the command again for the rest" in result.output
    )


def test_erasing_a_familys_details_from_their_cases_keeps_the_cases(app, runner, demo):
    with app.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.closed_on.is_not(None)).limit(1))
        case.contact = CaseContact(name="Jo Bloggs", email="jo@example.org", phone="07700 900461")
        case.summary = "Mrs Bloggs says the plan for Oliver is late."
        other = db.session.scalar(sa.select(Case).offset(1).limit(1))
        other.contact = CaseContact(name="Someone Else", email="else@example.org")
        db.session.commit()
        case_id, reference = case.id, case.reference
    assert runner.invoke(args=["cases", "erase-contact"]).exit_code == 1
    result = runner.invoke(args=["cases", "erase-contact", "--phone", "07700900461"])
    assert result.exit_code == 0 and f"took names out of 1 case: {reference}." in result.output
    with app.app_context():
        erased = db.session.get(Case, case_id)
        assert erased.contact is None and erased.outcome is not None and erased.anonymised_at is not None
        assert "Oliver" not in erased.summary and "plan for" in erased.summary
        trail = db.session.scalars(sa.select(AuditEvent.before).where(AuditEvent.entity_id == case_id))
        assert "Oliver" not in json.dumps(list(trail))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseContact)) == 1


def test_cases_anonymise_works_up_to_the_retention_period_or_a_past_date_given(app, runner, demo):
    with app.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.closed_on.is_not(None)).order_by(Case.closed_on))
        case.contact = CaseContact(name="Jo Bloggs")
        case_id, day_after = case.id, case.closed_on + timedelta(days=1)
        db.session.commit()
    refused = runner.invoke(args=["cases", "anonymise", "--closed-before", "2999-01-01"])
    assert refused.exit_code == 1 and "must not be in the future; nothing was changed" in refused.output
    default = runner.invoke(args=["cases", "anonymise"])  # six years ago: the demo's cases are newer
    assert default.exit_code == 0 and default.output.startswith("Anonymised 0 cases closed before")
    with app.app_context():
        assert db.session.get(Case, case_id).contact is not None
    given = runner.invoke(args=["cases", "anonymise", "--closed-before", f"{day_after}"])
    assert given.exit_code == 0 and f"Anonymised 1 case closed before {day_after:%-d %B %Y}." in given.output
    with app.app_context():
        assert db.session.get(Case, case_id).contact is None


def test_erased_contact_details_leave_no_copy_in_the_sqlite_file(tmp_path):
    """Erasing must not leave the details readable in the database's free space. The test makes a SQLite
    database of its own, in the PostgreSQL run too, because the file is what an erasure has to clean."""
    from feedback import create_app

    path = tmp_path / "erase.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    email, phone, name = "erase.me.please@example.org", "07700 900987", "Wilhelmina Quartermaine"
    with app.app_context():
        db.create_all()
        survey = Survey(slug="s", title="S", audience=Audience.PARENT_CARER)
        response = Response(survey=survey, respondent_role=RespondentRole.PARENT_CARER, idempotency_key="k")
        db.session.add_all([survey, response])
        db.session.flush()
        db.session.add(ResponseContact(response_id=response.id, name=name, email=email, phone=phone))
        db.session.commit()
        with db.engine.connect() as connection:  # everything into the file itself, where it stays
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert email.encode() in path.read_bytes()

        result = app.test_cli_runner().invoke(args=["responses", "erase-contact", "--email", email])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    stored = path.read_bytes()
    for detail in (email, phone, name):
        assert detail.encode() not in stored, detail


def test_a_council_may_have_forgotten_comments_deleted_whole_and_their_themes_stay(app, demo, make_user):
    """FEEDBACK_FORGOTTEN_COMMENTS=delete: redaction finds most names, not all, and housekeeping has no
    approver, so a council may have each comment go whole. Its sentiment and themes stay, even when the
    lexicon is matched again, so that the dashboard's history does not change; choices stay as given."""
    author_id, _ = make_user(Role.COORDINATOR)
    with app.app_context():
        answer_id, cutoff = _oliver()
        analysis.analyse(db.session)
        read = db.session.get(CommentAnalysis, answer_id)
        found = (read.polarity, read.subjectivity, sorted(theme.slug for theme in read.themes))
        assert found[2]  # it has themes to keep
        details = publication.EntryDetails(
            EntryKind.WE_DID, Audience.PARENT_CARER, "Assessments", "Slow.", "We track them.", None, [], []
        )
        entry = publication.save_entry(db.session, None, details, db.session.get(User, author_id))
        publication.attach_quote(db.session, entry, db.session.get(Answer, answer_id), places=[])
        db.session.commit()
        choices = sa.select(Answer.text).join(Question).where(Question.kind == QuestionKind.YES_NO)
        yes_and_no = sorted(db.session.scalars(choices))
        assert yes_and_no
        db.session.commit()

        every_response = clock.today() + timedelta(days=1)
        assert sum(data_protection.forget_old_responses(db.session, every_response, comments="delete")) > 0
        comments = sa.select(Answer.text).join(Question).where(Question.kind == QuestionKind.FREE_TEXT)
        assert set(db.session.scalars(comments)) == {""}
        assert sorted(db.session.scalars(choices)) == yes_and_no
        read = db.session.get(CommentAnalysis, answer_id)
        assert (read.tokens, read.lemmas) == ("", "")
        (quote,) = db.session.scalars(sa.select(EntryQuote))
        assert quote.original_text == quote.redacted_text  # only what the approver let through
        assert "Oliver" not in quote.original_text

        analysis.analyse(db.session, full=True)  # every comment matched against the lexicon again
        db.session.expire_all()
        read = db.session.get(CommentAnalysis, answer_id)
        assert (read.polarity, read.subjectivity, sorted(theme.slug for theme in read.themes)) == found


def test_the_commands_delete_comments_whole_when_the_council_says_so(app, runner, demo):
    app.config["FORGOTTEN_COMMENTS"] = "delete"
    with app.app_context():
        response_id = _contact_response("jo@example.org", "07700 900461", "Sarah at Oak Tree helped a lot.")
        db.session.commit()
        answer_id, cutoff = _oliver()
    erased = runner.invoke(args=["responses", "erase-contact", "--email", "jo@example.org"])
    assert "Erased the contact details, profile and comments of 1 response;" in erased.output
    forgotten = runner.invoke(args=["responses", "apply-retention", "--submitted-before", str(cutoff)])
    assert "Forgot the contact details, profile and comments of" in forgotten.output
    with app.app_context():
        comments = [a.text for a in db.session.get(Response, response_id).answers if a.text is not None]
        assert comments == [""]
        assert db.session.get(Answer, answer_id).text == ""


def test_comments_redacted_before_a_council_chose_deletion_are_deleted_by_the_next_run(app, demo):
    with app.app_context():
        answer_id, cutoff = _oliver()
        db.session.commit()
        assert sum(data_protection.forget_old_responses(db.session, cutoff)) > 0
        assert db.session.get(Answer, answer_id).text not in ("", None)  # redacted, and kept
        db.session.commit()
        deleted = sum(data_protection.forget_old_responses(db.session, cutoff, comments="delete"))
        assert deleted > 0
        assert db.session.get(Answer, answer_id).text == ""
        db.session.commit()
        assert sum(data_protection.forget_old_responses(db.session, cutoff, comments="delete")) == 0
        assert sum(data_protection.forget_old_responses(db.session, cutoff)) == 0


def test_a_run_reads_each_response_once_even_if_its_batch_changed_nothing(app, demo, monkeypatch):
    """A response whose writing left it due (a text changed meanwhile, say) is left for the next run, not
    read again and again by this one."""
    with app.app_context():
        _, cutoff = _oliver()
        due = db.session.scalar(
            sa.select(sa.func.count()).where(Response.submitted_at < clock.day_starts(cutoff))
        )
        db.session.commit()
        monkeypatch.setattr(data_protection, "_forget", lambda *args: None)
        batches = data_protection.forget_old_responses(db.session, cutoff, batch_size=50)
        # At most ``due`` batches are taken: a run that read the same responses again would count them again.
        assert sum(itertools.islice(batches, due)) == due


def test_a_subject_access_export_holds_their_staff_account_with_what_it_changed_and_a_cases_stages(
    app, demo, make_user
):
    """A member of staff may also be a parent who complained: both are theirs to see."""
    user_id, email = make_user(Role.COORDINATOR, email="kim.officer@example.org")
    with app.app_context():
        audit.set_actor(db.session, db.session.get(User, user_id))
        case = db.session.scalar(sa.select(Case).where(Case.stages.any()).order_by(Case.id).limit(1))
        case.summary = "Changed by the officer."
        case.contact = CaseContact(name="Kim Officer", email=email)
        db.session.commit()
        stages = [(stage.name.label, stage.started_on.isoformat()) for stage in case.stages]
        found = data_protection.subject_access(db.session, email=email)
    account = found["staff_account"]
    assert account["email"] == email and account["role"] == "coordinator"
    assert ("update", "Case", case.id) in [
        (c["operation"], c["what"], c["id"]) for c in account["changes_made"]
    ]
    assert [(s["stage"], s["started_on"]) for s in found["cases"][0]["stages"]] == stages
    assert stages and all(label[0].isupper() and "_" not in label for label, _ in stages)
    with app.app_context():  # somebody else's address finds no account
        assert data_protection.subject_access(db.session, email="else@example.org")["staff_account"] is None

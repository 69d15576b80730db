"""Responses from a Microsoft Forms export: matched by question text, all or nothing, never twice."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import Agreement, Answer, Channel, Response, Survey
from feedback.services import plan_import, response_import, surveys

HEADER = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "I feel heard and understood by the services supporting my family.",
    "People treat me with respect.",  # the young-person wording of "valued"
    "Tell us more: what is going well, and what could be better?",
    "Which school?",
]
ROWS = [
    [
        "1",
        "9/30/22 14:01:00",
        "9/30/22 14:05:00",
        "anonymous",
        "",
        "Agree",
        "Strongly disagree",
        "Good support",
        "Oak",
    ],
    [
        "2",
        "9/30/22 15:00:00",
        "9/30/22 15:04:10",
        "parent@example.org",
        "A Parent",
        "Don't know",
        "",
        "",
        "Elm",
    ],
    [
        "3",
        "10/1/22 09:00:00",
        "10/1/22 09:02:00",
        "anonymous",
        "",
        "Neither agree nor disagree",
        "Agree",
        "",
        "",
    ],
]


def write_csv(path: Path, header=HEADER, rows=ROWS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def imported(app) -> list[Response]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Response)
                .where(Response.channel == Channel.IMPORT)
                .order_by(Response.idempotency_key)
            )
        )


def test_an_export_imports_once_matched_by_wording(app, runner, demo, tmp_path):
    path = write_csv(tmp_path / "forms.csv")
    result = runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "Imported 3 responses" in result.output
        and "-> heard" in result.output
        and "-> valued" in result.output
    )
    again = runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    assert "Imported 0 responses" in again.output and "3 were already there" in again.output
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Response).where(Response.channel == Channel.IMPORT).order_by(Response.idempotency_key)
        ).all()
        assert len(rows) == 3
        first = {a.question.key: a for a in rows[0].answers}
        assert (
            first["heard"].agreement is Agreement.AGREE
            and first["valued"].agreement is Agreement.STRONGLY_DISAGREE
        )
        assert first["comment"].text == "Good support"
        # The export's 14:05 is the UK clock's: British Summer Time in September, an hour ahead of UTC.
        assert rows[0].submitted_at.isoformat() == "2022-09-30T13:05:00+00:00"
        everything = repr([(a.text, a.choices) for r in rows for a in r.answers])
        assert "parent@example.org" not in everything and "A Parent" not in everything  # never imported


def _rename_live_feedback(app, slug: str) -> None:
    """As a coordinator may while the survey is a draft (the demo's is open, so straight in the table)."""
    with app.app_context():
        db.session.execute(sa.update(Survey).where(Survey.slug == "live-feedback").values(slug=slug))
        db.session.commit()


def test_each_row_of_a_survey_with_a_long_address_imports_once(app, runner, demo, tmp_path):
    """A row's key had the survey's address in it, cut to the column's 64 characters: the keys of a survey
    whose address is long were one key, and the first import failed on it."""
    slug = "how-did-we-do-for-your-family-this-year-a-survey-of-the-local-offer"
    _rename_live_feedback(app, slug)
    long_id = "response-" + "0" * 60
    rows = [[str(n), *ROWS[0][1:]] for n in range(1, 13)] + [
        [long_id + "1", *ROWS[1][1:]],
        [long_id + "2", *ROWS[2][1:]],
    ]
    path = write_csv(tmp_path / "forms.csv", rows=rows)
    first = runner.invoke(args=["responses", "import", slug, str(path)])
    assert "Imported 14 responses" in first.output, first.output
    again = runner.invoke(args=["responses", "import", slug, str(path)])
    assert "Imported 0 responses" in again.output and "14 were already there" in again.output
    keys = [response.idempotency_key for response in imported(app)]
    assert len(set(keys)) == 14 and max(map(len, keys)) <= 64


def test_an_export_is_recognised_after_the_survey_s_address_changes(app, runner, demo, tmp_path):
    path = write_csv(tmp_path / "forms.csv")
    assert (
        "Imported 3 responses"
        in runner.invoke(args=["responses", "import", "live-feedback", str(path)]).output
    )
    _rename_live_feedback(app, "family-feedback")
    again = runner.invoke(args=["responses", "import", "family-feedback", str(path)])
    assert "Imported 0 responses" in again.output and "3 were already there" in again.output


def test_rows_imported_under_the_keys_of_earlier_versions_are_not_imported_again(app, runner, demo, tmp_path):
    """Imports before December 2026 keyed a row by the survey's address and its ID."""
    path = write_csv(tmp_path / "forms.csv")
    runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    with app.app_context():
        for response in db.session.scalars(sa.select(Response).where(Response.channel == Channel.IMPORT)):
            response.idempotency_key = response.idempotency_key.replace("import-", "import-live-feedback-")
        db.session.commit()
    again = runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    assert "Imported 0 responses" in again.output and "3 were already there" in again.output
    assert response_import.legacy_import_key("x" * 60, "1") is None  # cut short, it may be another row's


def test_an_import_is_not_refused_because_a_family_saved_while_it_read_the_file(
    app, runner, demo, tmp_path, monkeypatch
):
    """On SQLite the command takes the write lock before it reads: a family sending answers while it
    reads and checks the export waits for it, where before the import was refused at its first write
    with "database is locked". Both are stored."""
    path = write_csv(tmp_path / "forms.csv")
    sent: list[int] = []
    family = threading.Thread(
        target=lambda: sent.append(
            app.test_client()
            .post("/s/live-feedback/responses", json={"idempotency_key": "sent-during-the-import"})
            .status_code
        ),
        daemon=True,
    )
    real = response_import.import_responses

    def with_a_family_sending_answers(*args, **kwargs):
        family.start()
        family.join(timeout=1)  # on PostgreSQL it is stored now; on SQLite it waits for the import
        return real(*args, **kwargs)

    monkeypatch.setattr(response_import, "import_responses", with_a_family_sending_answers)
    result = runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    assert result.exit_code == 0 and "Imported 3 responses" in result.output, result.output
    family.join(timeout=15)
    assert sent == [201] and len(imported(app)) == 3


def test_a_mapping_names_columns_the_wording_does_not_match(app, runner, demo, tmp_path):
    header = HEADER[:5] + ["Q1", "Q2", "Q3", "Which school?"]
    path = write_csv(tmp_path / "forms.csv", header=header)
    result = runner.invoke(
        args=[
            "responses",
            "import",
            "live-feedback",
            str(path),
            "--map",
            "Q1=heard",
            "--map",
            "Q2=valued",
            "--map",
            "Q3=comment",
        ]
    )
    assert result.exit_code == 0, result.output
    assert len(imported(app)) == 3


def test_every_bad_row_is_named_and_nothing_is_imported(app, runner, demo, tmp_path):
    rows = [list(row) for row in ROWS]
    rows[0][5] = "Sort of"
    rows[1][2] = "yesterday"
    rows[2][0] = "1"  # a repeated ID
    path = write_csv(tmp_path / "bad.csv", rows=rows)
    result = runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    assert result.exit_code == 1
    output = result.output
    assert (
        "row 2, column i feel heard and understood by the services supporting my family.: "
        "must be Strongly agree" in output
    )
    assert "row 3, column completion time: must be a date and time" in output
    assert "row 4, column ID: repeats row 2" in output
    assert "3 problem(s) found" in output
    assert imported(app) == []


def test_the_file_and_the_survey_must_fit(app, runner, demo, tmp_path):
    no_id = write_csv(tmp_path / "no-id.csv", header=["Respondent"] + HEADER[1:])
    result = runner.invoke(args=["responses", "import", "live-feedback", str(no_id)])
    assert result.exit_code == 1 and "ID column is missing" in result.output
    result = runner.invoke(
        args=[
            "responses",
            "import",
            "live-feedback",
            str(write_csv(tmp_path / "f.csv")),
            "--map",
            "Which school?=school",
        ]
    )
    assert "which school?: is mapped to school, which is not a question of this survey" in result.output
    result = runner.invoke(args=["responses", "import", "no-such-survey", str(no_id)])
    assert result.exit_code == 1 and "no survey with the web address /s/no-such-survey" in result.output
    assert imported(app) == []


def test_an_export_longer_than_the_limit_is_refused_with_what_to_do(app, runner, demo, tmp_path, monkeypatch):
    monkeypatch.setattr(plan_import, "MAX_ROWS", len(ROWS) - 1)
    result = runner.invoke(args=["responses", "import", "live-feedback", str(write_csv(tmp_path / "f.csv"))])
    assert result.exit_code == 1
    assert f"file: has more than {len(ROWS) - 1} rows: split it into files of {len(ROWS) - 1} or fewer" in (
        result.output
    )
    assert imported(app) == []


def test_xlsx_exports_work_too(app, runner, demo, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    book.save(tmp_path / "forms.xlsx")
    result = runner.invoke(args=["responses", "import", "live-feedback", str(tmp_path / "forms.xlsx")])
    assert result.exit_code == 0, result.output
    assert len(imported(app)) == 3


def test_a_csv_saved_by_excel_on_windows_imports_as_typed(app, runner, demo, tmp_path):
    """Excel's "CSV (Comma delimited)" is Windows-1252: a curly apostrophe there is not UTF-8."""
    rows = [ROWS[0][:7] + ["Don’t change the £5 bus pass", "Oak"]]
    path = tmp_path / "forms.csv"
    with open(path, "w", newline="", encoding="cp1252") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    result = runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    assert result.exit_code == 0, result.output
    (response,) = imported(app)
    with app.app_context():
        comment = db.session.scalar(
            sa.select(Answer.text).where(Answer.response_id == response.id, Answer.text.is_not(None))
        )
    assert comment == "Don’t change the £5 bus pass"


def test_a_csv_that_is_not_text_is_refused_with_what_to_do(app, runner, demo, tmp_path):
    path = tmp_path / "forms.csv"
    path.write_bytes(b"ID,Name\n1,\x81\x8d\x90\n")  # bytes no text encoding Excel writes has
    result = runner.invoke(args=["responses", "import", "live-feedback", str(path)])
    assert result.exit_code == 1
    assert 'is not text that can be read: save it from Excel as "CSV UTF-8", or as .xlsx' in result.output
    assert imported(app) == []


def import_times(runner, tmp_path, times: list[str]):
    rows = [[str(n), "", when, "anonymous", "", "Agree", "", "", ""] for n, when in enumerate(times, 1)]
    path = write_csv(tmp_path / "times.csv", rows=rows)
    return runner.invoke(args=["responses", "import", "live-feedback", str(path)])


def submitted_on(app) -> list[str]:
    with app.app_context():
        return [r.submitted_at.astimezone(clock.UK).strftime("%d %b %Y %H:%M") for r in imported(app)]


def test_a_file_saved_by_excel_in_the_us_is_read_month_first(app, runner, demo, tmp_path):
    """One row that can only be month first (9/30) says how the whole file is written: 3/4/2022 in it is
    the 4th of March, not the 3rd of April."""
    result = import_times(runner, tmp_path, ["3/4/2022 10:00", "9/30/2022 2:05 PM", "10/1/2022 09:02"])
    assert result.exit_code == 0, result.output
    assert submitted_on(app) == ["04 Mar 2022 10:00", "30 Sep 2022 14:05", "01 Oct 2022 09:02"]


def test_a_file_saved_by_excel_in_the_uk_is_read_day_first(app, runner, demo, tmp_path):
    result = import_times(runner, tmp_path, ["03/04/2022 10:00", "30/09/2022 14:05:30"])
    assert result.exit_code == 0, result.output
    assert submitted_on(app) == ["03 Apr 2022 10:00", "30 Sep 2022 14:05"]


def test_dates_written_both_ways_round_in_one_file_are_refused(app, runner, demo, tmp_path):
    result = import_times(runner, tmp_path, ["30/09/2022 14:05", "9/30/2022 14:05", "9/30/2022 25:00"])
    assert result.exit_code == 1
    assert (
        "row 3, column completion time: '9/30/2022 14:05' is not a date with the day first, as row 2 "
        "writes its date: every date in one file must be the same way round" in result.output
    )
    assert "row 4, column completion time:" in result.output
    assert imported(app) == []


def test_a_time_that_is_not_a_time_of_day_is_refused(app, runner, demo, tmp_path):
    result = import_times(runner, tmp_path, ["30/09/2022 13:05 PM", "30/09/2022 24:00"])
    assert "row 2, column completion time: '30/09/2022 13:05 PM' is not a time of day" in result.output
    assert "row 3, column completion time: '30/09/2022 24:00' is not a time of day" in result.output
    assert imported(app) == []


def _survey_of(app, slug: str, questions: list[tuple[str, str, str, list[str]]]) -> None:
    """A survey at /s/``slug`` with each (key, kind, wording, choices) as a question."""
    with app.app_context():
        survey = surveys.save_survey(
            db.session, None, title=slug.capitalize(), slug=slug, audience="parent_carer", anonymous=True,
            consent_text="",
        )  # fmt: skip
        variant = survey.variants[0].id
        for key, kind, wording, choices in questions:
            surveys.save_question(
                db.session, survey, None, key=key, kind=kind, required=False, choices=choices,
                measure_ids=[], wordings={variant: (wording, "")},
            )  # fmt: skip
        db.session.commit()


def test_a_number_that_is_not_finite_is_refused(app, runner, demo, tmp_path):
    """float() reads "nan" and "1e999" as numbers: nobody typed them as an answer, a NaN is stored as no
    value at all, and an infinity would make every average of the question one."""
    _survey_of(app, "waits", [("weeks", "number", "How many weeks did you wait?", [])])
    header = HEADER[:5] + ["How many weeks did you wait?"]
    answers = ["12", "nan", "1e999", "-inf"]
    rows = [[str(n), *ROWS[0][1:5], answer] for n, answer in enumerate(answers, 1)]
    path = write_csv(tmp_path / "waits.csv", header, rows)
    result = runner.invoke(args=["responses", "import", "waits", str(path)])
    assert result.exit_code == 1, result.output
    for row in (3, 4, 5):
        assert f"row {row}, column how many weeks did you wait?: must be a number" in result.output
    assert imported(app) == []


KINDS = [
    ("seen", "yes_no", "Have you seen the Local Offer?", []),
    ("stars", "rating", "How would you rate the Local Offer?", []),
    ("weeks", "number", "How many weeks did you wait?", []),
    ("support", "single_choice", "Which support did you use most?", ["Speech therapy", "Transport"]),
    ("help", "multiple_choice", "Which help did you get?", ["A key worker", "Respite", "Advice"]),
]


def _import_kinds(app, runner, tmp_path: Path, rows: list[list[str]]):
    """Import ``rows`` (Forms' five columns, then an answer to each of KINDS) into a survey of KINDS."""
    _survey_of(app, "kinds", KINDS)
    header = HEADER[:5] + [wording for _, _, wording, _ in KINDS]
    return runner.invoke(
        args=["responses", "import", "kinds", str(write_csv(tmp_path / "k.csv", header, rows))]
    )


def test_each_kind_of_question_imports_as_microsoft_forms_exports_it(app, runner, demo, tmp_path):
    """Forms writes a choice as its label, and several as labels each ended by a semicolon."""
    rows = [
        [*ROWS[0][:5], "Yes", "4", "12.5", "Transport", "A key worker;Advice;"],
        ["2", *ROWS[0][1:5], "no", "1", "0", "speech therapy", "Respite"],
    ]
    result = _import_kinds(app, runner, tmp_path, rows)
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = [
            {a.question.key: (a.text, a.number, a.choices) for a in response.answers}
            for response in db.session.scalars(
                sa.select(Response).where(Response.channel == Channel.IMPORT).order_by(Response.id)
            )
        ]
    assert stored == [
        {
            "seen": ("yes", None, None),
            "stars": (None, 4.0, None),
            "weeks": (None, 12.5, None),
            "support": ("2", None, None),
            "help": (None, None, ["1", "3"]),
        },
        {
            "seen": ("no", None, None),
            "stars": (None, 1.0, None),
            "weeks": (None, 0.0, None),
            "support": ("1", None, None),
            "help": (None, None, ["2"]),
        },
    ]


def test_an_answer_that_is_not_one_its_question_takes_is_named(app, runner, demo, tmp_path):
    rows = [
        [*ROWS[0][:5], "Maybe", "6", "twelve", "Transport;Speech therapy;", "Advice;Swimming;"],
        ["2", *ROWS[0][1:5], "Yes", "0", "3", "Taxi", "Respite"],
    ]
    result = _import_kinds(app, runner, tmp_path, rows)
    assert result.exit_code == 1
    for problem in (
        "row 2, column have you seen the local offer?: must be Yes or No",
        "row 2, column how would you rate the local offer?: must be a rating from 1 to 5",
        "row 2, column how many weeks did you wait?: must be a number",
        "row 2, column which support did you use most?: must be exactly one choice",
        "row 2, column which help did you get?: 'Swimming' is not one of the question's choices",
        "row 3, column how would you rate the local offer?: must be a rating from 1 to 5",
        "row 3, column which support did you use most?: 'Taxi' is not one of the question's choices",
    ):
        assert problem in result.output
    assert "7 problem(s) found" in result.output
    assert imported(app) == []

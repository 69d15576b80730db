"""Comments read once and stored; an edited lexicon matched again without parsing; candidate themes;
theme tallies that count what every comment counts; readings counted incrementally give what a full count
gives."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from feedback import clock
from feedback.extensions import db
from feedback.models import (
    AnalysisRun,
    Answer,
    CommentAnalysis,
    Measure,
    NounChunk,
    Question,
    QuestionKind,
    Reading,
    ReadingSource,
    Response,
    RunStatus,
    Theme,
    ThemeTally,
)
from feedback.models.response import comment_theme
from feedback.services import analysis, demo, themes


def _count(model_or_table) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model_or_table))


def _free_text_answers() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .join(Question)
        .where(Question.kind == QuestionKind.FREE_TEXT, Answer.text.is_not(None))
    )


def _themes_of(text: str) -> set[str]:
    rows = db.session.execute(
        sa.select(Theme.slug)
        .join(comment_theme, comment_theme.c.theme_id == Theme.id)
        .join(Answer, Answer.id == comment_theme.c.answer_id)
        .where(Answer.text == text)
    ).all()
    return {slug for (slug,) in rows}


def _last_run() -> AnalysisRun:
    return db.session.scalar(sa.select(AnalysisRun).order_by(AnalysisRun.id.desc()).limit(1))


def test_every_comment_is_read_once_and_a_run_with_nothing_new_reads_none(app, demo, monkeypatch):
    with app.app_context():
        analysis.analyse(db.session)
        run = _last_run()
        assert run.status is RunStatus.SUCCEEDED
        assert run.comments_analysed == _free_text_answers() == _count(CommentAnalysis) > 100
        assert "waiting-times" in _themes_of(
            "Still waiting for a decision after 30 weeks. It feels like nobody is in charge."
        )

        def no_text_work(text):
            raise AssertionError("a run with nothing new parsed a comment")

        monkeypatch.setattr(themes, "read_comment", no_text_work)
        analysis.analyse(db.session)
        again = _last_run()
        assert again.status is RunStatus.SUCCEEDED, again.error
        assert (again.comments_analysed, again.comments_rethemed, again.readings_written) == (0, 0, 0)


def test_new_responses_are_read_on_the_next_run(app, demo):
    with app.app_context():
        analysis.analyse(db.session)
        before = _count(CommentAnalysis)
        demo_module_add(db.session, 40)
        analysis.analyse(db.session)
        run = _last_run()
        assert run.comments_analysed == _count(CommentAnalysis) - before > 0
        assert _count(CommentAnalysis) == _free_text_answers()


def demo_module_add(session, n, window=None):
    demo.add_synthetic_responses(session, n, seed=7, window=window)
    session.commit()


def test_an_edited_lexicon_is_matched_again_from_stored_lemmas(app, demo, monkeypatch):
    text = "The monthly newsletter and webinars have really helped me understand what is going on."
    with app.app_context():
        analysis.analyse(db.session)
        assert "communication" not in _themes_of(text)
        communication = db.session.scalar(sa.select(Theme).where(Theme.slug == "communication"))
        themes.update_theme(
            db.session, communication, name="Communication", keywords=communication.keywords + "\nnewsletter"
        )
        db.session.commit()
        monkeypatch.setattr(themes, "read_comment", lambda t: pytest.fail("parsed again"))
        analysis.analyse(db.session)
        run = _last_run()
        assert run.status is RunStatus.SUCCEEDED, run.error
        assert run.comments_rethemed == _count(CommentAnalysis) and run.comments_analysed == 0
        assert "communication" in _themes_of(text)


def test_frequent_unmatched_phrases_are_offered_and_a_dismissed_one_never_again(app, demo):
    with app.app_context():
        analysis.analyse(db.session)
        candidates = db.session.scalars(sa.select(Theme).where(Theme.candidate.is_(True))).all()
        assert 0 < len(candidates) <= themes.CANDIDATES_OFFERED
        lexicon, _ = themes.load_lexicon(db.session)
        assert not any(lexicon.matches_phrase(c.keywords) for c in candidates)
        dismissed = candidates[0]
        themes.dismiss_candidate(db.session, dismissed)
        db.session.commit()
        demo_module_add(db.session, 30)
        analysis.analyse(db.session, full=True)
        offered = db.session.scalars(sa.select(Theme).where(Theme.keywords == dismissed.keywords)).all()
        assert [t.id for t in offered] == [dismissed.id] and offered[0].dismissed
        assert (
            len(
                db.session.scalars(
                    sa.select(Theme).where(Theme.candidate.is_(True), Theme.dismissed.is_(False))
                ).all()
            )
            == themes.CANDIDATES_OFFERED
        )


def test_an_accepted_candidate_becomes_a_theme_comments_are_matched_to(app, demo):
    with app.app_context():
        analysis.analyse(db.session)
        candidate = db.session.scalar(
            sa.select(Theme).where(Theme.candidate.is_(True)).order_by(Theme.id).limit(1)
        )
        text = db.session.scalar(
            sa.select(Answer.text).where(Answer.text.ilike(f"%{candidate.keywords}%")).limit(1)
        )
        assert candidate.slug not in _themes_of(text)
        themes.accept_candidate(db.session, candidate)
        db.session.commit()
        analysis.analyse(db.session)
        assert candidate.slug in _themes_of(text)


def test_a_phrase_too_long_for_a_themes_name_is_not_offered(app, demo):
    """A noun phrase is counted up to 200 characters, a theme's name holds 120: offered, one such phrase
    (a long run of letters pasted into a few comments will do) failed every analysis run on PostgreSQL."""
    long_phrase = "paddling " + "z" * 150
    with app.app_context():
        db.session.add_all(
            [
                NounChunk(phrase=long_phrase, comments=1000),
                NounChunk(phrase="paddling pool", comments=999),
            ]
        )
        db.session.commit()
        lexicon, _ = themes.load_lexicon(db.session)
        assert themes.offer_candidates(db.session, lexicon) >= 1
        db.session.commit()
        offered = set(db.session.scalars(sa.select(Theme.keywords).where(Theme.candidate.is_(True))))
        assert "paddling pool" in offered and long_phrase not in offered


def test_quotes_are_redacted(app, demo):
    with app.app_context():
        analysis.analyse(db.session)
        ehcp = db.session.scalar(sa.select(Theme).where(Theme.slug == "ehc-plan-process"))
        quotes = themes.quotes(db.session, ehcp, limit=50)
        texts = " ".join(q.text for q in quotes)
        assert quotes and "Oliver" not in texts and "@example.org" not in texts
        assert any(q.changed for q in quotes)


def test_lexicon_rules_are_enforced(app, demo):
    with app.app_context():
        theme = db.session.scalar(sa.select(Theme).where(Theme.slug == "transport"))
        with pytest.raises(themes.ThemeError, match="at least one"):
            themes.update_theme(db.session, theme, name="Transport", keywords=" \n ; ")
        with pytest.raises(themes.ThemeError, match="already called"):
            themes.update_theme(db.session, theme, name="waiting TIMES", keywords="bus")
        with pytest.raises(themes.ThemeError, match="Only a candidate"):
            themes.dismiss_candidate(db.session, theme)


def test_incremental_readings_equal_a_full_count(app, demo):
    def readings() -> dict:
        rows = db.session.execute(
            sa.select(Measure.id, Reading.period_end, Reading.value, Reading.n)
            .join(Reading)
            .where(Reading.source == ReadingSource.ANALYSIS)
        ).all()
        return {(m, end): (value, n) for m, end, value, n in rows}

    with app.app_context():
        analysis.analyse(db.session, as_of=date(2023, 4, 15))
        march = (datetime(2023, 3, 1, tzinfo=UTC), datetime(2023, 3, 31, tzinfo=UTC))
        demo_module_add(db.session, 300, window=march)
        before = readings()
        analysis.analyse(db.session, as_of=date(2023, 4, 15))
        incremental = readings()
        assert _last_run().readings_written > 0
        changed = {end for (_, end), v in incremental.items() if before.get((_, end)) != v}
        assert changed == {date(2023, 3, 31)}
        analysis.analyse(db.session, as_of=date(2023, 4, 15), full=True)
        assert readings() == incremental


def _every_comment_counted() -> dict[tuple[str, int], tuple[int, int, int, float]]:
    """The oracle: (month, theme id, or 0 for every analysed comment) -> comments, negative, positive and
    the polarities' sum, counted in Python from every comment's analysis and themes."""
    themed: dict[int, list[int]] = {}
    for answer_id, theme_id in db.session.execute(sa.select(comment_theme)).all():
        themed.setdefault(answer_id, []).append(theme_id)
    counted: Counter = Counter()
    analysed = db.session.execute(
        sa.select(CommentAnalysis.answer_id, CommentAnalysis.polarity, Response.submitted_at)
        .join(Answer, Answer.id == CommentAnalysis.answer_id)
        .join(Response, Response.id == Answer.response_id)
    ).all()
    for answer_id, polarity, submitted_at in analysed:
        month = clock.in_uk(submitted_at).strftime("%Y-%m")
        for theme_id in [0, *themed.get(answer_id, [])]:
            counted[month, theme_id, "comments"] += 1
            counted[month, theme_id, "negative"] += polarity <= -0.05
            counted[month, theme_id, "positive"] += polarity >= 0.1
            counted[month, theme_id, "polarity_sum"] += polarity
    keys = {(month, theme_id) for month, theme_id, _ in counted}
    return {
        key: tuple(counted[(*key, what)] for what in ("comments", "negative", "positive", "polarity_sum"))
        for key in keys
    }


def _assert_theme_counts_are_every_comments() -> None:
    frame = themes.theme_counts(db.session)
    read = {
        (row.month, row.theme_id): (row.comments, row.negative, row.positive, row.polarity_sum)
        for row in frame.itertuples()
    }
    oracle = _every_comment_counted()
    assert len(read) == len(frame) and read.keys() == oracle.keys()
    for key, (comments, negative, positive, polarity_sum) in read.items():
        assert (comments, negative, positive) == oracle[key][:3], key
        assert polarity_sum == pytest.approx(oracle[key][3], abs=1e-9), key


def test_the_theme_pages_count_every_comment_through_runs_imports_and_a_new_lexicon(app, demo, monkeypatch):
    """The themes and suggestions pages read the tallies the analyser keeps of each theme's comments by
    month; they count what every comment's analysis counts: before any run has kept them, after a full
    run, after new responses (in the demo's last month, and an import dated before it), after a run with
    nothing new and after the lexicon changes. A run adds its new comments to their months' tallies."""
    with app.app_context():
        analysis.analyse(db.session)
        assert _count(ThemeTally) > 0
        db.session.execute(sa.delete(ThemeTally))  # as a database just migrated would be
        db.session.commit()
        _assert_theme_counts_are_every_comments()  # counted now, from every comment
        analysis.analyse(db.session)
        monkeypatch.setattr(themes, "count_comments", lambda *args: pytest.fail("counted every comment"))
        _assert_theme_counts_are_every_comments()  # read from the tallies
        monkeypatch.undo()
        kept = {row.id: (row.month, row.comments) for row in db.session.scalars(sa.select(ThemeTally))}

        for first, last in [(date(2022, 3, 1), date(2022, 3, 28)), (date(2023, 3, 1), date(2023, 3, 28))]:
            demo_module_add(db.session, 30, window=(clock.day_starts(first), clock.day_starts(last)))
        analysis.analyse(db.session)
        assert _last_run().comments_analysed > 0, _last_run().error
        _assert_theme_counts_are_every_comments()
        now = {row.id: (row.month, row.comments) for row in db.session.scalars(sa.select(ThemeTally))}
        changed = {month for key, (month, comments) in now.items() if kept.get(key) != (month, comments)}
        assert changed == {"2022-03", "2023-03"}  # the other months' rows are left as they were
        assert kept.keys() <= now.keys()  # and March 2023's are added to, not counted again

        analysis.analyse(db.session)  # nothing new
        _assert_theme_counts_are_every_comments()

        communication = db.session.scalar(sa.select(Theme).where(Theme.slug == "communication"))
        themes.update_theme(
            db.session, communication, name="Communication", keywords=communication.keywords + "\nnewsletter"
        )
        db.session.commit()
        analysis.analyse(db.session)
        assert _last_run().comments_rethemed > 0
        _assert_theme_counts_are_every_comments()

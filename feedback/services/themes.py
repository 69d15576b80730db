"""Themes and sentiment of comments, kept in the database: each comment is read once; an edited lexicon
is matched again from the stored lemmas; frequent noun phrases that no theme matches are offered as
candidate themes; and the page queries for trends and quotes.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..analysis.redact import Redaction, redact_quote
from ..analysis.text import (
    NEGATIVE_UP_TO,
    POSITIVE_FROM,
    Comment,
    Lexicon,
    read_comment,
    split_keywords,
    tone,
)
from ..database import DbSession
from ..models import (
    MOST_KEYWORDS,
    MOST_PHRASE,
    MOST_THEME_NAME,
    MOST_THEME_SLUG,
    Answer,
    CommentAnalysis,
    NounChunk,
    Question,
    QuestionKind,
    Response,
    Survey,
    Theme,
    ThemeTally,
)
from ..models.response import comment_theme
from ..models.types import utcnow
from . import bulk, tally
from .text import strip_control_characters

LEXICON_FILE = Path(__file__).resolve().parent.parent / "data" / "themes.csv"
BATCH = 5000
ANALYSIS_COLUMNS = ("answer_id", "polarity", "subjectivity", "tokens", "lemmas", "analysed_at")
CANDIDATE_MIN_COMMENTS = 5  # a phrase in fewer comments is not offered
CANDIDATES_OFFERED = 10  # open candidates at any time, the most frequent first
# A candidate's page looks for the comments it would match among this many of the newest.
CANDIDATE_QUOTES_READ = 5_000


class ThemeError(ValueError):
    """A lexicon change that would break a rule; the message is for the coordinator who made it."""


def themes_in_use(session: DbSession) -> list[Theme]:
    """The themes in use, by name: what a form or a filter offers."""
    return list(session.scalars(sa.select(Theme).where(Theme.in_use).order_by(Theme.name)))


def load_lexicon(session: DbSession) -> tuple[Lexicon, dict[str, int]]:
    """The lexicon of the themes in use (not candidates, not dismissed), and their ids by slug."""
    themes = session.scalars(sa.select(Theme).where(Theme.in_use))
    ids, keywords = {}, {}
    for theme in themes:
        ids[theme.slug] = theme.id
        keywords[theme.slug] = theme.keyword_list
    return Lexicon(keywords), ids


class LexiconError(ValueError):
    """A lexicon file that cannot be installed, with every problem found in it; nothing was added."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


LEXICON_COLUMNS = ("slug", "name", "keywords")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def install_lexicon(session: DbSession, path: Path = LEXICON_FILE) -> int:
    """Add the themes of a lexicon file (slug, name, keywords separated by semicolons) that are not there
    yet; themes a coordinator has edited are left as they are. Returns how many were added. A file with
    any row the theme's page would refuse (and a slug the page would not make) raises LexiconError with
    every such row, and nothing is added."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows, columns = list(reader), reader.fieldnames or ()  # read before the file closes
    except (UnicodeDecodeError, csv.Error) as error:
        raise LexiconError([f"the file cannot be read as CSV in UTF-8 ({error})"]) from None
    missing = [column for column in LEXICON_COLUMNS if column not in columns]
    if missing:
        raise LexiconError([f"the columns must be slug, name and keywords; missing: {', '.join(missing)}"])
    existing = set(session.scalars(sa.select(Theme.slug)))
    names = {name.casefold() for name in session.scalars(sa.select(Theme.name))}
    first_row: dict[str, int] = {}
    problems, themes = [], []
    for number, row in enumerate(rows, start=2):
        slug, name, keywords = (
            strip_control_characters(row.get(column) or "").strip() for column in LEXICON_COLUMNS
        )
        if slug in existing:
            continue
        words = split_keywords(keywords)
        wrong = []
        if slug in first_row:
            wrong.append(f"slug {slug} repeats row {first_row[slug]}'s")
        elif not SLUG.match(slug) or len(slug) > MOST_THEME_SLUG:
            wrong.append(
                "slug must be lower-case letters and digits joined by hyphens, "
                f"{MOST_THEME_SLUG} characters or fewer"
            )
        if not name or len(name) > MOST_THEME_NAME:
            wrong.append(f"name must be 1 to {MOST_THEME_NAME} characters")
        elif name.casefold() in names:
            wrong.append(f"name {name} is another theme's")
        if not words or len("\n".join(words)) > MOST_KEYWORDS:
            wrong.append(
                f"keywords must be 1 to {MOST_KEYWORDS:,} characters of words and phrases, "
                "separated by semicolons"
            )
        problems += [f"row {number}: {reason}" for reason in wrong]
        first_row.setdefault(slug, number)
        names.add(name.casefold())
        themes.append(Theme(slug=slug, name=name, keywords="\n".join(words)))
    if problems:
        raise LexiconError(problems)
    session.add_all(themes)
    session.flush()
    return len(themes)


def _new_comments(session: DbSession) -> Iterator[list[tuple[int, str]]]:
    """Free-text answers not analysed yet, in batches; found by an anti-join rather than a high-water
    mark, because on PostgreSQL ids are not committed in order."""
    query = (
        sa.select(Answer.id, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Question.kind == QuestionKind.FREE_TEXT,
            Answer.text.is_not(None),
            ~sa.exists().where(CommentAnalysis.answer_id == Answer.id),
        )
        .order_by(Answer.id)
    )
    last = 0
    while True:
        rows = session.execute(query.where(Answer.id > last).limit(BATCH)).all()
        if not rows:
            return
        yield [(row.id, row.text) for row in rows]
        last = rows[-1].id


@dataclass
class CommentFindings:
    """What a run found in the comments, in plain values, before it writes any of it."""

    analyses: list[tuple] = field(default_factory=list)  # rows of comment_analysis, in ANALYSIS_COLUMNS
    links: list[tuple[int, int]] = field(default_factory=list)  # (answer_id, theme_id) of those comments
    chunk_counts: Counter[str] = field(default_factory=Counter)  # noun phrases, in how many new comments
    rethemed: list[tuple[int, int]] | None = None  # every earlier comment's links again, if matched again
    rethemed_count: int = 0

    def leave_out(self, answer_ids: set[int]) -> None:
        """Forget what was found in these comments: the next run reads them again."""
        if answer_ids:
            self.analyses = [row for row in self.analyses if row[0] not in answer_ids]
            self.links = [link for link in self.links if link[0] not in answer_ids]


# Retention (or a request to erase) marks responses forgotten a moment before it commits their redaction, so
# a run that began reading a little after the mark may still have read the comments as they were.
FORGOTTEN_MARGIN = timedelta(minutes=5)


def forgotten_since(session: DbSession, moment: datetime) -> set[int]:
    """The comments redacted (services/data_protection.py: by retention, or on a request to erase) after
    ``moment``, or just before: a run that began reading at ``moment`` may have read them as they were,
    and what it read of them must not be stored to outlive their redaction. Few or none, found by the
    index of when responses were forgotten."""
    return set(
        session.scalars(
            sa.select(Answer.id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.forgotten_at >= moment - FORGOTTEN_MARGIN, Answer.text.is_not(None))
        )
    )


def read_comments(
    session: DbSession, lexicon: Lexicon, theme_ids: dict[str, int], match_again: bool
) -> CommentFindings:
    """Read every comment not read before: sentiment, tokens and lemmas, themes, noun chunks; and with
    ``match_again``, match every comment read before against the lexicon again, from its stored tokens
    and lemmas. Only reads: ``write_comments`` stores what it found. The same text (a repeated "Thank
    you") is parsed once a run."""
    found = CommentFindings()
    if match_again:
        found.rethemed, found.rethemed_count = _match_again(session, lexicon, theme_ids)
    read: dict[str, tuple[Comment, tuple[str, str], list[int]]] = {}
    now = bulk.timestamp(utcnow(), session.get_bind().dialect.name == "postgresql")
    for batch in _new_comments(session):
        for answer_id, text in batch:
            known = read.get(text)
            if known is None:
                comment = read_comment(text)
                stored = (" ".join(comment.tokens), " ".join(comment.lemmas))
                themes = sorted(theme_ids[slug] for slug in lexicon.match(comment.tokens, comment.lemmas))
                known = read[text] = (comment, stored, themes)
            comment, (tokens, lemmas), themes = known
            found.analyses.append((answer_id, comment.polarity, comment.subjectivity, tokens, lemmas, now))
            found.links.extend((answer_id, theme_id) for theme_id in themes)
            found.chunk_counts.update(chunk for chunk in comment.chunks if len(chunk) <= MOST_PHRASE)
    return found


def write_comments(session: DbSession, found: CommentFindings) -> None:
    """Store what ``read_comments`` found, in the session's transaction, and add it to the theme
    tallies. Nothing else writes comments' analyses or themes, so the tallies are never behind."""
    connection = session.connection()
    if found.rethemed is not None:
        session.execute(sa.delete(comment_theme))
        bulk.write_rows(connection, "comment_theme", ("answer_id", "theme_id"), found.rethemed)
    bulk.write_rows(connection, "comment_analysis", ANALYSIS_COLUMNS, found.analyses)
    bulk.write_rows(connection, "comment_theme", ("answer_id", "theme_id"), found.links)
    _keep_counts(session, found)
    _count_chunks(session, found.chunk_counts, utcnow())


def _keep_counts(session: DbSession, found: CommentFindings) -> None:
    """Add the comments just written to the theme tallies of their months; or count every month again,
    when the lexicon was matched again or no run has kept tallies yet. The comments written are new to
    the tallies: only a run writes analyses, and one run at a time (the lease)."""
    if found.rethemed is not None or not _kept(session):
        session.execute(sa.delete(ThemeTally))
        rows = _as_rows(count_comments(session))
        if rows:
            session.execute(sa.insert(ThemeTally), rows)
        return
    if not found.analyses:
        return
    in_month = _months_of(session, [row[0] for row in found.analyses])
    themes_of: defaultdict[int, list[int | None]] = defaultdict(lambda: [None])  # None: every comment
    for answer_id, theme_id in found.links:
        themes_of[answer_id].append(theme_id)
    # (month, theme) -> comments, negative, positive, the sum of their polarities
    added: dict[tuple[str, int | None], tuple[int, int, int, float]] = {}
    for answer_id, polarity, *_ in found.analyses:
        feeling = tone(polarity)
        for theme in themes_of[answer_id]:
            key = (in_month[answer_id], theme)
            comments, negative, positive, total = added.get(key, (0, 0, 0, 0.0))
            added[key] = (
                comments + 1,
                negative + (feeling == "negative"),
                positive + (feeling == "positive"),
                total + polarity,
            )
    kept = session.scalars(sa.select(ThemeTally).where(ThemeTally.month.in_({month for month, _ in added})))
    tallies = {(row.month, row.theme_id): row for row in kept}
    for (month, theme), (comments, negative, positive, total) in added.items():
        row = tallies.get((month, theme))
        if row is None:
            row = ThemeTally(
                month=month, theme_id=theme, comments=0, negative=0, positive=0, polarity_sum=0.0
            )
            session.add(row)
        row.comments += comments
        row.negative += negative
        row.positive += positive
        row.polarity_sum += total
    session.flush()


def _as_rows(counted: pd.DataFrame) -> list[dict]:
    """``count_comments``'s frame as theme_tally rows (theme_id None for every analysed comment)."""
    return [
        {
            "month": row.month,
            "theme_id": int(row.theme_id) or None,
            "comments": int(row.comments),
            "negative": int(row.negative),
            "positive": int(row.positive),
            "polarity_sum": float(row.polarity_sum),
        }
        for row in counted.itertuples(index=False)
    ]


def _kept(session: DbSession) -> bool:
    """Whether a run has kept theme tallies: one that found any analysed comment left a row for its month."""
    return bool(session.scalar(sa.select(sa.exists().where(ThemeTally.id.is_not(None)))))


def _months_of(session: DbSession, answer_ids: list[int]) -> dict[int, str]:
    """The UK month of each of these answers' responses."""
    month = tally.response_month(session)
    months: dict[int, str] = {}
    for start in range(0, len(answer_ids), BATCH):
        batch = answer_ids[start : start + BATCH]
        months.update(
            session.execute(
                sa.select(Answer.id, month)
                .join(Response, Response.id == Answer.response_id)
                .where(Answer.id.in_(batch))
            ).all()
        )
    return months


def _count_chunks(session: DbSession, counts: Counter[str], now: datetime) -> None:
    if not counts:
        return
    known: set[str] = set()
    phrases = list(counts)
    for start in range(0, len(phrases), 500):
        known.update(
            session.scalars(
                sa.select(NounChunk.phrase).where(NounChunk.phrase.in_(phrases[start : start + 500]))
            )
        )
    table = NounChunk.__table__
    updates = [{"p": phrase, "n": n} for phrase, n in counts.items() if phrase in known]
    if updates:
        session.execute(
            table.update()
            .where(table.c.phrase == sa.bindparam("p"))
            .values(comments=table.c.comments + sa.bindparam("n")),
            updates,
        )
    inserts = [{"phrase": p, "comments": n, "first_seen": now} for p, n in counts.items() if p not in known]
    if inserts:
        session.execute(sa.insert(NounChunk), inserts)


def _match_again(
    session: DbSession, lexicon: Lexicon, theme_ids: dict[str, int]
) -> tuple[list[tuple[int, int]], int]:
    """The themes of every comment read before, matched against ``lexicon`` from its stored tokens and
    lemmas: (answer_id, theme_id) links, and how many comments. A comment without tokens keeps the themes
    it has: one that retention deleted (services/data_protection.py) had its themes from words no longer
    kept, and one with no words has none."""
    matched: dict[tuple[str, str], list[int]] = {}
    links: list[tuple[int, int]] = []
    total, last = 0, 0
    query = sa.select(CommentAnalysis.answer_id, CommentAnalysis.tokens, CommentAnalysis.lemmas).order_by(
        CommentAnalysis.answer_id
    )
    while True:
        rows = session.execute(query.where(CommentAnalysis.answer_id > last).limit(BATCH)).all()
        if not rows:
            return links, total
        wordless = [answer_id for answer_id, tokens, _ in rows if not tokens]
        if wordless:
            kept = sa.select(comment_theme).where(comment_theme.c.answer_id.in_(wordless))
            links.extend((answer_id, theme_id) for answer_id, theme_id in session.execute(kept))
        for answer_id, tokens, lemmas in rows:
            key = (tokens, lemmas)
            themes = matched.get(key)
            if themes is None:
                slugs = lexicon.match(tokens.split(), lemmas.split())
                themes = matched[key] = sorted(theme_ids[slug] for slug in slugs)
            links.extend((answer_id, theme_id) for theme_id in themes)
        total += len(rows)
        last = rows[-1][0]


def offer_candidates(session: DbSession, lexicon: Lexicon) -> int:
    """Offer the most frequent noun phrases that no theme matches as candidate themes, up to
    ``CANDIDATES_OFFERED`` open at once. A phrase once offered (accepted or dismissed) is not offered
    again. Returns how many were offered now."""
    themes = session.scalars(sa.select(Theme)).all()
    open_candidates = sum(1 for t in themes if t.candidate and not t.dismissed)
    room = CANDIDATES_OFFERED - open_candidates
    if room <= 0:
        return 0
    taken_slugs = {t.slug for t in themes}
    taken_names = {t.name.lower() for t in themes}
    offered_phrases = {k.lower() for t in themes for k in t.keyword_list}
    frequent = session.scalars(
        sa.select(NounChunk)
        .where(NounChunk.comments >= CANDIDATE_MIN_COMMENTS)
        .order_by(NounChunk.comments.desc(), NounChunk.phrase)
        .limit(500)
    )
    offered = 0
    for chunk in frequent:
        if offered >= room:
            break
        slug, name = _slug(chunk.phrase), chunk.phrase.capitalize()
        if chunk.phrase in offered_phrases or slug in taken_slugs or chunk.phrase in taken_names:
            continue
        if len(name) > MOST_THEME_NAME or lexicon.matches_phrase(chunk.phrase):
            continue  # a theme's name is shorter than the longest phrase counted
        session.add(Theme(slug=slug, name=name, keywords=chunk.phrase, candidate=True))
        taken_slugs.add(slug)
        offered += 1
    session.flush()
    return offered


def _slug(phrase: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", phrase.lower()).strip("-")[:MOST_THEME_SLUG] or "theme"


# Coordinators' edits ---------------------------------------------------------------------------------


def update_theme(session: DbSession, theme: Theme, *, name: str, keywords: str) -> Theme:
    name = name.strip()
    words = split_keywords(keywords)
    if not name:
        raise ThemeError("Enter a name for the theme")
    if not words:
        raise ThemeError("Enter at least one keyword or phrase")
    clash = session.scalar(
        sa.select(Theme).where(sa.func.lower(Theme.name) == name.lower(), Theme.id != theme.id)
    )
    if clash is not None:
        raise ThemeError(f"Another theme is already called {clash.name}")
    theme.name = name
    theme.keywords = "\n".join(words)
    session.flush()
    return theme


def create_theme(session: DbSession, *, name: str, keywords: str) -> Theme:
    slug = _slug(name)
    if session.scalar(sa.select(Theme).where(Theme.slug == slug)) is not None:
        raise ThemeError("A theme with that name already exists")
    theme = Theme(slug=slug, name="", keywords="")
    session.add(theme)
    return update_theme(session, theme, name=name, keywords=keywords)


def accept_candidate(session: DbSession, theme: Theme) -> None:
    theme.candidate = False
    theme.dismissed = False
    session.flush()


def dismiss_candidate(session: DbSession, theme: Theme) -> None:
    if not theme.candidate:
        raise ThemeError("Only a candidate theme can be dismissed")
    theme.dismissed = True
    session.flush()


# Page queries ------------------------------------------------------------------------------------------


_COUNTED = ["month", "comments", "negative", "positive", "polarity_sum", "theme_id"]


def theme_counts(session: DbSession) -> pd.DataFrame:
    """Comments and their sentiment per theme and month: month, theme_id, comments, negative, positive,
    polarity_sum; plus, under theme_id 0, every analysed comment. Read from the analyser's theme tallies
    (``write_comments``), or counted now before any run has kept them."""
    if not _kept(session):
        return count_comments(session)
    kept = session.execute(
        sa.select(
            ThemeTally.month,
            ThemeTally.comments,
            ThemeTally.negative,
            ThemeTally.positive,
            ThemeTally.polarity_sum,
            sa.func.coalesce(ThemeTally.theme_id, 0),
        ).order_by(ThemeTally.month, ThemeTally.theme_id)
    ).all()
    return pd.DataFrame(kept, columns=_COUNTED)


def count_comments(session: DbSession) -> pd.DataFrame:
    """Comments and their sentiment per theme and month (theme_id 0: every analysed comment), counted
    now from every comment's analysis and themes."""
    month = tally.response_month(session)
    negative = sa.func.sum(sa.case((CommentAnalysis.polarity <= NEGATIVE_UP_TO, 1), else_=0))
    positive = sa.func.sum(sa.case((CommentAnalysis.polarity >= POSITIVE_FROM, 1), else_=0))
    base = (
        sa.select(
            month.label("month"),
            sa.func.count().label("comments"),
            negative.label("negative"),
            positive.label("positive"),
            sa.func.sum(CommentAnalysis.polarity).label("polarity_sum"),
        )
        .select_from(CommentAnalysis)
        .join(Answer, Answer.id == CommentAnalysis.answer_id)
        .join(Response, Response.id == Answer.response_id)
    )
    by_theme = (
        base.add_columns(comment_theme.c.theme_id)
        .join(comment_theme, comment_theme.c.answer_id == CommentAnalysis.answer_id)
        .group_by(month, comment_theme.c.theme_id)
    )
    themed = pd.DataFrame(session.execute(by_theme).all(), columns=_COUNTED)
    overall = pd.DataFrame(
        [(*row, 0) for row in session.execute(base.group_by(month)).all()], columns=_COUNTED
    )
    return pd.concat([themed, overall], ignore_index=True) if not themed.empty else overall


def quotes(
    session: DbSession, theme: Theme, *, limit: int = 3, places: list[str] | None = None
) -> list[Redaction]:
    """Representative quotes of a theme, redacted: among its recent comments of a readable length, the
    most common texts, in the theme's own mix of negative and positive."""
    found = session.execute(
        sa.select(Answer.text, CommentAnalysis.polarity)
        .select_from(comment_theme)
        .join(CommentAnalysis, CommentAnalysis.answer_id == comment_theme.c.answer_id)
        .join(Answer, Answer.id == comment_theme.c.answer_id)
        .where(comment_theme.c.theme_id == theme.id)
        .order_by(comment_theme.c.answer_id.desc())
        .limit(2000)
    )
    return _representative([(text, polarity) for text, polarity in found], limit, places)


def candidate_quotes(
    session: DbSession, theme: Theme, *, limit: int = 3, places: list[str] | None = None
) -> list[Redaction]:
    """For a coordinator deciding on a candidate theme, which the analyser matches against nothing yet:
    quotes, picked as ``quotes`` picks them, from the comments its words and phrases would match if it
    were accepted, among the newest ``CANDIDATE_QUOTES_READ`` the analyser has read."""
    lexicon = Lexicon({theme.slug: theme.keyword_list})
    found = session.execute(
        sa.select(CommentAnalysis.tokens, CommentAnalysis.lemmas, Answer.text, CommentAnalysis.polarity)
        .join(Answer, Answer.id == CommentAnalysis.answer_id)
        .order_by(CommentAnalysis.answer_id.desc())
        .limit(CANDIDATE_QUOTES_READ)
    )
    matched = [
        (text, polarity)
        for tokens, lemmas, text, polarity in found
        if tokens and lexicon.match(tokens.split(), lemmas.split())
    ]
    return _representative(matched, limit, places)


def _representative(
    rows: list[tuple[str | None, float]], limit: int, places: list[str] | None
) -> list[Redaction]:
    """Up to ``limit`` of these comments (text, polarity), redacted: the most common texts of a readable
    length, in the comments' own mix of negative and positive."""
    texts = [(text, polarity) for text, polarity in rows if text is not None]  # a comment is text
    quotable = Counter(text for text, _ in texts if 30 <= len(text) <= 400)
    if not quotable:
        return []
    tones = Counter(tone(p) for _, p in texts)
    tone_of = {text: tone(p) for text, p in texts}
    picked: list[str] = []
    for wanted, _ in tones.most_common():
        picked.extend([t for t, _ in quotable.most_common() if tone_of[t] == wanted][: max(1, limit // 2)])
    return [redact_quote(text, places or []) for text in picked[:limit]]


def phrase_counts(session: DbSession, candidates: list[Theme]) -> dict[int, int]:
    """How many comments the analyser counted each candidate's phrase in, by theme id: none for one whose
    words a coordinator has changed from the phrase it was offered for."""
    by_phrase = {theme.keywords.strip(): theme.id for theme in candidates}
    found = session.execute(
        sa.select(NounChunk.phrase, NounChunk.comments).where(NounChunk.phrase.in_(list(by_phrase)))
    )
    return {by_phrase[phrase]: count for phrase, count in found}


def comments_by_survey(session: DbSession, theme: Theme) -> list[tuple[int, str, int]]:
    """(survey id, title, comments) for each survey with comments the analyser found ``theme`` in, by
    title: where to read them all (views/analysis.py, a survey's comments)."""
    return [
        (survey_id, title, count)
        for survey_id, title, count in session.execute(
            sa.select(Survey.id, Survey.title, sa.func.count())
            .select_from(comment_theme)
            .join(Answer, Answer.id == comment_theme.c.answer_id)
            .join(Question, Question.id == Answer.question_id)
            .join(Survey, Survey.id == Question.survey_id)
            .where(comment_theme.c.theme_id == theme.id)
            .group_by(Survey.id, Survey.title)
            .order_by(Survey.title)
        )
    ]

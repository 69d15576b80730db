"""Themes and sentiment of a comment, with what TextBlob ships and no NLTK download."""

from __future__ import annotations

import nltk
import pytest
from textblob import TextBlob

from feedback.analysis.text import Lexicon, read_comment, split_keywords, tone, verb_lemma

COMMENTS = [
    "We have been waiting over two years for an autism assessment.",
    "Our caseworker kept us informed at every step and always replied quickly.",
    "The staff were kind and understanding, not rude at all.",
    "Nobody replied to my emails. It is not good enough.",
]


@pytest.mark.parametrize("text", COMMENTS)
def test_without_the_supplement_sentiment_is_textblobs_own(text):
    comment = read_comment(text, supplement=False)
    expected = TextBlob(text).sentiment
    assert comment.polarity == pytest.approx(expected.polarity)
    assert comment.subjectivity == pytest.approx(expected.subjectivity)


def test_the_send_supplement_hears_complaints_textblob_misses_and_leaves_textblob_alone():
    complaint = "We have been waiting two years and nobody can tell us how much longer it will be."
    assert read_comment(complaint, supplement=False).tone != "negative"
    assert read_comment(complaint).tone == "negative"
    assert read_comment("The short breaks scheme has been a lifeline.").tone == "positive"
    assert read_comment("It was not helpful at all.").tone == "negative"  # TextBlob's negation still applies
    assert TextBlob(complaint).sentiment.polarity == read_comment(complaint, supplement=False).polarity


def test_nothing_needs_an_nltk_download(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tried to use an NLTK corpus")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.data, "find", refuse)
    monkeypatch.setattr(nltk.data, "load", refuse)
    comment = read_comment("The speech and language therapists were brilliant; the waits were not.")
    assert comment.tokens and comment.chunks and -1 <= comment.polarity <= 1


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("waited", "wait"),
        ("waiting", "wait"),
        ("replied", "reply"),
        ("stopped", "stop"),
        ("arranged", "arrange"),
        ("told", "tell"),
        ("listens", "listen"),
        ("was", "be"),
    ],
)
def test_verbs_are_reduced_to_their_lemma(word, lemma):
    assert verb_lemma(word) == lemma


def test_lemmas_let_one_keyword_find_its_other_forms():
    lexicon = Lexicon({"waiting-times": ["wait", "waiting list"], "communication": ["reply"]})
    comment = read_comment("We waited months on the waiting lists and nobody replied.")
    assert lexicon.match(comment.tokens, comment.lemmas) == {"waiting-times", "communication"}


def test_a_phrase_matches_only_as_a_phrase():
    lexicon = Lexicon({"ehc-plan-process": ["annual review"]})
    together = read_comment("The annual reviews are late.")
    apart = read_comment("The review happened in the annual meeting.")
    assert lexicon.match(together.tokens, together.lemmas) == {"ehc-plan-process"}
    assert lexicon.match(apart.tokens, apart.lemmas) == set()


def test_the_lexicon_version_changes_with_its_keywords_only():
    a = Lexicon({"transport": ["taxi", "bus"]})
    assert a.version == Lexicon({"transport": ["Bus", " taxi "]}).version
    assert a.version != Lexicon({"transport": ["taxi", "bus", "escort"]}).version
    assert not Lexicon({})


def test_noun_chunks_drop_determiners_names_numbers_and_addresses():
    comment = read_comment(
        "My son Oliver waited for an autism assessment. Email parent@example.org or see CV34 4RL. "
        "The new local offer website helped."
    )
    assert "autism assessment" in comment.chunks
    assert "new local offer website" in comment.chunks
    joined = " ".join(comment.chunks)
    assert "oliver" not in joined and "@" not in joined and "cv34" not in joined
    assert "son" not in comment.chunks  # too generic to name a theme


def test_keywords_split_on_lines_and_semicolons():
    assert split_keywords("wait;waiting list\n\n  delay  \n") == ["wait", "waiting list", "delay"]


def test_tone_has_a_neutral_band():
    assert (tone(-0.3), tone(0.0), tone(0.05), tone(0.4)) == ("negative", "neutral", "neutral", "positive")

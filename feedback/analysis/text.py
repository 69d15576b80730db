"""Themes and sentiment of one comment, with what TextBlob ships and nothing downloaded.

TextBlob's Pattern parser tags and chunks a comment; its sentiment lexicon scores the same tokens, so a
comment is tokenised once. Lemmas come from TextBlob's own ``singularize`` and a few suffix rules for verbs
(its WordNet lemmatiser needs an NLTK download, and the Pattern lemmatiser it ships is broken). Themes come
from a lexicon of words and phrases, matched against each token's surface form and its lemma, so "waited"
matches the keyword "wait" and "waiting lists" matches "waiting list".

Pure functions and value objects: no Flask, no database.
"""

from __future__ import annotations

import copy
import csv
import functools
import gc
import hashlib
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import textblob.en as pattern_en
from textblob._text import Sentiment
from textblob.en.inflect import singularize

# Verbs whose past or participle no suffix rule reaches.
IRREGULAR_VERBS = {
    "was": "be", "were": "be", "been": "be", "am": "be", "is": "be", "are": "be",
    "had": "have", "has": "have", "did": "do", "done": "do", "does": "do",
    "told": "tell", "said": "say", "went": "go", "gone": "go", "got": "get", "gotten": "get",
    "felt": "feel", "made": "make", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "left": "leave", "kept": "keep", "heard": "hear", "thought": "think", "found": "find",
    "came": "come", "saw": "see", "seen": "see", "knew": "know", "known": "know", "sent": "send",
    "met": "meet", "paid": "pay", "understood": "understand", "spoke": "speak", "spoken": "speak",
    "wrote": "write", "written": "write", "began": "begin", "begun": "begin", "brought": "bring",
    "bought": "buy", "fought": "fight", "lost": "lose", "meant": "mean", "put": "put", "let": "let",
    "chose": "choose", "chosen": "choose", "forgot": "forget", "forgotten": "forget", "held": "hold",
}  # fmt: skip

# Words that head many noun chunks and name no theme: never offered as candidate themes.
GENERIC_NOUNS = frozenset(
    """thing things time times lot lots way ways year years month months week weeks day days bit
    nobody anybody anyone everyone everybody someone somebody nothing something anything everything
    people person one ones kind sort part end start point place fact case problem problems issue issues
    child children son daughter kid kids family families parent parents mum dad boy girl
    we us i you they he she it them me him her my our your their its this that these those
    what which who whom whose there here lack number amount level
    work home charge step meantime term morning evening date fact matter""".split()
)

CHUNK_DROP_TAGS = frozenset({"DT", "PRP", "PRP$", "CD", "WDT", "WP", "WP$", "PDT", "POS", "RB", "CC", "IN"})
WORD = re.compile(r"[a-z]")
NOT_TOPICAL = re.compile(r"[0-9@/:]")


@dataclass(frozen=True)
class Comment:
    """What the analyser keeps of a comment: its sentiment, its tokens and their lemmas (so that a changed
    lexicon can be matched again without parsing), and its noun chunks (candidate themes)."""

    polarity: float
    subjectivity: float
    tokens: tuple[str, ...]
    lemmas: tuple[str, ...]
    chunks: tuple[str, ...]

    @property
    def tone(self) -> str:
        return tone(self.polarity)


# A comment's tone by its polarity, with a dead band so that faint praise is not counted as praise.
NEGATIVE_UP_TO = -0.05
POSITIVE_FROM = 0.1


def tone(polarity: float) -> str:
    """Negative, neutral or positive (NEGATIVE_UP_TO, POSITIVE_FROM)."""
    if polarity <= NEGATIVE_UP_TO:
        return "negative"
    if polarity >= POSITIVE_FROM:
        return "positive"
    return "neutral"


def verb_lemma(word: str) -> str:
    if word in IRREGULAR_VERBS:
        return IRREGULAR_VERBS[word]
    known = pattern_en.lexicon
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            if suffix == "ed" and stem.endswith("i"):
                return stem[:-1] + "y"  # replied -> reply
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                return stem[:-1]  # stopped -> stop
            if stem in known or stem.endswith(("w", "x", "y")):
                return stem
            if stem + "e" in known:
                return stem + "e"  # arranged -> arrange
            return stem
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def lemma(word: str, tag: str) -> str:
    if tag in ("NNS", "NNPS"):
        return singularize(word)
    if tag.startswith("VB"):
        return verb_lemma(word)
    return word


def _topical(token: list[str]) -> bool:
    """A word that may name a theme: not a name (acronyms such as CAMHS may), a number, an address or a
    postcode, which must never be offered back to staff as a candidate theme."""
    word, tag = token[0], token[1]
    if tag.startswith("NNP") and not word.isupper():
        return False
    return bool(WORD.search(word.lower())) and not NOT_TOPICAL.search(word)


def _noun_chunks(sentence: list[list[str]], lemmas: list[str]) -> list[str]:
    chunks: list[str] = []
    current: list[int] = []

    def close() -> None:
        while current and sentence[current[0]][1] in CHUNK_DROP_TAGS:
            current.pop(0)
        if (
            current
            and sentence[current[-1]][1].startswith("NN")
            and all(_topical(sentence[i]) for i in current)
        ):
            words = [sentence[i][0].lower() for i in current[:-1]] + [lemmas[current[-1]]]
            if not (len(words) == 1 and words[0] in GENERIC_NOUNS):
                chunks.append(" ".join(words))
        current.clear()

    for i, (_, tag, chunk, *_) in enumerate(sentence):
        if chunk == "B-NP" or (chunk != "I-NP" and current) or tag == "CC":
            close()  # "the date and the phone number" is two phrases, not one
        if chunk in ("B-NP", "I-NP"):
            current.append(i)
    close()
    return chunks


SUPPLEMENT = Path(__file__).resolve().parent.parent / "data" / "sentiment_supplement.csv"


@functools.cache
def sentiment_lexicon() -> Sentiment:
    """TextBlob's own sentiment analyser and lexicon, with the SEND supplement laid over it: words that
    carry a complaint or praise in SEND feedback which TextBlob's adjective lexicon does not know ("still
    waiting", "chased", "nobody", "lifeline") or reads the wrong way ("left on our own"). The scoring,
    negation and intensifiers are TextBlob's; only the lexicon grows. bench/themes prints the tone scores
    with and without it."""
    load_textblob()
    analyser = copy.copy(pattern_en.sentiment)
    dict.update(analyser, dict.items(pattern_en.sentiment))
    with open(SUPPLEMENT, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            scores = [float(row["polarity"]), float(row["subjectivity"]), 1.0]
            dict.__setitem__(analyser, row["word"].strip().lower(), {None: scores})
    return analyser


@functools.cache
def load_textblob() -> None:
    """Load TextBlob's lexicons once. Its loader leaves a file for the garbage collector to close, which
    Python reports as a ResourceWarning; that is TextBlob's to fix, so it is silenced here and only here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        pattern_en.parser.parse("Load the lexicon.", tokenize=True, tags=True, chunks=True)
        pattern_en.sentiment(["good"])
        len(pattern_en.lexicon)
        gc.collect()


def read_comment(text: str, supplement: bool = True) -> Comment:
    """Tag, chunk and score one comment; ``supplement=False`` scores with TextBlob's lexicon alone."""
    load_textblob()
    tagged = pattern_en.parser.parse(text, tokenize=True, tags=True, chunks=True, relations=False).split()
    tokens: list[str] = []
    lemmas: list[str] = []
    chunks: list[str] = []
    for sentence in tagged:
        sentence_lemmas = []
        for word, tag, *_ in sentence:
            lower = word.lower()
            tokens.append(lower)
            sentence_lemmas.append(lemma(lower, tag))
        lemmas.extend(sentence_lemmas)
        chunks.extend(_noun_chunks(sentence, sentence_lemmas))
    analyser = sentiment_lexicon() if supplement else pattern_en.sentiment
    polarity, subjectivity = analyser(tokens)[:2]
    return Comment(
        polarity=max(-1.0, min(1.0, float(polarity))),
        subjectivity=max(0.0, min(1.0, float(subjectivity))),
        tokens=tuple(tokens),
        lemmas=tuple(lemmas),
        chunks=tuple(dict.fromkeys(chunks)),
    )


class Lexicon:
    """Theme keywords, each a word or a phrase, matched against tokens' surface forms and lemmas."""

    def __init__(self, themes: Mapping[str, Iterable[str]]):
        self.words: dict[str, set[str]] = {}
        self.phrases: dict[str, list[tuple[tuple[frozenset[str], ...], str]]] = {}
        fingerprint = []
        for slug in sorted(themes):
            keywords = sorted({k.strip().lower() for k in themes[slug] if k.strip()})
            fingerprint.append(slug + ":" + "|".join(keywords))
            for keyword in keywords:
                parts = [frozenset({p, singularize(p)}) for p in pattern_en.tokenize(keyword)[0].split()]
                if not parts:
                    continue
                if len(parts) == 1:
                    for form in parts[0]:
                        self.words.setdefault(form, set()).add(slug)
                else:
                    for form in parts[0]:
                        self.phrases.setdefault(form, []).append((tuple(parts), slug))
        self.version = hashlib.sha256("\n".join(fingerprint).encode()).hexdigest()[:16]

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)

    def match(self, tokens: Sequence[str], lemmas: Sequence[str]) -> set[str]:
        found: set[str] = set()
        words, phrases = self.words, self.phrases
        count = len(tokens)
        for i in range(count):
            for form in {tokens[i], lemmas[i]}:
                if form in words:
                    found |= words[form]
                for parts, slug in phrases.get(form, ()):
                    end = i + len(parts)
                    if (
                        slug not in found
                        and end <= count
                        and all(
                            tokens[j] in part or lemmas[j] in part
                            for j, part in zip(range(i + 1, end), parts[1:], strict=True)
                        )
                    ):
                        found.add(slug)
        return found

    def matches_phrase(self, phrase: str) -> bool:
        """Whether any keyword occurs in a noun chunk (already lower case, lemmatised at its head)."""
        tokens = phrase.split()
        return bool(self.match(tokens, [singularize(t) for t in tokens]))


def split_keywords(text: str) -> list[str]:
    """A theme's keywords as a coordinator types them: one a line, or separated by semicolons."""
    return [k.strip() for k in re.split(r"[\n;]", text) if k.strip()]

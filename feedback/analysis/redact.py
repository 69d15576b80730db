"""Redacting quotes before anyone outside the case team reads them.

Patterns catch what has a shape (emails, phone numbers, NHS numbers, street addresses, postcodes, dates,
links); the list of places an area configures catches its school and place names; TextBlob's tagger
catches people's names, as capitalised proper nouns that are not ordinary words ("Sarah", "Mrs Jones",
"Dr Patel", "Amelia-Rose"). A name that is also a word ("Grace", "Will") is caught only beside a title or
another name, or after "son", "daughter" and the like ("my son Jack", "my son, Will,"), which is why a
person still approves every quote before it is published. Each removal is reported, so the approver sees
what went.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import textblob.en as pattern_en

from .text import load_textblob

TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"})
# After one of these, a capitalised word is a child's name even if it is also a word: "my son Jack".
KIN = frozenset(
    """son sons daughter daughters child children boy girl twin twins grandson granddaughter stepson
    stepdaughter brother sister nephew niece""".split()
)
CALENDAR = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Order matters: an NHS number is ten digits and would otherwise be read as a phone number.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)),
    ("link", re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("NHS number", re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b(?![ -]?\d)")),
    (
        "phone",
        re.compile(
            r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\b0)(?:\d[\s-]?){8,10}\d\b"
            r"|\(0\d{2,4}\)\s?\d{3,4}[\s-]?\d{3,4}\b"  # (01632) 960 123
        ),
    ),
    (
        "address",
        re.compile(
            r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){1,3}"
            r"(?:Road|Rd|Street|Avenue|Ave|Close|Lane|Drive|Way|Crescent|Court|Gardens|Place|Grove|Terrace"
            r"|Walk|Row|Mews|Square|Rise|Hill|View|Park)\b"
        ),
    ),
    (
        "postcode",
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE),
    ),
    (
        "date",
        re.compile(
            rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})\b"
            rf"|\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\.?,?\s+\d{{4}}\b"
            rf"|\b{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b",
            re.IGNORECASE,
        ),
    ),
]


@dataclass(frozen=True)
class Redaction:
    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)  # (what kind, the words removed)
    original: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def _places_pattern(places: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted({p.strip() for p in places if p.strip()}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(_alone("|".join(re.escape(n) for n in names)), re.IGNORECASE)


def _alone(pattern: str) -> str:
    """``pattern`` where no letter or digit touches it. Unlike \\b...\\b, this finds text that begins or
    ends with punctuation too: no word boundary follows a place that ends "(C of E)" or "R.C."."""
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def _is_word(token: str) -> bool:
    """Whether a capitalised token is an ordinary word, or a month or day, rather than a name."""
    lower = token.lower()
    if lower in CALENDAR:
        return True
    tag = pattern_en.lexicon.get(lower)
    return tag is not None and not tag.startswith("NNP")


def _redact_names(text: str, removed: list[tuple[str, str]]) -> str:
    tagged = pattern_en.parser.parse(text, tokenize=True, tags=True, chunks=False).split()
    names: list[str] = []
    for sentence in tagged:
        run: list[str] = []  # a name being read: "Mrs", "Jones"
        maybe: list[str] = []  # capitalised words that are a name only if one follows: "Grace" Smith
        titled = False
        previous = ""
        for word, tag in ((t[0], t[1]) for t in sentence):
            after_kin = previous in KIN
            if word not in (",", "("):  # "my son, Jack, ...", "my son (Jack)"
                previous = word.lower()
            capitalised = word[:1].isupper() and not word.isupper() and word.replace("-", "").isalpha()
            if word[:1].isupper() and word.lower().rstrip(".") in TITLES:  # "Mrs" or "Mrs."
                titled = True
                run.append(word)
                continue
            # After a kinship word the tagger may take a name for a noun, or "Will" for a modal verb.
            kin_name = after_kin and (tag.startswith("NN") or tag == "MD")
            if capitalised and (tag.startswith("NNP") or kin_name):
                if titled or run or kin_name or not _is_word(word):
                    run = maybe + run + [word] if not run else run + [word]
                    maybe = []
                else:
                    maybe.append(word)
                continue
            if run and (len(run) > 1 or not titled):
                names.append(" ".join(run))
            run, maybe, titled = [], [], False
        if run and (len(run) > 1 or not titled):
            names.append(" ".join(run))
    for name in sorted(set(names), key=len, reverse=True):
        pattern = re.compile(_alone(r"\s+".join(re.escape(part) for part in name.split())))
        if pattern.search(text):
            text = pattern.sub("[name]", text)
            removed.append(("name", name))
    return text


def redact_quote(text: str, places: Iterable[str] = ()) -> Redaction:
    """The quote with personal details replaced by a bracketed label, and a list of what was removed."""
    load_textblob()
    original = text
    removed: list[tuple[str, str]] = []

    def replace(kind: str):
        def sub(match: re.Match[str]) -> str:
            removed.append((kind, match.group(0)))
            return f"[{kind}]"

        return sub

    for kind, pattern in PATTERNS:
        text = pattern.sub(replace(kind), text)
    place_pattern = _places_pattern(places)
    if place_pattern is not None:
        text = place_pattern.sub(replace("place"), text)
    text = _redact_names(text, removed)
    return Redaction(text=text, removed=removed, original=original)

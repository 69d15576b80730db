"""Redacting quotes before anyone outside the case team reads them.

Patterns catch what has a shape (emails, phone numbers, NHS numbers, street addresses, postcodes, dates,
links); the list of places an area configures catches its school and place names; TextBlob's tagger catches
people's names, as capitalised proper nouns that are not ordinary words ("Sarah", "Mrs Jones", "Dr Patel",
"Amelia-Rose", "O'Brien", "Mrs van der Berg"). A name that is also a word ("Grace", "Will") is caught only
beside a title or another name, after "son", "daughter" and the like ("my son Jack", "my son, Will,"), or
owning something with no "the" before it ("Jack's teacher"), alone after "called", "rang", "asked" and the
like ("I called Sue", but not "I called Social Services" or "I rang Admissions"), or after "husband", "mum",
"social worker", "officer" and the like, written in lower case, before what the person did ("my husband Mark
took", "the SEN officer Dawn said", but not "the Assistant Director said"). In lower case, a word the tagger's
lexicon does not know as an ordinary word is a name after a title or after "my son" and the like ("mrs jones",
"my son oliver", "our sons dev and arjun"); so is any word after "mr", "mrs", "ms" or "mx" ("mrs brown"), and
a word the lexicon also knows as a name, after "my son" and before what the child did ("my son jack has", "my
daughter grace, who"), unless it is something a child has ("my son school has"). After "is called", "was
named" or "name is", the next word is a name whatever its case ("his name is harry", "his name was will"),
unless it says what somebody was called ("lazy", "names", "a liar"); after "a boy called", "a friend named"
and the like, the next word is a name if it may be one ("a boy called jack", but not "a friend called
tonight"), and after "a neighbour called" if it is capitalised and on its own (not "a teacher called Social
Services"), no word, or a verb that may be a name, where no verb can stand ("a nurse named Grace", "a
neighbour called karen", "a neighbour called sue", but not "a teacher called police"). The lexicon is
American; a British spelling of a word it knows ("programme", "whilst", "paediatric"), a verb made from one
("prioritise") and a word with an ending no name has ("Coproduction", "Categorisation") are words too. A name
found once is removed wherever else it is written, except where the same word in lower case is a verb ("he
will be missed"). Anywhere else, a word in lower case is a name if the lexicon knows it as one and not as a
word, or it is one of the first names common among children in England and Wales that the lexicon lacks
(data/first_names.txt: "isla", "alfie", and "poppy", which is also a word), and it comes before what somebody
did or said ("oliver said", "amelia was upset", "isla has waited"), or is joined by "and" to a name found
("megan and chloe were kind"); a name the lexicon knows and not as a word is one too after "by", after "to"
what is said to a person ("thanks to kerry", "spoke to jo", not "went to coventry"), or before "from" or "at"
("sarah from the send team"), unless it is a nation or a county ("in england at the time"); a word the lexicon
does not know at all is a name when it comes first, or after a stop, "and" or "because", before "said",
"told", "asked" and the like ("priya said"), unless it is a service or a role ("gp said", "ipsea said"). A
name on no list before anything else somebody did ("tyrese was upset") is not caught. That is why a person
still approves every quote before it is published. Each removal is reported, longest first and then as
written, so the approver sees what went.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import textblob.en as pattern_en

from .text import load_textblob

TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"})
# Written in lower case, "miss" and "sir" are more often a verb or a way of addressing a letter.
LOWER_CASE_TITLES = TITLES - {"miss", "sir"}
# Titles that come before a surname and nothing else, so that in lower case the word after one is a name
# even if it is also a word ("mrs brown", "mr wood"); "dr" may come before "appointment".
SURNAME_TITLES = frozenset({"mr", "mrs", "ms", "mx"})
# Tags of words that are no surname after a title, which is then somebody's initials ("mr attended"):
# verbs that say what somebody did, adverbs and modals.
NOT_AFTER_TITLE = frozenset("VBD VBZ VBP VBN VBG MD RB RBR RBS".split())
# Tags of what may follow a child's name that is also a word: "my son jack has", "my daughter grace and",
# "my son mark." (the tagger's "." is also "!" and "?", its ":" also ";" and "-").
AFTER_A_NAME = frozenset("VBZ VBD VBP MD CC , . : )".split())
# What a parent who leaves out an apostrophe puts where a child's name would stand: "my son school has
# been great". The tagger's lexicon knows each of them with a capital as a proper noun too ("School").
BELONGINGS = frozenset(
    """home school college nursery centre class unit place placement provision support transport plan review
    report letter assessment diagnosis referral appointment therapy care health anxiety behaviour needs
    teacher worker assistant team doctor nurse consultant clinic hospital dad father mum mother friend
    life day week time age journey bus taxi room club medicine level reading progress education
    case""".split()
)
# After one of these, a capitalised word is a child's name even if it is also a word: "my son Jack".
KIN = frozenset(
    """son sons daughter daughters child children boy girl twin twins grandson granddaughter stepson
    stepdaughter brother sister nephew niece""".split()
)
KIN_ONE = KIN - {"sons", "daughters", "children", "twins"}
OWNERS = frozenset("my our his her their".split())
# Grown-ups named after who they are to the family, or what they do: before what somebody did, a capitalised
# word that may be a name is one ("my husband Mark took him", "our social worker Precious has", "the SEN
# officer Dawn said"), where it would otherwise count as a word ("mark", "precious", "dawn").
PEOPLE = frozenset(
    """husband wife partner mum mom dad mother father parent carer nan nanna gran granny grandma grandad
    grandpa grandmother grandfather aunt auntie aunty uncle cousin stepmum stepdad friend neighbour teacher
    nurse worker caseworker keyworker officer senco sendco coordinator therapist psychologist paediatrician
    consultant doctor assistant headteacher manager adviser advisor mentor practitioner clinician
    counsellor physio""".split()
)
# First names common among children in England and Wales that the lexicon, which is American, does not
# know as names ("isla", "alfie", "priya"), or knows only as words ("poppy", "jade"): each counts as one
# wherever a name the lexicon knows would.
FIRST_NAMES_FILE = Path(__file__).resolve().parent.parent / "data" / "first_names.txt"
FIRST_NAMES = frozenset(
    line.strip()
    for line in FIRST_NAMES_FILE.read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
# Tags of what may stand before a word that is somebody's name and nothing else: the start of the text, a
# stop, a comma, "and", "because", "when" ("the" and "my" make it a thing).
STARTS_A_SUBJECT = frozenset(["", ".", ",", ":", "(", "CC", "IN", "WRB"])
# What one does to a person: after one of these, a capitalised word on its own is whom ("I called Sue", "we
# rang Grace"), even if it is also a word; two are more often a service ("I called Social Services").
CONTACTING = frozenset("called rang phoned emailed texted messaged asked told thanked met contacted".split())
# What somebody, and seldom something, did: before one of these, a word the lexicon does not know at all,
# with nothing before it, is a name ("priya said"), though "website was" and "covid has" are no names.
SAYING = frozenset(
    """said says told tells asked asks rang rings phoned called emailed texted explained promised
    replied""".split()
)
SUBJECTS = frozenset("i we they he she".split())  # a verb follows them, never a name ("thank you grace")
# "is called", "was named", "name is", "name's": a name comes next, whatever else the word may be; after
# "a boy called", a name if it may be one ("a boy called today" is no name).
NAMING = frozenset("called named".split())
BE = frozenset("is was are were 's \u2019s".split())
# Children and young people, who may be introduced as "a boy called ...": after "a teacher called" or "a
# neighbour called" comes whom they rang as often as their name ("the police", but also "police"), so there
# a word in lower case is a name only if it is no word.
YOUNG = frozenset("kid lad pupil student friend classmate baby toddler teenager".split())
AGES = frozenset("year years old".split())  # "my 7 year old son"
# Between two parts of a name: "Mrs van der Berg", "Ana da Silva".
PARTICLES = frozenset("van der den de da di du von le la bin ibn al".split())
# Capitalised words that own things in feedback without being anybody ("Council's letters"), or that are
# whom somebody rang without being anybody ("I rang Admissions").
INSTITUTIONS = frozenset(
    """council school college nursery academy hospital service team government area admissions transport
    health education reception""".split()
)
# Tags of words that are never part of a name, even after a title: "I spoke to Miss. She said ..."
NOT_NAMES = frozenset("PRP PRP$ DT IN CC WP WP$ WDT WRB TO EX PDT UH".split())
# Lower-case words the tagger's lexicon does not know that are no name: "my son asd" is not about a boy,
# and "gp said", "ofsted was" or "facebook said" names a service or a role, not a person.
SEND_TERMS = frozenset(
    """asd asc adhd add pda odd sen send senco sencos sendco ehcp ehcps ehc ehcna camhs cahms ot slt salt semh
    slcn spld mld sld pmld msi vi hi ld iep idp nhs gp gps ep eps hv ta tas lsa lsas hlta paeds paed cdc
    sendiass sendias iass ipsea pcf la las ofsted dfe cqc dla pip dwp pru
    facebook google youtube whatsapp instagram tiktok twitter""".split()
)
# British spellings of words the tagger's lexicon knows in American ("programme", "organisation",
# "paediatric", "counselling"): each is tried in turn, and counts only if the lexicon knows what it gives, so
# that "louise" and "florence" stay names.
AMERICAN_SPELLINGS = (
    (re.compile(r"mme(s?)$"), r"m\1"),
    (re.compile(r"is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"our"), "or"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
    (re.compile(r"ence$"), "ense"),
    (re.compile(r"ctis(e|ed|es|ing)$"), r"ctic\1"),
    (re.compile(r"ll(ing|ed|er|ers|or|ors)$"), r"l\1"),
    (re.compile(r"(.)ae(.)"), r"\1e\2"),
    (re.compile(r"geing$"), "ging"),
)
# Words of British English that American English has no spelling of, or that the lexicon knows in neither.
BRITISH_WORDS = frozenset(
    """whilst amongst learnt spelt mum mums nan nanna nana gran granny grandad grandpa aunty auntie stepmum
    stepdad noone physio physios uni maths carer carers childminder childminders
    headteacher headteachers keyworker keyworkers nappies fulfil fulfils enrol enrols enrolment enrolments
    instalment instalments jewellery kerb tyre tyres cheque cheques aluminium""".split()
)
# Endings of words made from other words, which no first name or surname has, after at least three letters
# ("Ness" is a surname): a word the lexicon does not know that ends so ("Categorisation", "Prioritising",
# "Coproduction", "Unhelpfulness", "Wilful") is a word too.
WORD_ENDINGS = (
    (re.compile(r"^\w{3,}(?:tions?|sions?|ments?|ness)$"), "NN"),
    (re.compile(r"^\w{3,}[iy][sz]ing$"), "VBG"),
    (re.compile(r"^\w{3,}[iy][sz]ed$"), "VBN"),
    (re.compile(r"^\w{3,}ful$"), "JJ"),
)
# A verb in "-ise" made from a word the lexicon knows ("prioritise" from "priority", "finalise" from "final"),
# after at least five letters, so that "Denise" and "Louise" stay names.
ISE_VERB = re.compile(r"^(\w{5,})ises?$")
APOSTROPHES = ("'", "\u2019")
POSSESSIVES = ("'s", "\u2019s")
CALENDAR = frozenset(
    """january february march april may june july august september october november december
    feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday
    christmas easter whitsun halloween diwali eid ramadan hanukkah""".split()
)
# Where families live or go, in lower case, which no name rule may take: "in england at the time".
NATIONS = frozenset("england scotland wales ireland britain".split())
# Around a name in lower case that is no word: "thanks to kerry", "helped by jenny", "sarah from the send
# team", "jo at sendiass". Before "to", only what is said to a person ("spoke to", "thank you to", "shout out
# to"): families go, move and are sent to places ("we went to coventry").
THANKED_BY = frozenset("by thank thanks".split())
TALKED_TO = frozenset(
    """thanks thank you spoke speak speaks speaking talked talk talks talking wrote write writes writing
    listened listen listens listening out said say says explained explain complained complain""".split()
)
WORKS_AT = frozenset("from at".split())

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

    @property
    def kinds(self) -> list[str]:
        """What kinds of thing were taken out, each once, in the order first taken: ["name", "phone"]."""
        return list(dict.fromkeys(kind for kind, _words in self.removed))


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
    tag = _lexicon_tag(lower)
    return tag is not None and not tag.startswith("NNP")


def _unknown_lower_case(word: str) -> bool:
    """Whether ``word`` is in lower case and not an ordinary word the tagger's lexicon knows: "oliver",
    "jones" and "patel" are not, though "Oliver" is a name to it; "jack" and "brown" are words."""
    if not _lower_case_word(word):
        return False
    tag = _lexicon_tag(word)
    return (
        (tag is None or tag.startswith("NNP") or tag == "FW")
        and word not in SEND_TERMS | CALENDAR
        and not _without_apostrophe(word)
    )


def _lexicon_tag(lower: str) -> str | None:
    """The tag the tagger's lexicon gives a lower-case word, or its American spelling, or what its ending
    makes it; None if none of them says. Its lexicon is American: "programme" and "whilst" would otherwise
    be names."""
    tag = pattern_en.lexicon.get(lower)
    if tag is not None:
        return tag
    if lower in BRITISH_WORDS:
        return "NN"
    for british, american in AMERICAN_SPELLINGS:
        spelt, changed = british.subn(american, lower)
        if changed and (tag := pattern_en.lexicon.get(spelt)) is not None:
            return tag
    if (verb := ISE_VERB.match(lower)) and any(verb[1] + end in pattern_en.lexicon for end in ("", "e", "y")):
        return "VB"
    return next((tag for ending, tag in WORD_ENDINGS if ending.match(lower)), None)


def _without_apostrophe(word: str) -> bool:
    """Whether ``word`` is a verb and "not" typed without the apostrophe: "hasnt", "shouldnt"."""
    return word.endswith("nt") and (pattern_en.lexicon.get(word[:-2]) or "").startswith(("VB", "MD"))


def _also_a_name(word: str) -> bool:
    """Whether a lower-case word may be a name ("jack", "grace", "oliver", "isla"): its capitalised form is
    a proper noun to the tagger's lexicon ("today" and "autumn" are not) or it is a first name the lexicon
    lacks, and it is nothing a child has."""
    known = (pattern_en.lexicon.get(word.capitalize()) or "").startswith("NNP")
    return (known or word in FIRST_NAMES) and word not in BELONGINGS


def _names_next(before: list[tuple[str, str]]) -> bool:
    """Whether the last two words ``before`` say that a name comes next: "she is called", "a boy was
    named", "his name is" ("I called", "the named school" and "was called names" say no such thing)."""
    if len(before) < 2:
        return False
    (first, _), (second, _) = before[-2:]
    return (first in BE and second in NAMING) or (first == "name" and second in BE)


def _introduced(before: list[tuple[str, str]]) -> str:
    """Whom the last words ``before`` introduce by name: a child or young person ("young") after "a boy
    called", "a little girl named" or "a friend called"; "anyone" after "a neighbour called" or "a new
    social worker named", where a word in lower case may be whom somebody rang ("police"); "" when they
    introduce nobody ("the school called", "I called")."""
    if not before or before[-1][0] not in NAMING:
        return ""
    for word, tag in reversed(before[-5:-1]):  # the person, and at most two words that describe them
        if word in ("a", "an"):
            return "young" if before[-2][0] in KIN | YOUNG else "anyone"
        if not tag.startswith(("JJ", "NN")):
            return ""
    return ""


def _lower_case_word(word: str) -> bool:
    return word.islower() and word.replace("-", "").isalpha()


def _owned(before: list[tuple[str, str]]) -> bool:
    """Whether the tagged words ``before`` a kinship word end with "my", "our" and the like, and at most
    three words that describe the child or name another: "my son", "our eldest daughter", "my 7 year old
    son", "my son and daughter"."""
    for word, tag in reversed(before[-4:]):
        if word in OWNERS:
            return True
        if not (tag.startswith(("JJ", "CD")) or word in AGES or word in KIN or word in ("and", "&")):
            return False
    return False


def _tokens(text: str) -> list[tuple[str, str]]:
    """The tagged words of ``text`` as one list, sentences run together (the tokenizer ends a sentence
    after "Miss."), with a name such as "O'Brien" or "D'Souza", which it splits at the apostrophe, put
    back together."""
    tagged = pattern_en.parser.parse(text, tokenize=True, tags=True, chunks=False).split()
    words = [(token[0], token[1]) for sentence in tagged for token in sentence]
    joined: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word, tag = words[index]
        following = words[index + 1 : index + 3]
        if (
            len(word) == 1
            and word.isupper()
            and len(following) == 2
            and following[0][0] in APOSTROPHES
            and following[1][0][:1].isupper()
            and following[1][0].isalpha()
        ):
            joined.append((word + following[0][0] + following[1][0], "NNP"))
            index += 3
            continue
        if word in APOSTROPHES and following[:1] and following[0][0] == "s":  # "Jack" "'" "s"
            joined.append((word + "s", "POS"))
            index += 2
            continue
        joined.append((word, tag))
        index += 1
    return joined


def _capitalised(word: str) -> bool:
    letters = word.replace("-", "")
    for apostrophe in APOSTROPHES:
        letters = letters.replace(apostrophe, "")
    return word[:1].isupper() and not word.isupper() and letters.isalpha()


@dataclass(slots=True)
class _Place:
    """What the words around one word say of it, for the rules that tell whether it is part of a name.
    ``run`` and ``titled`` are the name being read when the word comes."""

    word: str
    tag: str
    next_word: str
    following: str  # the next word's tag: "." at the end
    run: tuple[str, ...]
    titled: bool
    after_kin: bool  # "son", "daughters", "mum"
    after_own_kin: bool  # "my son", "our eldest daughter"
    after_own_children: bool  # "my twins", "our sons"
    after_person: bool  # "husband", "social worker", as written in lower case
    thanked: bool  # "thanks to", "helped by", "spoke to"
    contacted: bool  # "called", "rang", "asked"
    named: bool  # "is called", "name is"
    introduced: str  # "young" after "a boy called", "anyone" after "a neighbour called", else ""
    unknown: bool  # in lower case, and no ordinary word to the tagger's lexicon
    previous_tag: str  # the tag of the word before, a comma or a bracket included

    @property
    def alone(self) -> bool:
        """Nothing such as "the" comes before it: it starts the text, or follows a stop, "and", "because"."""
        return self.previous_tag in STARTS_A_SUBJECT


def _may_start_a_name(place: _Place) -> bool:
    """Whether a capitalised word may be part of a name. After a title, whatever the tagger makes of it
    ("MacLeod" is a noun to it); after a kinship word, "is called" or "a neighbour called", the tagger may
    take a name for a noun, or "Will" for a modal verb; a modal is a name if another part of one follows
    ("Will Smith"), as "Grace" is."""
    tag = place.tag
    return _capitalised(place.word) and (
        (place.titled and tag not in NOT_NAMES)
        or tag.startswith("NNP")
        or tag == "MD"
        or ((place.after_kin or place.named or bool(place.introduced)) and tag.startswith("NN"))
    )


def _a_name_alone(place: _Place) -> bool:
    """Whether a capitalised word that may be part of a name is one whatever follows, rather than only if
    another part of a name follows it ("Grace Smith", "Social Services")."""
    office_or_day = place.word.lower() in INSTITUTIONS | CALENDAR
    # One capitalised word on its own that names no office: two are more often a service.
    lone_person = not _capitalised(place.next_word) and not office_or_day
    # After "a boy called", a name; after "a teacher called", whom she rang may come instead.
    introduced_by_name = place.introduced == "young" or (bool(place.introduced) and lone_person)
    person = (  # "my husband Mark took", "the SEN officer Dawn said"
        place.after_person
        and place.following in AFTER_A_NAME
        and _also_a_name(place.word.lower())
        and not office_or_day
    )
    return (
        place.titled
        or bool(place.run)
        or place.after_kin
        or place.named
        or introduced_by_name
        or (place.contacted and lone_person)  # "I called Sue", not "I called Social Services"
        or person
        or not _is_word(place.word)
    )


# What makes a word written in lower case part of a name: any one of these.


def _unknown_in_a_name(place: _Place) -> bool:
    """A word the tagger's lexicon does not know, after a title, in a name in lower case or after one's
    own child: "mrs jones", "Dr patel", "mrs jones-smith", "oliver smith", "my son oliver", "our daughter,
    priya,"."""
    run = place.run
    return (
        place.tag not in NOT_NAMES
        and place.unknown
        and (
            (place.titled and len(run) == 1)
            or (bool(run) and all(part.islower() for part in run))
            or place.after_own_kin
        )
    )


def _before_what_somebody_did(place: _Place) -> bool:
    """A name in lower case before what somebody did or said: "oliver said", "amelia was upset", "alfie
    has waited", "poppy and isla have waited"; not a county ("warwickshire has"); a word too ("poppy",
    "jade") only if nothing such as "the" comes before it."""
    word = place.word
    return (
        _also_a_name(word)
        and (place.unknown or (word in FIRST_NAMES and place.alone))
        and not word.endswith("shire")
        and place.following in ("VBZ", "VBD", "VBP", "MD")
    )


def _among_own_children(place: _Place) -> bool:
    """After one's own children, a name that is no word, or one of the first names: "our sons dev and
    arjun", "my daughters amelia and grace" ("our children centres" are things)."""
    word = place.word
    return place.after_own_children and _also_a_name(word) and (place.unknown or word in FIRST_NAMES)


def _before_saying(place: _Place) -> bool:
    """A word the lexicon does not know at all, with nothing before it, before what only somebody does:
    "priya said", "because tyrese told us"."""
    return (
        place.unknown
        and place.alone
        and place.next_word.lower() in SAYING
        and not place.word.endswith("shire")
    )


def _thanked_or_from(place: _Place) -> bool:
    """A name to the lexicon that is no word, after "to" or "by", or before "from" or "at": "thanks to
    kerry", "helped by jenny", "sarah from the send team"; not a county or a nation, nor what is left of
    a word the line broke ("co-")."""
    word = place.word
    return (
        place.unknown
        and _also_a_name(word)
        and (place.thanked or place.next_word.lower() in WORKS_AT)
        and place.next_word != "-"
        and word not in NATIONS
        and not word.endswith("shire")
    )


def _after_a_surname_title(place: _Place) -> bool:
    """Any word after a title that only ever comes before a surname: "mrs brown", "Mr wood"."""
    run = place.run
    return (
        place.titled
        and len(run) == 1
        and run[0].lower().rstrip(".") in SURNAME_TITLES
        and place.tag not in NOT_NAMES | NOT_AFTER_TITLE
    )


def _own_child_before_a_deed(place: _Place) -> bool:
    """A noun, or a word the tagger took for a verb ("jack"), where only a name would stand, before what
    the child did: "my son jack has waited", "my daughter grace, who"."""
    return (
        place.after_own_kin
        and place.tag in ("NN", "VB")
        and _also_a_name(place.word)
        and place.following in AFTER_A_NAME
    )


def _own_child_will(place: _Place) -> bool:
    """A modal before what only a name does: "my son will has autism" ("my son will go" is no name)."""
    return place.after_own_kin and place.tag == "MD" and place.following in ("VBZ", "VBD")


def _after_naming(place: _Place) -> bool:
    """The word after "is called", "was named" or "name is": "his name is harry", "she is called oliver"
    (but "he was called lazy", or "names", or "back")."""
    return (
        place.named
        and (place.tag in ("NN", "NNP", "VB", "MD") or place.unknown)
        and place.word not in BELONGINGS | SEND_TERMS
    )


def _introduced_by_name(place: _Place) -> bool:
    """After "a boy called", "a friend named" and the like, a word that may be a name: "a boy called
    jack", "a friend named ivy"; after "a neighbour called", "karen" or "sue", but not "police": there a
    noun may be whom she rang, but no verb can stand."""
    return bool(place.introduced) and (
        place.unknown
        or (
            _also_a_name(place.word)
            and (place.tag == "VB" or (place.introduced == "young" and place.tag == "NN"))
        )
    )


LOWER_CASE_NAMES = (
    _unknown_in_a_name,
    _before_what_somebody_did,
    _among_own_children,
    _before_saying,
    _thanked_or_from,
    _after_a_surname_title,
    _own_child_before_a_deed,
    _own_child_will,
    _after_naming,
    _introduced_by_name,
)


class _NameReader:
    """Reads tagged words in order, and keeps the names among them."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.run: list[str] = []  # a name being read: "Mrs", "Jones"
        self.maybe: list[str] = []  # capitalised words that are a name only if one follows: "Grace" Smith
        self.between: list[str] = []  # "van der" in "Mrs van der Berg": kept if another part follows
        self.titled = False
        self.before_maybe = ""  # the tag before the first of ``maybe``: "the" in "the Council's"

    def read(self, place: _Place) -> None:
        word = place.word
        if (word[:1].isupper() and word.lower().rstrip(".") in TITLES) or (
            word.rstrip(".") in LOWER_CASE_TITLES  # "Mrs", "Mrs." or "mrs"
        ):
            self.titled = True
            self.run.append(word)
        elif word == "." and self.titled and len(self.run) == 1 and self.run[0].lower() != "sir":
            # "Miss. Rose": the stop the tokenizer split off ("Sir." more often ends a letter)
            self.run[-1] += word
        elif word.lower() in PARTICLES and self.run:
            self.between.append(word)
        elif _may_start_a_name(place):
            if _a_name_alone(place):
                self._extend(self.run or self.maybe, word)
            else:
                if not self.maybe:
                    self.before_maybe = place.previous_tag
                self.maybe.append(word)
        elif _lower_case_word(word) and any(rule(place) for rule in LOWER_CASE_NAMES):
            self._extend(self.run, word)  # "mrs van brown"
        elif (
            word in POSSESSIVES
            and not self.run
            and len(self.maybe) == 1
            and not self.before_maybe.startswith(("DT", "PRP$", "JJ", "NN", "CD"))
        ):
            # "Jack's teacher": a word that is also a name, owning something, with no "the", "our",
            # "Local" or other word before it that would make it a thing ("the Council's", "Local Area's")
            if self.maybe[0].lower() not in INSTITUTIONS | CALENDAR:
                self.names.append(self.maybe[0])
            self.maybe = []
        else:
            self.end_run()

    def _extend(self, start: list[str], word: str) -> None:
        """The name being read goes on with ``word``, from ``start``: the run, or the capitalised words
        that were waiting for another part of a name."""
        self.run = start + self.between + [word]
        self.maybe, self.between = [], []

    def end_run(self) -> None:
        if self.run and (len(self.run) > 1 or not self.titled):
            self.names.append(" ".join(self.run))
        self.run, self.maybe, self.between, self.titled = [], [], [], False


def _names(tokens: list[tuple[str, str]]) -> list[str]:
    """The names among the tagged words, as written."""
    reader = _NameReader()
    previous_as_written = ""  # the word before, as written: commas and brackets are passed over
    before: list[tuple[str, str]] = []  # the words read so far, without commas and brackets
    previous_tag = ""
    for index, (word, tag) in enumerate(tokens):
        previous = previous_as_written.lower()
        next_word, following = tokens[index + 1] if index + 1 < len(tokens) else ("", ".")
        own = _owned(before[-5:-1])
        place = _Place(
            word=word,
            tag=tag,
            next_word=next_word,
            following=following,
            run=tuple(reader.run),
            titled=reader.titled,
            after_kin=previous in KIN,
            # In lower case, only after one's own child or relative: "the healthy child programme" and
            # "our children centres" are things.
            after_own_kin=previous in KIN_ONE and own,
            after_own_children=previous in KIN and own,
            # As written, in lower case: "Parent Carer Forum" and "Assistant Director" are no family's words.
            after_person=previous_as_written in PEOPLE,
            # "thanks to kerry", "helped by jenny", but not "we went to coventry"
            thanked=previous in THANKED_BY
            or (previous == "to" and len(before) > 1 and before[-2][0] in TALKED_TO),
            contacted=previous in CONTACTING,
            named=_names_next(before),
            introduced=_introduced(before),
            unknown=_unknown_lower_case(word),
            previous_tag=previous_tag,
        )
        if word not in (",", "("):  # "my son, Jack, ...", "my son (Jack)"
            previous_as_written = word
            before.append((word.lower(), tag))
        reader.read(place)
        previous_tag = tag
    reader.end_run()
    return reader.names + _paired(tokens, reader.names)


def _redact_names(text: str, removed: list[tuple[str, str]]) -> str:
    tokens = _tokens(text)
    names = _names(tokens)
    # Every other place a name is written is replaced too ("my son jack has ... jack loves trains"), but not
    # where the same word in lower case is a verb ("his name is will, and he will be missed"). Longest
    # first, then in the order written.
    found = sorted(dict.fromkeys(names), key=lambda name: (-len(name), text.find(name)))
    if not found:
        return text
    verbs = _verbs(text, tokens)
    written = [r"\s+".join(re.escape(part) for part in name.split()) for name in found]
    pattern = re.compile(_alone("|".join(f"(?P<n{number}>{name})" for number, name in enumerate(written))))
    replaced: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        if match.start() in verbs and _lower_case_word(match[0]):
            return match[0]
        replaced.add(found[int(str(match.lastgroup)[1:])])
        return "[name]"

    text = pattern.sub(replace, text)
    removed.extend(("name", name) for name in found if name in replaced)
    return text


def _paired(tokens: list[tuple[str, str]], names: list[str]) -> list[str]:
    """Names in lower case joined by "and" to a name found: "megan" in "megan and chloe were kind", where only
    "chloe" comes before what somebody did. Only a word that may be a name and is no word the lexicon knows
    ("isla", "megan"), or is on the list of first names ("poppy"), counts: "jack and jill" is a rhyme."""
    found = {name.lower() for name in names}
    paired = []
    for index in range(1, len(tokens) - 1):
        if tokens[index][0].lower() not in ("and", "&"):
            continue
        left, right = tokens[index - 1][0], tokens[index + 1][0]
        for word, other in ((left, right), (right, left)):
            if (
                other.lower() in found
                and _also_a_name(word)
                and (_unknown_lower_case(word) or word in FIRST_NAMES)
            ):
                paired.append(word)
    return paired


def _verbs(text: str, tokens: list[tuple[str, str]]) -> set[int]:
    """Where in ``text`` a word starts that is a verb, so that no name stands there: a modal before another
    verb ("will be", "will not"), or any word after "I", "we", "they", "he" or "she" ("we hope", which
    the tagger reads as a noun)."""
    starts: set[int] = set()
    at = 0
    for index, (word, tag) in enumerate(tokens):
        start = text.find(word, at)
        if start < 0:  # a token the tokenizer changed: it is not looked at, and a name there is replaced
            continue
        at = start + len(word)
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        preceding = tokens[index - 1][0].lower() if index else ""
        if (tag == "MD" and (following == "VB" or following.startswith("RB"))) or preceding in SUBJECTS:
            starts.add(start)
    return starts


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

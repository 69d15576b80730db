"""Quotes lose every personal detail that has a shape, the area's place names and people's names, and
the approver is told what went."""

from __future__ import annotations

import pytest

from feedback.analysis.redact import redact_quote


@pytest.mark.parametrize(
    ("text", "kind", "removed"),
    [
        ("Email me at parent.example@example.org please", "email", "parent.example@example.org"),
        ("Call me back on 07700 900461 - no reply yet", "phone", "07700 900461"),
        ("Ring +44 7700 900 461 any time", "phone", "+44 7700 900 461"),
        ("We live in CV34 4RL near the school", "postcode", "CV34 4RL"),
        ("She was born on 12/03/2015 and", "date", "12/03/2015"),
        ("He was born on 3rd March 2015 and", "date", "3rd March 2015"),
        ("Her NHS number is 943 476 5919.", "NHS number", "943 476 5919"),
        ("Sarah from the SEND team was amazing", "name", "Sarah"),
        ("We spoke to Mrs Jones twice", "name", "Mrs Jones"),
        ("We love Mrs. Brown", "name", "Mrs. Brown"),  # a title with a full stop, before a word
        ("Still waiting for Dr Patel to call", "name", "Dr Patel"),
        ("Grace Smith helped us", "name", "Grace Smith"),
        ("He said Will Smith was kind", "name", "Will Smith"),  # a first name the tagger takes for a modal
        ("Ring us on (01632) 960 123 after six", "phone", "(01632) 960 123"),
        ("Date of birth 2015-03-12, if it helps", "date", "2015-03-12"),
        ("Come to 14 Acacia Avenue, any time", "address", "14 Acacia Avenue"),
        ("Flat 3, 22b High Street is where we are", "address", "22b High Street"),
        ("My son Jack has autism", "name", "Jack"),  # a name that is also a word, after "son"
        ("Our daughter, Grace, was left out", "name", "Grace"),
        ("My son (Jack) is 7", "name", "Jack"),
        ("My son Will will start in September", "name", "Will"),  # which the tagger takes for a modal
        ("We asked for Amelia-Rose to be assessed", "name", "Amelia-Rose"),
        ("Mrs O'Brien was kind", "name", "Mrs O'Brien"),  # which the tokenizer splits at the apostrophe
        ("Ask for Ms D\u2019Souza", "name", "Ms D\u2019Souza"),
        ("Ms MacLeod said no", "name", "Ms MacLeod"),  # a noun to the tagger, but after a title
        ("Miss. Rose helped", "name", "Miss. Rose"),  # where the tokenizer ends a sentence
        ("We met Mrs van der Berg", "name", "Mrs van der Berg"),
        ("Jack's teacher was great", "name", "Jack"),  # a word, but owning something with no "the"
        ("I called Sue and she was kind", "name", "Sue"),  # a word, but alone after "called"
        ("We rang Grace twice", "name", "Grace"),
        ("I asked Will about it", "name", "Will"),
        # In lower case, as typed on a phone: words the tagger's lexicon does not know
        ("we spoke to mrs jones twice", "name", "mrs jones"),
        ("ask dr. khan why", "name", "dr. khan"),
        ("Still waiting for Dr patel", "name", "Dr patel"),
        ("my son oliver has waited since march", "name", "oliver"),
        ("our daughter, priya, was left out", "name", "priya"),
        ("my son oliver smith is 5", "name", "oliver smith"),
        ("my 7 year old son oliver was excluded", "name", "oliver"),
        ("our eldest daughter amelia is 12", "name", "amelia"),
        ("my son and daughter amelia both wait", "name", "amelia"),
        ("our sons dev and arjun", "name", "arjun"),  # after one's own children
        ("my children poppy and oliver", "name", "poppy"),
        ("mrs jones-smith never rang", "name", "mrs jones-smith"),
        # In lower case, words that are also ordinary words: after a title that only comes before a surname,
        # or after "my son" and before what the child did
        ("we spoke to mrs brown about it", "name", "mrs brown"),
        ("Mr wood rang", "name", "Mr wood"),
        ("my son jack has waited since march", "name", "jack"),
        ("my daughter grace, who is 7, was left out", "name", "grace"),
        ("my son harry and his sister", "name", "harry"),
        ("mrs jones class was the best", "name", "mrs jones"),  # one word after the title, not two
        ("we met mrs van brown", "name", "mrs van brown"),
        # Named, whatever else the word may be
        ("my son is called jack and he is 7", "name", "jack"),
        ("her name's grace", "name", "grace"),
        ("his name is oliver smith", "name", "oliver smith"),
        ("My daughter is called Hope", "name", "Hope"),  # a capitalised word, but not a proper noun
        ("My son is called Will", "name", "Will"),  # which the tagger takes for a modal
        ("his name was will and he loved trains", "name", "will"),
        ("my son will has autism", "name", "will"),  # a modal, before what only a name does
        ("a boy called jack is in his class", "name", "jack"),
        ("a girl named priya", "name", "priya"),
        ("a friend called Will", "name", "Will"),
        ("a little boy called jack", "name", "jack"),  # words that describe the child between
        # Anybody introduced by name: capitalised, or a name the lexicon does not know as a word
        ("a neighbour called Sue helped", "name", "Sue"),  # a word too, but introduced as a name
        ("a nurse named Grace", "name", "Grace"),
        ("a new social worker called karen came", "name", "karen"),
        ("a neighbour called sue helped", "name", "sue"),  # a verb to the lexicon, where none can stand
        ("a neighbour called Sue Smith", "name", "Sue Smith"),
        ("a teacher called jack", "name", "jack"),
        ("she is called Sue", "name", "Sue"),
        # Grown-ups named after who they are to the family or what they do, before what they did
        ("my husband Mark took him", "name", "Mark"),
        ("Our social worker Precious has been amazing", "name", "Precious"),
        ("the SEN officer Dawn said no", "name", "Dawn"),
        ("our caseworker, Amber, was lovely", "name", "Amber"),
        # Anywhere, in lower case, a name to the lexicon before what somebody did or said
        ("oliver said he was fine", "name", "oliver"),
        ("we asked why amelia was upset", "name", "amelia"),
        # First names of children in England and Wales the lexicon lacks, or knows only as words
        ("isla has waited two years", "name", "isla"),
        ("my daughter poppy has autism", "name", "poppy"),
        ("jade was upset again", "name", "jade"),
        ("a girl called poppy", "name", "poppy"),
        ("megan and chloe were kind", "name", "megan"),  # joined to a name before what they did
        # A name to the lexicon that is no word, thanked or working somewhere
        ("big thanks to kerry in the send team", "name", "kerry"),
        ("we were helped by jenny", "name", "jenny"),
        ("sarah from the send team was amazing", "name", "sarah"),
        ("we spoke to jo at sendiass", "name", "jo"),
        ("I talked to sarah about it", "name", "sarah"),
        ("poppy and isla have waited", "name", "poppy"),
        # A word the lexicon does not know at all, alone before what only somebody does
        ("priya said the form was lost", "name", "priya"),
        ("because tyrese told us nothing", "name", "tyrese"),
        # British spellings of words are words; names that look like them are still names
        ("my son oliver whilst at school was bullied", "name", "oliver"),
        ("our daughter louise is 9 and my daughter florence has waited", "name", "louise"),
        ("our daughter louise is 9 and my daughter florence has waited", "name", "florence"),
        ("we all miss Sarah", "name", "Sarah"),  # "miss" in lower case is a verb
    ],
)
def test_each_kind_of_detail_is_removed_and_reported(text, kind, removed):
    result = redact_quote(text)
    assert removed not in result.text
    assert f"[{kind}]" in result.text
    assert (kind, removed) in result.removed


def test_configured_places_are_removed_whatever_their_case():
    result = redact_quote(
        "They moved him from Oak Tree Primary to oak tree primary's unit.", ["Oak Tree Primary"]
    )
    assert "oak tree" not in result.text.lower()
    assert result.text.count("[place]") == 2


@pytest.mark.parametrize("place", ["St Mary's (C of E)", "St. Peter's R.C.", "(Hope) Centre", "Lee & Co"])
def test_a_place_that_begins_or_ends_with_punctuation_is_removed_whole(place):
    """A place's name is matched where no letter or digit touches it: a word boundary cannot follow a
    closing bracket or a full stop, and the school's name would stay in a quote put to the public."""
    result = redact_quote(f"He goes to {place} now, not {place.upper()}.", [place])
    assert result.text == "He goes to [place] now, not [place]."
    assert result.removed == [("place", place), ("place", place.upper())]


def test_a_place_is_not_found_inside_a_longer_word():
    result = redact_quote("It was hopeful: Hope helped.", ["Hope"])
    assert result.text == "It was hopeful: [place] helped."


@pytest.mark.parametrize(
    "text",
    [
        "My son, The Council said, would have to wait.",  # a kinship word, then no name
        "He is 14 and in Year 9; we waited 18 months.",  # numbers that are no address
        "The Children and Families team and my son's teacher",
        "The Council's letters, the Local Area's plan and the Guardian's report",  # owned by things
        "Monday's meeting was before the Easter holidays.",
        "I spoke to Miss. She was kind.",  # a title with no name after it
        "the dr said no and the dr appointment was cancelled",  # a title, then ordinary words
        "my son has asd and my daughter adhd, ms too",  # the service's own acronyms
        "the healthy child programme and our children centres",  # British spellings the lexicon lacks
        "we read our notes on the child programme",  # "our" owns the notes, not the child
        "Any reference to 'Consortia' here.",  # a closing quote, not a possessive
        "– mr attended as a senior leader",  # somebody's initials, not a title
        "my son will start in september and my daughter rose to it",  # what the child does
        "my son will not go and my daughter will be fine",
        "my son will, we hope, get a place",
        "Will they help? Will it be soon?",  # a modal, where no name follows
        "the report for warwickshire was published and ofsted said so",  # a county and an acronym
        "coventry council said no",  # a place to the lexicon, before no verb
        "my daughter first asked for help in 2022",  # not a noun: "First" is a name to the lexicon
        "my son school has been great",  # "my son's school" without the apostrophe
        "our local child centre closed",  # a place, not a child
        "my son yesterday was sent home",  # a word the lexicon does not know as a name
        "my son family support worker left",  # a word that is a name only before what the child did
        "my son hasnt got a place and my son shouldnt have to wait",  # "n't" without the apostrophe
        "I called the council, and he was called back, called lazy, called names and called a liar",
        "the named school is wrong and he is called home early",
        "the school called police",  # nobody is named
        "a teacher called police, our son called police and a friend called today, then called back",
        "a nurse called security and a new teacher called round",  # nouns: whom they rang, or a word
        "a teacher rang and called sendiass",  # whom she rang, not her name
        "we lived in england at the time, then moved to warwickshire",  # a nation and a county
        "we had to travel to birmingham and then went to london",  # where families go
        "thanks to co- workers and to the senco",  # what is left of a word broken at a hyphen
        "From Feb to Sept 2022, and again in Oct 2022",  # months, shortened
        "the school nurse Summer holidays were hard",  # a word that may be a name, before no verb
        "I spoke to the teacher Friday and she was kind",  # a day
        "the Parent Carer Forum was helpful and the Assistant Director said so",  # an office, in capitals
        "we found a good school through sendiass",  # nobody called or named
        "a friend called tonight",  # "Tonight" is a name to the lexicon, but here it is no noun
        "I called Social Services, rang Admissions and asked School on Monday",  # whom, but nobody
        "a teacher called Social Services and a nurse called Admissions",  # whom they rang
        "gp said no, the nhs said wait and ipsea said we could appeal",  # services and roles
        "facebook said one thing and google said another",  # websites
        "gran said she would help and auntie was great, though noone said so",  # family, and a typo
        "the physio said he was doing well and uni said no",
        "covid was hard, the website was useless and makaton has helped",  # unknown, but no saying
        "the jade was lost and the poppy was red",  # names that are also words, after "the"
    ],
)
def test_what_only_looks_like_a_name_or_an_address_stays(text):
    assert redact_quote(text).text == text


def test_ordinary_words_acronyms_and_months_stay():
    text = "The Council and CAMHS did nothing in March. The Local Offer website is good; SENCO helped."
    result = redact_quote(text)
    assert result.text == text and not result.changed


@pytest.mark.parametrize(
    "word",
    [
        "programme",
        "organisation",
        "analyse",
        "behaviours",
        "centres",
        "licence",
        "practise",
        "counselling",
        "paediatrician",
        "ageing",
        "whilst",
        "carers",
        "fulfil",
        # Known to the lexicon in neither spelling, but made from a word ("priority", "final")
        "prioritise",
        "finalise",
        # Or ending as only words do
        "categorisation",
        "coproduction",
        "enrolment",
        "neurodevelopment",
        "unhelpfulness",
        "prioritising",
        "prioritised",
        "wilful",
    ],
)
def test_british_spellings_and_words_made_from_words_are_not_names(word):
    """TextBlob's lexicon is American, and small: a word it does not know would be taken for a name where
    an unknown word is one, capitalised at the start of a sentence or after a name in lower case."""
    assert redact_quote(f"{word.capitalize()} matters to us.").text == f"{word.capitalize()} matters to us."
    assert redact_quote(f"my son oliver {word}").text == f"my son [name] {word}"


@pytest.mark.parametrize("name", ["Denise", "Louise", "Ness", "Florence"])
def test_names_that_end_as_words_do_are_still_names(name):
    assert redact_quote(f"{name} rang us back.").text == "[name] rang us back."


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("my son jack has autism. jack loves trains", "my son [name] has autism. [name] loves trains"),
        ("my son Will has autism. Will they help?", "my son [name] has autism. [name] they help?"),
        (
            "My son Will has autism. Will be kind, I tell him",
            "My son [name] has autism. [name] be kind, I tell him",
        ),
        # but not where the same word in lower case is a verb
        ("his name is will and the school will be told", "his name is [name] and the school will be told"),
        (
            "thank you grace for all you did, my daughter grace is happy",
            "thank you [name] for all you did, my daughter [name] is happy",
        ),
        (
            "my daughter hope has waited and we hope for news",
            "my daughter [name] has waited and we hope for news",
        ),
    ],
)
def test_a_name_is_removed_wherever_it_is_written_but_the_verb_it_also_is_stays(text, redacted):
    result = redact_quote(text)
    assert result.text == redacted
    assert len(result.removed) == 1


def test_names_are_reported_longest_first_then_as_written():
    """So that the approver reads them in the quote's order, the same each time the quote is redacted."""
    result = redact_quote("Sarah, Priya, Aisha, Chloe and Megan helped, and so did Grace Smith.")
    assert [name for _, name in result.removed] == [
        "Grace Smith",
        "Sarah",
        "Priya",
        "Aisha",
        "Chloe",
        "Megan",
    ]


def test_a_name_found_by_the_name_it_is_joined_to_is_reported_where_it_is_written():
    assert redact_quote("megan and chloe were kind").removed == [("name", "megan"), ("name", "chloe")]

"""Words compared as people type them: one folding for import headers, survey choices and contacts' names."""

from __future__ import annotations

import pytest

from feedback.services.surveys import moved_choices
from feedback.services.text import folded


@pytest.mark.parametrize(
    ("typed", "again"),
    [
        ("Don’t know", "don't  know"),  # a phone's curly apostrophe, a keyboard's straight one
        ("  Mary   O'Brien ", "MARY O’BRIEN"),
        ("Straße", "STRASSE"),  # case folded, not only lowered
    ],
)
def test_the_same_words_typed_differently_fold_alike(typed, again):
    assert folded(typed) == folded(again)


def test_different_words_stay_different():
    assert folded("Dont know") != folded("Don't know")
    assert folded("Bus or coach") != folded("Bus")


def test_a_choice_retyped_with_another_apostrophe_at_another_place_has_moved():
    # Answers are kept as a choice's place: "Don't know" moved to first would take the answers given to "Yes".
    answered_with = ["Yes", "Don’t know"]
    assert moved_choices(answered_with, ["Don't know", "Yes"]) == [("Yes", 1, 2), ("Don’t know", 2, 1)]
    assert moved_choices(answered_with, ["yes", "don't know"]) == []  # retyped where they were

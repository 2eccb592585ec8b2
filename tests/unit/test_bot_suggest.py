"""Autocomplete for /ask offers section titles and example questions that match what was typed."""

from bot.render import CHOICE_LIMIT
from bot.suggest import MAX_CHOICES, autocomplete_choices

SECTIONS = ("Introduction", "A Brief History of the China-Russia Alliance", "Advantages and Disadvantages")
EXAMPLES = ("How many times have China and Russia formed an alliance?", "Why did the 1950 alliance fail?")


def test_with_nothing_typed_examples_come_first_then_sections():
    choices = autocomplete_choices("", SECTIONS, EXAMPLES)

    assert choices[0] == (EXAMPLES[0], EXAMPLES[0])
    assert ("§ Introduction", "Introduction") in choices


def test_typed_words_pick_matching_sections_and_examples():
    choices = autocomplete_choices("disadv", SECTIONS, EXAMPLES)

    assert choices[0] == ("§ Advantages and Disadvantages", "Advantages and Disadvantages")
    assert all("disadv" in name.lower() for name, _ in choices)


def test_word_prefixes_match_anywhere_and_more_matches_rank_higher():
    choices = autocomplete_choices("1950 fail", SECTIONS, EXAMPLES)

    assert choices[0][1] == "Why did the 1950 alliance fail?"


def test_choices_respect_discord_limits():
    long_sections = tuple(f"Section {n} " + "word " * 40 for n in range(40))

    choices = autocomplete_choices("", long_sections)

    assert len(choices) <= MAX_CHOICES
    assert all(len(name) <= CHOICE_LIMIT and len(value) <= CHOICE_LIMIT for name, value in choices)


def test_nothing_matching_offers_nothing():
    assert autocomplete_choices("zzzz", SECTIONS, EXAMPLES) == []

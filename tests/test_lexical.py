"""Words, stems and alias groups: what the lexical signals of a question read (pure)."""

from index.corpus.lexical import AliasTable
from index.corpus.text import clean_question, content_terms, words

SOVIET = ["Soviet Union", "USSR", "Soviets"]


def test_a_name_in_the_text_brings_every_name_of_its_group():
    aliases = AliasTable([SOVIET, ["People's Republic of China", "PRC"]])

    expanded = aliases.expand("Did the USSR lend money?")

    assert set(expanded) == set(content_terms(" ".join(SOVIET)))


def test_a_name_of_several_words_counts_only_as_those_words_in_a_row():
    aliases = AliasTable([SOVIET])
    every_name = set(content_terms(" ".join(SOVIET)))

    assert aliases.expand("the union of soviet republics") == []
    assert set(aliases.expand("a loan from the Soviet Union to China")) == every_name


def test_words_fold_case_accents_and_curly_apostrophes():
    assert words("Zhōu Ēnlái’s TREATY, 1950") == ["zhou", "enlai's", "treaty", "1950"]
    assert words("Putin's plain ASCII") == ["putin's", "plain", "ascii"]


def test_an_acronym_is_a_content_word_even_when_its_letters_spell_a_stop_word():
    """ "what about the US?" had no content word ("us" is a stop word) and got the help text, and "U.S."
    read as the word "s": the country the essay weighs most was unknown to every lexical signal."""
    for said in ("what about the US?", "and the us?", "what does it say about the U.S.?", "about the u.s.?"):
        assert content_terms(said) == ["us"], said
    assert content_terms("Sino-U.S. relations") == content_terms("sino US relations")
    assert content_terms("tell us about it") == []  # the pronoun is still a stop word
    assert content_terms("The USSR and BRICS") == ["ussr", "bric"] == content_terms("the ussr and brics")


def test_a_message_in_capitals_throughout_is_shouting_not_acronyms():
    assert content_terms("WHO WROTE THIS") == content_terms("who wrote this")
    assert content_terms("WHAT ABOUT THE U.S.?") == ["us"]


def test_a_link_is_no_words_of_a_question():
    """ "https://example.com what's this essay about" was refused for the link's words."""
    assert clean_question("https://example.com/a?b=1 what's this essay about") == "what's this essay about"
    assert clean_question("see www.example.org, why?") == "see why?"
    assert clean_question("https://example.com") == ""


def test_para_is_english_for_a_paragraph_and_spanish_is_still_told_apart():
    """ "show me para 30" was refused as not English: "para" is Spanish, and a Discord abbreviation."""
    from index.corpus.language import is_english

    assert is_english("show me para 30") and is_english("para 23 pls")
    assert not is_english("¿Por qué China y Rusia no forman una alianza militar?")
    assert not is_english("¿Qué dice el ensayo sobre la alianza?")

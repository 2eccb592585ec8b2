"""Words, stems and alias groups: what the lexical signals of a question read (pure)."""

from index.corpus.lexical import AliasTable
from index.corpus.text import content_terms, words

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

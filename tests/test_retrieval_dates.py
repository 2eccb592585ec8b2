"""The date rule: a question about a year after a document's date is off topic for that document."""

import pytest

from index.answering.answers import Abstention
from index.answering.engine import Engine
from index.building.build import build_index


@pytest.mark.parametrize(
    ("question", "after"),
    [
        ("What did Xi and Putin announce in February 2022?", True),
        ("china russia ties in the 2030s", True),
        ("What did Putin say at Valdai in October 2020?", False),
        ("the 1950 treaty", False),
        ("How big was the loan of 300 million dollars?", False),
        # After the document's own year is after its date too; since an earlier year is not.
        ("did china and russia sign an alliance after 2021?", True),
        ("anything new since 2021", True),
        ("post-2021 relations?", True),
        ("what has changed since 2014?", False),
    ],
)
def test_only_years_after_the_essay_date_count_as_after_its_date(essay_lexicon, question, after):
    assert essay_lexicon.year == 2021
    assert essay_lexicon.after_date(question) is after


def test_question_about_a_later_year_gets_no_excerpts(hashing_index_dir):
    from tests.conftest import HashingEmbedder

    engine = Engine.load(hashing_index_dir, HashingEmbedder())

    answer = engine.answer("How did the 1950 alliance look in 2023?")

    assert answer.abstention is Abstention.OFF_TOPIC and not answer.excerpts


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("How much did the Soviets lend China in 1938?", False),  # next to 1937, which the essay names
        ("what did russia do in the 1890s", False),  # a decade holding years the essay names
        ("What did the 2001 treaty commit them to?", True),  # between named years, but far from them
        ("border demarcation in the 2000s", True),  # a decade the essay never reaches
        ("What happened between China and Russia in 1850?", True),  # before them all
        ("the treaty of '45", False),  # read as the end of 1945
        ("Did the Soviets send 7777 pilots?", True),  # a figure the essay never gives
        ("How big was the loan of 300 million dollars?", False),
    ],
)
def test_a_number_is_unknown_unless_the_essay_names_it_or_a_year_next_to_it(essay_lexicon, question, unknown):
    assert essay_lexicon.unknown_number(question) is unknown


def test_numbers_do_not_count_twice_in_the_share_of_unknown_words(essay_lexicon):
    with_year = essay_lexicon.unknown_share("Soviet loan weapons 1938")
    without = essay_lexicon.unknown_share("Soviet loan weapons")

    assert with_year == without == 0.0


def test_a_later_document_does_not_lend_its_date_to_the_essay(corpus_copy, tmp_path):
    from tests.conftest import HashingEmbedder, write_document

    write_document(corpus_copy, "tea", "Tea reached Britain in 2023.\n\nIt became popular in 2024.")
    build_index(corpus_copy, tmp_path / "index", HashingEmbedder())
    engine = Engine.load(tmp_path / "index", HashingEmbedder())
    question = "What did Xi and Putin announce in February 2022?"

    scored = engine._score_texts([question])[question]
    answer = engine.answer(question)

    after = {document.document: document.after_date for document in scored.documents}
    assert after == {"tea": False, **{d: True for d in after if d != "tea"}} and len(after) == 2
    assert all(excerpt.document == "tea" for excerpt in answer.excerpts)

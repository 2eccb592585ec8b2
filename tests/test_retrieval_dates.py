"""The date rule: a question about a year after the newest document's date is refused outright."""

import pytest

from index.answers import Abstention
from index.build import build_index
from index.engine import Engine
from index.retrieve import Retriever
from index.store import read_index
from tests.conftest import CORPUS_DIR


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    from tests.conftest import HashingEmbedder

    out = tmp_path_factory.mktemp("dates") / "index"
    build_index(CORPUS_DIR, out, HashingEmbedder())
    return out


@pytest.fixture(scope="module")
def retriever(index_dir) -> Retriever:
    """One retriever for the module: building it (BM25, token tables) takes about half a second."""
    return Retriever(read_index(index_dir))


@pytest.mark.parametrize(
    ("question", "after"),
    [
        ("What did Xi and Putin announce in February 2022?", True),
        ("china russia ties in the 2030s", True),
        ("What did Putin say at Valdai in October 2020?", False),
        ("the 1950 treaty", False),
        ("How big was the loan of 300 million dollars?", False),
    ],
)
def test_only_years_after_the_essay_date_count_as_after_the_corpus(retriever, question, after):
    assert retriever.latest_year == 2021
    assert retriever.after_corpus(question) is after


def test_question_about_a_later_year_gets_no_excerpts(index_dir):
    from tests.conftest import HashingEmbedder

    engine = Engine.load(index_dir, HashingEmbedder())

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
def test_a_number_is_unknown_unless_the_essay_names_it_or_a_year_next_to_it(retriever, question, unknown):
    assert retriever.unknown_number(question) is unknown


def test_numbers_do_not_count_twice_in_the_share_of_unknown_words(retriever):
    _, with_year = retriever.query_terms("Soviet loan weapons 1938")
    _, without = retriever.query_terms("Soviet loan weapons")

    assert with_year == without == 0.0

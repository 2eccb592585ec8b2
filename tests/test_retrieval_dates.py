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
def test_only_years_after_the_essay_date_count_as_after_the_corpus(index_dir, question, after):
    retriever = Retriever(read_index(index_dir))

    assert retriever.latest_year == 2021
    assert retriever.after_corpus(question) is after


def test_question_about_a_later_year_gets_no_excerpts(index_dir):
    from tests.conftest import HashingEmbedder

    engine = Engine.load(index_dir, HashingEmbedder())

    answer = engine.answer("How did the 1950 alliance look in 2023?")

    assert answer.abstention is Abstention.OFF_TOPIC and not answer.excerpts

"""Excerpts with any embedder: whole sentences of their own paragraph, at most three, within 400 characters,
whether they answer a question or go on from one."""

import pytest

from index.answering.conversation import Conversation
from index.answering.engine import Engine
from index.building.build import build_index
from index.corpus.corpus_files import load_corpus
from tests.conftest import CORPUS_DIR, HashingEmbedder
from tests.test_engine import MAX_EXCERPT_CHARS, assert_grounded, assert_no_overlap


@pytest.fixture(scope="module")
def hashing_engine(tmp_path_factory) -> Engine:
    out = tmp_path_factory.mktemp("excerpts") / "index"
    build_index(CORPUS_DIR, out, HashingEmbedder())
    return Engine.load(out, HashingEmbedder())


def test_every_excerpt_is_whole_sentences_within_the_length_limit(hashing_engine):
    # Each paragraph's own text as a question: every part of the corpus gets searched and widened.
    questions = [p.text for document in load_corpus(CORPUS_DIR) for p in document.paragraphs]

    answers = hashing_engine.answer_many(questions, k=5)

    excerpts = [excerpt for answer in answers for excerpt in answer.excerpts]
    for answer in answers:
        assert_grounded(hashing_engine, answer)
        assert_no_overlap(answer)
    assert len(excerpts) >= len(questions)  # the check above really ran
    assert max(len(excerpt.text) for excerpt in excerpts) > MAX_EXCERPT_CHARS // 2  # and widened some


def test_going_on_quotes_whole_sentences_within_the_length_limit(hashing_engine):
    questions = [p.text for document in load_corpus(CORPUS_DIR) for p in document.paragraphs]
    firsts = hashing_engine.answer_many(questions, k=1)

    more = [
        hashing_engine.answer("go on", k=3, conversation=Conversation().then(first.question, [top.id]))
        for first in firsts
        for top in first.excerpts[:1]
    ]

    for answer in more:
        assert_grounded(hashing_engine, answer)
        assert_no_overlap(answer)
    assert sum(len(answer.excerpts) for answer in more) >= len(questions)  # the check above really ran

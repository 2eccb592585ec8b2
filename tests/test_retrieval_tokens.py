"""Token-level matching (MaxSim) over a tiny hand-made corpus of word pieces."""

import numpy as np
import pytest

from index.scoring.tokens import SentenceTokens, TokenMatcher


def _unit(*rows):
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _matcher():
    # Sentences 0 and 1 in paragraph 0, sentence 2 in paragraph 1; pieces point along axes.
    tokens = SentenceTokens(
        vectors=_unit([1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]),
        sentence=np.array([0, 0, 1, 2], dtype=np.int32),
        pieces=np.array(["loan", "china", "china", "pilots"]),
    )
    return TokenMatcher(tokens, sentence_paragraph=np.array([0, 0, 1]))


def test_sentence_holding_the_rare_word_scores_highest():
    per_sentence = _matcher().scores(_unit([0, 0, 1]), ("pilots",)).sentence
    assert int(np.argmax(per_sentence)) == 2


def test_stop_word_pieces_do_not_count():
    with_stop = _matcher().scores(_unit([1, 0, 0], [0, 0, 1]), ("loan", "the")).sentence
    alone = _matcher().scores(_unit([1, 0, 0]), ("loan",)).sentence
    np.testing.assert_allclose(with_stop, alone)


def test_paragraph_score_is_the_best_over_its_sentences():
    per_paragraph = _matcher().scores(_unit([0, 1, 0]), ("china",)).paragraph
    assert per_paragraph.shape == (2,)
    assert per_paragraph[0] == pytest.approx(1.0)


def test_rare_pieces_weigh_more_than_common_ones():
    matcher = _matcher()
    assert matcher.idf("loan") > matcher.idf("china")


def test_questions_scored_together_get_the_scores_they_get_one_at_a_time():
    # 400 corpus pieces (past one block of the product) in 40 sentences of 4 paragraphs.
    rng = np.random.default_rng(0)
    vocabulary = [f"word{n}" for n in range(60)]
    tokens = SentenceTokens(
        vectors=_unit(*rng.normal(size=(400, 16))),
        sentence=np.repeat(np.arange(40), 10).astype(np.int32),
        pieces=np.array([vocabulary[n] for n in rng.integers(0, 60, size=400)]),
    )
    matcher = TokenMatcher(tokens, sentence_paragraph=np.repeat(np.arange(4), 10))
    questions = [
        (_unit(*rng.normal(size=(count, 16))) if count else np.zeros((0, 16)), tuple(vocabulary[:count]))
        for count in (3, 1, 5, 0, 2)
    ]

    together = matcher.scores_many(questions)

    for (vectors, pieces), scored in zip(questions, together, strict=True):
        alone = matcher.scores(vectors, pieces)
        np.testing.assert_array_equal(scored.sentence, alone.sentence)
        np.testing.assert_array_equal(scored.paragraph, alone.paragraph)
        if pieces:  # against the definition: each piece's best cosine in the sentence, IDF-weighted
            _, weights = matcher.question_pieces(vectors, pieces)
            best = (vectors @ tokens.vectors.T).reshape(len(pieces), 40, 10).max(axis=2)
            np.testing.assert_allclose(scored.sentence, weights @ best, rtol=1e-5, atol=1e-6)

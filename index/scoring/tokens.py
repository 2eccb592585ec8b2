"""Token-level matching (MaxSim): each question piece takes its best match among a sentence's (pure)."""

# A pooled sentence vector blurs a question's rare, decisive word ("loan", "pilots") into its common
# ones ("China", "alliance"). Matching piece by piece, weighting each question piece by how rare it is
# in the corpus, keeps that word's say.

import math
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from index.corpus.text import QUESTION_WORDS, STOP_WORDS

_IGNORED = STOP_WORDS | QUESTION_WORDS | set(string.punctuation) | set("’‘“”—–")


@dataclass(frozen=True)
class SentenceTokens:
    """The corpus's word-piece vectors, sentence by sentence (rows of Scorer.sentences)."""

    vectors: np.ndarray  # (pieces, dimension), unit rows read in the paragraph's context; float16 on disk
    sentence: np.ndarray  # (pieces,) int32: the sentence each piece belongs to
    pieces: np.ndarray  # (pieces,) str: the word piece itself


class TokenScores(NamedTuple):
    """One question's token-level scores."""

    sentence: np.ndarray  # IDF-weighted MaxSim per sentence
    paragraph: np.ndarray  # the same per paragraph


class PieceLayout(NamedTuple):
    """The corpus's content pieces as matching reads them (for fitting, e.g. benchmarks/fit_question_maps.py)."""

    vectors_t: np.ndarray  # (dimension, pieces) float32
    sentence: np.ndarray  # (pieces,) the sentence row of each piece
    paragraph: np.ndarray  # (pieces,) the paragraph row of each piece


class TokenMatcher:
    """MaxSim of a question against every sentence and every paragraph, IDF-weighted per question piece."""

    def __init__(self, tokens: SentenceTokens, sentence_paragraph: np.ndarray):
        # In how many sentences each piece occurs: one pass over the (sentence, piece) pairs.
        pairs = set(
            zip(np.asarray(tokens.sentence).tolist(), np.asarray(tokens.pieces).tolist(), strict=True)
        )
        self._frequency = Counter(piece for sentence, piece in pairs if sentence < len(sentence_paragraph))
        tokens = _content_pieces(tokens)
        # Stored transposed and contiguous: question @ corpus.T then reads memory in order (~2.5× faster).
        self._vectors_t = np.ascontiguousarray(np.asarray(tokens.vectors, dtype=np.float32).T)
        self._sentence = np.asarray(tokens.sentence, dtype=np.int64)
        self._paragraph = np.asarray(sentence_paragraph, dtype=np.int64)[self._sentence]
        self._sentences = len(sentence_paragraph)
        self._paragraphs = int(sentence_paragraph.max()) + 1 if len(sentence_paragraph) else 0
        if np.any(np.diff(self._sentence) < 0):
            raise ValueError("sentence tokens must be stored in sentence order")
        # Pieces are stored in order, so a group's pieces are one run: max by reduceat, no Python loop.
        self._sentence_starts = _run_starts(self._sentence, self._sentences)
        # A paragraph's best piece is its sentences' best: the maximum of fewer, equal numbers.
        self._paragraph_sentence_starts = _run_starts(np.asarray(sentence_paragraph), self._paragraphs)

    def idf(self, piece: str) -> float:
        return math.log((self._sentences + 1) / (self._frequency.get(piece, 0) + 0.5))

    @property
    def layout(self) -> PieceLayout:
        return PieceLayout(self._vectors_t, self._sentence, self._paragraph)

    @staticmethod
    def content_positions(pieces: tuple[str, ...]) -> list[int]:
        """Where the question's content pieces are; every piece for a question of stop words only."""
        keep = [n for n, piece in enumerate(pieces) if piece.removeprefix("##") not in _IGNORED]
        return keep or list(range(len(pieces)))

    def question_pieces(self, vectors: np.ndarray, pieces: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of the question's content pieces and their IDF weights, which sum to 1."""
        keep = self.content_positions(pieces)
        weights = np.array([self.idf(pieces[n]) for n in keep])
        if len(weights):
            weights /= weights.sum()
        return np.asarray(vectors, dtype=np.float32)[keep], weights

    def scores(self, vectors: np.ndarray, pieces: tuple[str, ...]) -> TokenScores:
        """Per sentence and per paragraph, the weighted mean over question pieces of the best piece cosine."""
        return self.scores_many([(vectors, pieces)])[0]

    def scores_many(self, questions: Sequence[tuple[np.ndarray, tuple[str, ...]]]) -> list[TokenScores]:
        """``scores`` of several questions ((token vectors, pieces) each), the same numbers as one at a
        time: their pieces go through one product, so the corpus's pieces are read once for them all."""
        prepared = [self.question_pieces(vectors, pieces) for vectors, pieces in questions]
        # A one-piece question keeps a product of its own: BLAS multiplies a lone row another way, and
        # its last bits would depend on the company it was asked in.
        shared = [question for question, weights in prepared if len(weights) > 1]
        maxima = self._maxima(np.concatenate(shared)) if shared else None
        results = []
        end = 0
        for question, weights in prepared:
            if not len(weights) or not self._vectors_t.shape[1]:
                results.append(TokenScores(np.zeros(self._sentences), np.zeros(self._paragraphs)))
                continue
            if len(weights) == 1 or maxima is None:
                sentence, paragraph = self._maxima(question)
            else:
                start, end = end, end + len(weights)
                sentence, paragraph = (m[start:end] for m in maxima)
            results.append(TokenScores(weights @ sentence, weights @ paragraph))
        return results

    def _maxima(self, question: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each question piece's best cosine per sentence and per paragraph."""
        similarity = _product(question, self._vectors_t)  # (question pieces, corpus pieces)
        per_sentence = np.maximum.reduceat(similarity, self._sentence_starts, axis=1)
        return per_sentence, np.maximum.reduceat(per_sentence, self._paragraph_sentence_starts, axis=1)


# Corpus pieces per block of a product. A question has a few pieces: so skinny a product runs faster
# block by block than on the whole corpus, which BLAS would first copy into a layout of its own
# (1.3-2x measured on 2 cores, 64 to 256 alike, with the pieces in cache; less right after the encoder's
# pass has evicted them, when reading the 10 MB from memory is most of the cost).
BLOCK = 128


def _product(questions: np.ndarray, matrix_t: np.ndarray) -> np.ndarray:
    """``questions @ matrix_t``, block by block of BLOCK columns (one row: in one go, as BLAS does it)."""
    if len(questions) == 1:
        return questions @ matrix_t
    out = np.empty((len(questions), matrix_t.shape[1]), dtype=np.float32)
    for start in range(0, matrix_t.shape[1], BLOCK):
        np.matmul(questions, matrix_t[:, start : start + BLOCK], out=out[:, start : start + BLOCK])
    return out


def _content_pieces(tokens: SentenceTokens) -> SentenceTokens:
    """Drop the corpus's stop-word and punctuation pieces, keeping each sentence's first piece.

    Question pieces of that kind are ignored already, so these corpus pieces would only ever be
    a content piece's best match by accident; dropping them halves the work per question.
    """
    sentence = np.asarray(tokens.sentence)
    content = np.array(
        [piece.removeprefix("##") not in _IGNORED for piece in tokens.pieces.tolist()], dtype=bool
    )
    first = np.ones(len(sentence), dtype=bool)
    first[1:] = sentence[1:] != sentence[:-1]
    keep = content | first
    return SentenceTokens(
        vectors=np.asarray(tokens.vectors)[keep],
        sentence=sentence[keep],
        pieces=np.asarray(tokens.pieces)[keep],
    )


def _run_starts(group: np.ndarray, groups: int) -> np.ndarray:
    starts = np.searchsorted(group, np.arange(groups))
    if groups and (len(np.unique(group)) != groups or group[0] != 0):
        raise ValueError("every sentence must have at least one token")
    return starts

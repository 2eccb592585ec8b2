"""Score every sentence of the corpus against a question, fusing dense and lexical signals (pure)."""

from dataclasses import dataclass

import numpy as np

from index.documents import Paragraph
from index.lexical import BM25, AliasTable, correct_spelling
from index.store import StoredIndex
from index.text import content_terms
from index.units import WINDOW_RADIUS


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in a sentence's score; dense signals are cosines, lexical ones 0..1."""

    sentence: float = 0.35
    window: float = 0.25
    paragraph: float = 0.15
    heading: float = 0.05
    lexical: float = 0.20
    lexical_window: float = 0.10


@dataclass(frozen=True)
class Scored:
    """Per-sentence scores for one question, plus what the abstention decision looks at."""

    total: np.ndarray  # fused score per sentence (rows of Retriever.sentences)
    dense: np.ndarray  # best cosine per sentence among its sentence and window units
    lexical: np.ndarray  # BM25 of the sentence, 0..1 relative to the question's best possible
    known_share: float  # share of the question's content terms that the corpus contains
    heading_scores: dict[str, float]  # section title -> cosine with the question


class Retriever:
    """Holds what scoring needs from a loaded index: unit rows by kind, BM25 tables, aliases."""

    def __init__(self, stored: StoredIndex, weights: Weights | None = None):
        self.weights = weights or Weights()
        self.paragraphs: list[Paragraph] = stored.paragraphs
        self.sentences: list[tuple[int, int]] = [
            (row, i) for row, paragraph in enumerate(self.paragraphs) for i in range(len(paragraph.sentences))
        ]
        position = {ref: n for n, ref in enumerate(self.sentences)}
        count = len(self.sentences)
        self._sentence_unit = np.zeros(count, dtype=np.int64)
        self._window_unit = np.zeros(count, dtype=np.int64)
        self._paragraph_unit = np.zeros(len(self.paragraphs), dtype=np.int64)
        self._heading_unit: dict[tuple[str, str], int] = {}
        windows: dict[tuple[int, int, int], int] = {}
        for unit_id, unit in enumerate(stored.units):
            paragraph = self.paragraphs[unit.paragraph]
            if unit.kind == "sentence":
                self._sentence_unit[position[(unit.paragraph, unit.first)]] = unit_id
            elif unit.kind == "window":
                windows[(unit.paragraph, unit.first, unit.last)] = unit_id
            elif unit.kind == "paragraph":
                self._paragraph_unit[unit.paragraph] = unit_id
            elif unit.kind == "heading":
                self._heading_unit[(paragraph.document, paragraph.section)] = unit_id
        for n, (row, i) in enumerate(self.sentences):
            self._window_unit[n] = windows[(row, *self._window_bounds(row, i))]
        self._sentence_paragraph = np.array([row for row, _ in self.sentences], dtype=np.int64)
        self._sentence_heading = np.array(
            [
                self._heading_unit[(self.paragraphs[row].document, self.paragraphs[row].section)]
                for row, _ in self.sentences
            ],
            dtype=np.int64,
        )
        sentence_texts = [self.paragraphs[row].sentence_text(i) for row, i in self.sentences]
        window_texts = [self._window_text(row, i) for row, i in self.sentences]
        self._bm25 = BM25(sentence_texts)
        self._bm25_window = BM25(window_texts)
        self.vocabulary = self._bm25.vocabulary
        self.aliases = AliasTable(group for record in stored.manifest.documents for group in record.aliases)

    def _window_bounds(self, row: int, i: int) -> tuple[int, int]:
        count = len(self.paragraphs[row].sentences)
        return max(0, i - WINDOW_RADIUS), min(count - 1, i + WINDOW_RADIUS)

    def _window_text(self, row: int, i: int) -> str:
        paragraph = self.paragraphs[row]
        first, last = self._window_bounds(row, i)
        return paragraph.text[paragraph.sentences[first].start : paragraph.sentences[last].end]

    def query_terms(self, question: str) -> tuple[list[str], float]:
        """The question's content stems (typos mended, aliases added) and the share the corpus knows."""
        terms = correct_spelling(content_terms(question), self.vocabulary)
        known = [term for term in terms if term in self.vocabulary]
        share = len(known) / len(terms) if terms else 0.0
        return terms + self.aliases.expand(question), share

    def score(self, question: str, unit_scores: np.ndarray) -> Scored:
        """Fuse ``unit_scores`` (cosine of the question with every unit) with BM25 into sentence scores."""
        w = self.weights
        sentence = unit_scores[self._sentence_unit]
        window = unit_scores[self._window_unit]
        paragraph = unit_scores[self._paragraph_unit][self._sentence_paragraph]
        heading = unit_scores[self._sentence_heading]
        terms, share = self.query_terms(question)
        lexical = _relative(self._bm25.scores(terms))
        lexical_window = _relative(self._bm25_window.scores(terms))
        total = (
            w.sentence * sentence
            + w.window * window
            + w.paragraph * paragraph
            + w.heading * heading
            + w.lexical * lexical
            + w.lexical_window * lexical_window
        )
        headings = {section: float(unit_scores[unit]) for (_, section), unit in self._heading_unit.items()}
        return Scored(total, np.maximum(sentence, window), lexical, share, headings)


def _relative(scores: np.ndarray) -> np.ndarray:
    best = float(scores.max()) if len(scores) else 0.0
    return scores / best if best > 0 else scores

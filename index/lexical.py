"""BM25 over stemmed content terms, with query expansion through the corpus's alias groups (pure)."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from index.text import content_terms, stem, words


class BM25:
    """Okapi BM25 over a fixed list of texts; ``scores`` gives one score per text."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b
        docs = [Counter(content_terms(text)) for text in texts]
        self._count = len(docs)
        lengths = np.array([sum(doc.values()) for doc in docs], dtype=np.float64)
        average = float(lengths.mean()) if len(lengths) else 0.0
        self._norm = k1 * (1 - b + b * lengths / max(average, 1e-9))
        # Postings per term (texts holding it, and how often), so a query touches only its terms' texts.
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for row, doc in enumerate(docs):
            for term, count in doc.items():
                rows, counts = postings.setdefault(term, ([], []))
                rows.append(row)
                counts.append(float(count))
        self._postings = {
            term: (np.array(rows), np.array(counts)) for term, (rows, counts) in postings.items()
        }
        total = len(docs)
        self.idf = {
            term: math.log(1 + (total - len(rows) + 0.5) / (len(rows) + 0.5))
            for term, (rows, _) in postings.items()
        }

    @property
    def vocabulary(self) -> set[str]:
        return set(self.idf)

    def scores(self, terms: Iterable[str], weights: dict[str, float] | None = None) -> np.ndarray:
        result = np.zeros(self._count, dtype=np.float64)
        for term in set(terms):
            if term not in self._postings:
                continue
            rows, tf = self._postings[term]
            weight = (weights or {}).get(term, 1.0)
            result[rows] += weight * self.idf[term] * tf * (self.k1 + 1) / (tf + self._norm[rows])
        return result


class AliasTable:
    """Groups of names that mean the same thing (from documents' front matter)."""

    def __init__(self, groups: Iterable[Iterable[str]]):
        self._phrases: list[tuple[tuple[str, ...], int]] = []
        self._groups: list[list[str]] = []
        for number, group in enumerate(groups):
            names = list(group)
            self._groups.append(names)
            for name in names:
                tokens = tuple(words(name))
                if tokens:
                    self._phrases.append((tokens, number))
        # Longest names first, so "soviet union" is read before "soviet".
        self._phrases.sort(key=lambda item: -len(item[0]))

    def expand(self, text: str) -> list[str]:
        """The content stems of every alias of every name that occurs in ``text``."""
        tokens = words(text)
        found: set[int] = set()
        for phrase, group in self._phrases:
            width = len(phrase)
            if any(tuple(tokens[i : i + width]) == phrase for i in range(len(tokens) - width + 1)):
                found.add(group)
        extra: list[str] = []
        for group in sorted(found):
            for name in self._groups[group]:
                extra.extend(content_terms(name))
        return extra


__all__ = ["BM25", "AliasTable", "stem"]

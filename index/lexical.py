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
        self._docs = [Counter(content_terms(text)) for text in texts]
        lengths = np.array([sum(doc.values()) for doc in self._docs], dtype=np.float64)
        self._lengths = lengths
        self._average_length = float(lengths.mean()) if len(lengths) else 0.0
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        total = len(self._docs)
        self.idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in frequency.items()}

    @property
    def vocabulary(self) -> set[str]:
        return set(self.idf)

    def scores(self, terms: Iterable[str], weights: dict[str, float] | None = None) -> np.ndarray:
        result = np.zeros(len(self._docs), dtype=np.float64)
        if not self._docs:
            return result
        norm = self.k1 * (1 - self.b + self.b * self._lengths / max(self._average_length, 1e-9))
        for term in set(terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            weight = (weights or {}).get(term, 1.0)
            tf = np.array([doc.get(term, 0) for doc in self._docs], dtype=np.float64)
            result += weight * idf * tf * (self.k1 + 1) / (tf + norm)
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


def correct_spelling(terms: Sequence[str], vocabulary: set[str]) -> list[str]:
    """Map each unknown term to a known one within one edit (two for long words), else keep it."""
    corrected = []
    for term in terms:
        if term in vocabulary or term.isdigit() or len(term) < 4:
            corrected.append(term)
            continue
        limit = 1 if len(term) < 7 else 2
        best = min(
            (candidate for candidate in vocabulary if abs(len(candidate) - len(term)) <= limit),
            key=lambda candidate: _edit_distance(term, candidate, limit + 1),
            default=None,
        )
        if best is not None and _edit_distance(term, best, limit + 1) <= limit:
            corrected.append(best)
        else:
            corrected.append(term)
    return corrected


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, giving up at ``cap`` (enough to reject far words quickly)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) >= cap:
            return cap
        previous = current
    return previous[-1]


__all__ = ["BM25", "AliasTable", "correct_spelling", "stem"]

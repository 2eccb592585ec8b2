"""Nearest-neighbour search behind one small protocol: FAISS for serving, NumPy as its exact twin."""

from typing import Protocol

import faiss
import numpy as np


class VectorSearch(Protocol):
    size: int

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product scores and row ids of the ``k`` best rows per query, best first."""
        ...


class FaissSearch:
    def __init__(self, index: faiss.Index):
        self._index = index
        self.size = index.ntotal

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)


class NumpySearch:
    """Brute force over a matrix: slow for big corpora, but obviously right, so tests trust it."""

    def __init__(self, vectors: np.ndarray):
        self._vectors = np.asarray(vectors, dtype=np.float32)
        self.size = len(self._vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        scores = np.asarray(queries, dtype=np.float32) @ self._vectors.T
        ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, ids, axis=1), ids


def all_scores(search: VectorSearch, queries: np.ndarray) -> np.ndarray:
    """Every row's score for every query (rows not returned score -1, below any cosine of unit vectors)."""
    scores, ids = search.search(queries, search.size)
    dense = np.full((len(queries), search.size), -1.0, dtype=np.float32)
    for row in range(len(queries)):
        valid = ids[row] >= 0
        dense[row, ids[row][valid]] = scores[row][valid]
    return dense

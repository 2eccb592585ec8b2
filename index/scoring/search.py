"""Nearest-neighbour search behind one small protocol: FAISS for serving, NumPy as its exact twin."""

from typing import Protocol

import faiss
import numpy as np


class VectorSearch(Protocol):
    size: int

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product scores and row ids of the ``k`` best rows per query, best first."""
        ...

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """Every row's inner product with every query, (queries, rows), in row order: no ranking."""
        ...


class FaissSearch:
    def __init__(self, index: faiss.Index):
        self._index = index
        self.size = index.ntotal
        # A flat index's rows, viewed in place (the file is memory-mapped): scores() reads them directly.
        self._rows = (
            faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
            if isinstance(index, faiss.IndexFlat) and index.ntotal
            else None
        )

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """The same numbers as searching for every row, without FAISS ranking all of them.

        For as few queries as FAISS scores one by one (below its BLAS threshold) this calls the very
        function it uses, fvec_inner_products_ny, so the values are equal to the bit; above it, or for
        an index that is not flat, FAISS searches for every row and the result is put back in row order.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        out = np.empty((len(queries), self.size), dtype=np.float32)
        if self._rows is None or len(queries) * self._index.d >= faiss.cvar.distance_compute_blas_threshold:
            found, ids = self.search(queries, self.size)
            out.fill(-1.0)  # rows not returned (none, for a flat index) score below any unit cosine
            for row in range(len(queries)):
                valid = ids[row] >= 0
                out[row, ids[row][valid]] = found[row][valid]
            return out
        rows = faiss.swig_ptr(self._rows)
        inner_products = faiss.fvec_inner_products_ny  # type: ignore[attr-defined]  # SWIG-made, not in the stubs
        for row in range(len(queries)):
            inner_products(
                faiss.swig_ptr(out[row]), faiss.swig_ptr(queries[row]), rows, self._index.d, self.size
            )
        return out


class NumpySearch:
    """Brute force over a matrix: slow for big corpora, but obviously right, so tests trust it."""

    def __init__(self, vectors: np.ndarray):
        self._vectors = np.asarray(vectors, dtype=np.float32)
        self.size = len(self._vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        scores = self.scores(queries)
        ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, ids, axis=1), ids

    def scores(self, queries: np.ndarray) -> np.ndarray:
        return np.asarray(queries, dtype=np.float32) @ self._vectors.T


def all_scores(search: VectorSearch, queries: np.ndarray) -> np.ndarray:
    """Every row's score for every query, in row order (rows a search cannot return score -1)."""
    return search.scores(queries)
